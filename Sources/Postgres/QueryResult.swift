/// A column of a result: its name and PostgreSQL type.
public struct ResultColumn: Sendable, Hashable {
    public var name: String
    /// The type's OID (see ``PostgresType``).
    public var typeOID: UInt32

    public init(name: String, typeOID: UInt32) {
        self.name = name
        self.typeOID = typeOID
    }
}

/// The rows a statement returned, copied out of libpq in PostgreSQL's text format.
public struct QueryResult: Sendable {
    public var columns: [ResultColumn]
    /// Values row by row, `nil` for NULL.
    public var rows: [[String?]]
    /// Rows affected by an INSERT, UPDATE, DELETE, MERGE or COPY (from the command tag).
    public var affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1`.
    public var commandTag: String

    public init(columns: [ResultColumn] = [], rows: [[String?]] = [], affectedRows: Int = 0, commandTag: String = "") {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    /// Index of a column by name.
    public func index(of name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// Rows as name-addressed values.
    public var records: [Record] {
        let lookup = Dictionary(columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        return rows.map { Record(lookup: lookup, values: $0) }
    }
}

/// One row whose values are looked up by column name.
public struct Record: Sendable {
    let lookup: [String: Int]
    public let values: [String?]

    /// The text value of a column, `nil` for NULL or an unknown column.
    public subscript(_ name: String) -> String? {
        guard let index = lookup[name], index < values.count else { return nil }
        return values[index]
    }

    public func int(_ name: String) -> Int? { self[name].flatMap { Int($0) } }
    public func double(_ name: String) -> Double? { self[name].flatMap { PostgresType.parseDouble($0) } }
    public func bool(_ name: String) -> Bool? { self[name].flatMap { PostgresType.parseBool($0) } }
}

/// OIDs of the built-in types the product reads, and their text parsers.
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let char: UInt32 = 18
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let time: UInt32 = 1083
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let interval: UInt32 = 1186
    public static let numeric: UInt32 = 1700
    public static let jsonb: UInt32 = 3802

    public static let integers: Set<UInt32> = [int2, int4, int8, oid]
    public static let floats: Set<UInt32> = [float4, float8, numeric]

    /// Parses PostgreSQL's text form of a floating-point value (`NaN`, `Infinity`, `-Infinity` included).
    public static func parseDouble(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// Parses PostgreSQL's text form of a boolean.
    public static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }
}
