/// A transformed-EFD column config, in the reference's YAML format: which summary columns to compute,
/// from which topics and fields, with which function, into which tables.
public struct EFDConfig: Sendable, Equatable {
    public var version: String
    public var columns: [EFDColumn]

    public init(version: String, columns: [EFDColumn]) {
        self.version = version
        self.columns = columns
    }

    /// Every topic any column reads, in first-use order.
    public var topicNames: [String] {
        var seen = Set<String>()
        return columns.flatMap { $0.topics.map(\.name) }.filter { seen.insert($0).inserted }
    }

    public func columns(for table: EFDTable) -> [EFDColumn] {
        columns.filter { $0.tables.contains(table) }
    }
}

/// The four tables a config fills (DESIGN §5.1).
public enum EFDTable: String, Sendable, CaseIterable, Hashable {
    case exposure = "exposure_efd"
    case exposureUnpivoted = "exposure_efd_unpivoted"
    case visit = "visit1_efd"
    case visitUnpivoted = "visit1_efd_unpivoted"

    public var isUnpivoted: Bool { self == .exposureUnpivoted || self == .visitUnpivoted }
    /// Exposures or visits.
    public var isVisit: Bool { self == .visit || self == .visitUnpivoted }
}

/// One summary column of the config.
public struct EFDColumn: Sendable, Equatable {
    public var name: String
    public var tables: [EFDTable]
    public var function: SummaryFunction
    /// Felis datatype of the result column (`float` in every reference config).
    public var datatype: String
    public var unit: String?
    public var ucd: String?
    public var description: String?
    public var packedSeries: Bool
    /// Keep only samples whose `subsetField` equals one of `subsetValues` (e.g. salIndex 110).
    public var subsetField: String?
    public var subsetValues: [Double]
    /// Hours (negative) by which the window starts earlier than the exposure.
    public var startOffsetHours: Double?
    /// Bucket samples first (InfluxDB `GROUP BY time()` style), for mean, min and max.
    public var preAggregateInterval: AggregationInterval?
    /// One row per field in the unpivoted tables instead of one column.
    public var storeUnpivoted: Bool
    public var topics: [EFDTopicSelection]

    public init(name: String, tables: [EFDTable], function: SummaryFunction, datatype: String = "float", unit: String? = nil,
                ucd: String? = nil, description: String? = nil, packedSeries: Bool = false, subsetField: String? = nil,
                subsetValues: [Double] = [], startOffsetHours: Double? = nil, preAggregateInterval: AggregationInterval? = nil,
                storeUnpivoted: Bool = false, topics: [EFDTopicSelection]) {
        self.name = name
        self.tables = tables
        self.function = function
        self.datatype = datatype
        self.unit = unit
        self.ucd = ucd
        self.description = description
        self.packedSeries = packedSeries
        self.subsetField = subsetField
        self.subsetValues = subsetValues
        self.startOffsetHours = startOffsetHours
        self.preAggregateInterval = preAggregateInterval
        self.storeUnpivoted = storeUnpivoted
        self.topics = topics
    }
}

/// The fields a column reads from one topic (EFD flattened names: `zForces0`, `zForces1`, ...).
public struct EFDTopicSelection: Sendable, Equatable {
    public var name: String
    public var fields: [String]

    public init(name: String, fields: [String]) {
        self.name = name
        self.fields = fields
    }
}
