/// A table a rule reads, schema-qualified.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String
    public var table: String

    public init(_ schema: String, _ table: String) {
        self.schema = schema
        self.table = table
    }

    public var description: String { "\(schema).\(table)" }
}

/// Which exposures a rule looks at, by `img_type`: only those listed, or all but those listed.
public struct ImageTypeFilter: Sendable, Hashable {
    public var only: [String]?
    public var except: [String]

    public init(only: [String]? = nil, except: [String] = []) {
        self.only = only
        self.except = except
    }

    public static let all = ImageTypeFilter()
}

/// Detector numbers, written in YAML as numbers and `first-last` ranges.
public struct DetectorSet: Sendable, Hashable, CustomStringConvertible {
    public var numbers: [Int]

    public init(_ numbers: [Int]) { self.numbers = Array(Set(numbers)).sorted() }

    public var description: String { SeqNumRuns.text(numbers) }

    /// PostgreSQL's array text, bound as one parameter.
    var arrayText: String { "{" + numbers.map(String.init).joined(separator: ",") + "}" }
}

/// A derived table whose rows hang off one ccdexposure row each.
public struct ProductTable: Sendable, Hashable {
    public var table: TableName
    /// Its column holding the ccdexposure row's `ccdexposure_id`.
    public var key: String

    public init(table: TableName, key: String) {
        self.table = table
        self.key = key
    }
}

/// What a rule checks; each case is one family of SQL (see ``RuleQuery``), its parameters taken from YAML.
public enum RuleKind: Sendable, Hashable {
    /// Every exposure has exactly one row per detector of the set, and no other (`ccdexposure_completeness`).
    case detectorSet(table: TableName, detectors: DetectorSet)
    /// `id = day_obs * multiplier + seq_num` (`exposure_id_encoding`).
    case idEncoding(idColumn: String, multiplier: Int)
    /// A child row's `columns` equal its exposure's (joined on `key`) (`ccdexposure_key_agreement`).
    case keyAgreement(table: TableName, key: String, columns: [String])
    /// Every exposure (or visit) of the listed types has a row in `table` (`*_quicklook_coverage`, EFD
    /// coverage); with `waitSeconds`, only those that ended at least that long ago.
    case rowPerExposure(base: TableName, baseKey: String, table: TableName, key: String, imageTypes: ImageTypeFilter, waitSeconds: Int?)
    /// At least `expected` rows of a per-detector product per exposure, per `img_type` where it differs
    /// (`ccdexposure_quicklook_coverage`).
    case ccdRows(product: ProductTable, expected: Int, expectedByImageType: [String: Int], imageTypes: ImageTypeFilter)
    /// No product rows for these detectors and/or these types (`no_guider_products`, `no_calibration_science_products`).
    case forbiddenCCDRows(products: [ProductTable], detectors: DetectorSet?, imageTypes: ImageTypeFilter)
    /// No dead letters of this instrument's workers during the day (`consdb_ingest.rejected`).
    case deadLetters(workerContains: String)
    /// No failed EFD batch task overlapping the day (`consdb_ingest.efd_batch_task`).
    case failedBatchTasks(instrument: String)
}

/// One named rule of an instrument's rules file.
public struct ConsistencyRule: Sendable, Hashable {
    /// How the page and the alert classify a rule: broken structure, missing derived rows, or ingest trouble.
    public enum Category: String, Sendable, CaseIterable {
        case structural, coverage, ingest
    }

    public var name: String
    public var category: Category
    public var description: String?
    public var kind: RuleKind
    /// Line of the rule in its file (for messages).
    public var line: Int?

    public init(name: String, category: Category, description: String? = nil, kind: RuleKind, line: Int? = nil) {
        self.name = name
        self.category = category
        self.description = description
        self.kind = kind
        self.line = line
    }

    /// The tables the rule reads, each of which must exist and be readable for the rule to run.
    public var tables: [TableName] {
        switch kind {
        case .detectorSet(let table, _): return [table]
        case .idEncoding: return []
        case .keyAgreement(let table, _, _): return [table]
        case .rowPerExposure(let base, _, let table, _, _, _): return [base, table]
        case .ccdRows(let product, _, _, _): return [product.table]
        case .forbiddenCCDRows(let products, _, _): return products.map(\.table)
        case .deadLetters: return [TableName(RuleSet.ingestSchema, "rejected")]
        case .failedBatchTasks: return [TableName(RuleSet.ingestSchema, "efd_batch_task")]
        }
    }

    /// Whether it reads the internal schema (only the consistency login role may).
    public var needsIngestSchema: Bool {
        if case .deadLetters = kind { return true }
        if case .failedBatchTasks = kind { return true }
        return false
    }
}

/// An instrument's rules, from one YAML file.
public struct RuleSet: Sendable {
    /// The internal schema of the ingest workers.
    public static let ingestSchema = "consdb_ingest"
    /// The instrument as the API names it (lower case): `lsstcam`, `latiss`.
    public var instrument: String
    /// Its ConsDB schema, e.g. `cdb_lsstcam`.
    public var schema: String
    public var rules: [ConsistencyRule]
    /// The file it came from.
    public var source: String

    public init(instrument: String, schema: String, rules: [ConsistencyRule], source: String) {
        self.instrument = instrument
        self.schema = schema
        self.rules = rules
        self.source = source
    }

    /// The exposure table every rule starts from.
    public var exposureTable: TableName { TableName(schema, "exposure") }
    /// The per-detector table.
    public var ccdTable: TableName { TableName(schema, "ccdexposure") }
}
