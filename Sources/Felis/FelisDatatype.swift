/// A Felis column datatype.
///
/// The raw values are the spellings Felis files use (`datatype: long`).
public enum FelisDatatype: String, Sendable, CaseIterable, Hashable {
    case boolean, byte, short, int, long, float, double, char, string, unicode, text, binary, timestamp

    /// True for the types that need a `length` (Felis calls them "sized").
    public var isSized: Bool {
        switch self {
        case .char, .string, .unicode: return true
        default: return false
        }
    }

    /// True for the types an integer default or `autoincrement` applies to.
    public var isInteger: Bool {
        switch self {
        case .byte, .short, .int, .long: return true
        default: return false
        }
    }

    /// True for the floating-point types.
    public var isFloatingPoint: Bool {
        self == .float || self == .double
    }

    /// The PostgreSQL type for this datatype, as Felis maps it.
    ///
    /// A sized type without a length maps to its unbounded form (`VARCHAR`), and `timestamp` without a
    /// precision to plain `TIMESTAMP`; the loader rejects the former, so that only happens for models
    /// built by hand.
    public func postgresType(length: Int? = nil, precision: Int? = nil) -> PostgresColumnType {
        switch self {
        case .boolean:
            return PostgresColumnType(ddl: "BOOLEAN", formatType: "boolean")
        case .byte, .short:
            // PostgreSQL has no one-byte integer; Felis uses SMALLINT for both.
            return PostgresColumnType(ddl: "SMALLINT", formatType: "smallint")
        case .int:
            return PostgresColumnType(ddl: "INTEGER", formatType: "integer")
        case .long:
            return PostgresColumnType(ddl: "BIGINT", formatType: "bigint")
        case .float:
            return PostgresColumnType(ddl: "REAL", formatType: "real")
        case .double:
            return PostgresColumnType(ddl: "DOUBLE PRECISION", formatType: "double precision")
        case .char:
            guard let length else { return PostgresColumnType(ddl: "CHAR", formatType: "character(1)") }
            return PostgresColumnType(ddl: "CHAR(\(length))", formatType: "character(\(length))")
        case .string, .unicode:
            guard let length else { return PostgresColumnType(ddl: "VARCHAR", formatType: "character varying") }
            return PostgresColumnType(ddl: "VARCHAR(\(length))", formatType: "character varying(\(length))")
        case .text:
            return PostgresColumnType(ddl: "TEXT", formatType: "text")
        case .binary:
            return PostgresColumnType(ddl: "BYTEA", formatType: "bytea")
        case .timestamp:
            guard let precision else {
                return PostgresColumnType(ddl: "TIMESTAMP", formatType: "timestamp without time zone")
            }
            return PostgresColumnType(
                ddl: "TIMESTAMP(\(precision)) WITHOUT TIME ZONE",
                formatType: "timestamp(\(precision)) without time zone"
            )
        }
    }

    /// The largest length PostgreSQL accepts for `CHAR(n)` and `VARCHAR(n)`.
    public static let maximumLength = 10_485_760
    /// PostgreSQL keeps at most microseconds in a timestamp.
    public static let maximumTimestampPrecision = 6
}

/// A PostgreSQL column type in the two spellings the module needs.
public struct PostgresColumnType: Sendable, Hashable, CustomStringConvertible {
    /// The spelling used in `CREATE TABLE`, e.g. `VARCHAR(20)`.
    public var ddl: String
    /// The spelling PostgreSQL's `format_type` prints for the same type, e.g. `character varying(20)`,
    /// which is what ``CatalogColumn/type`` holds.
    public var formatType: String

    public init(ddl: String, formatType: String) {
        self.ddl = ddl
        self.formatType = formatType
    }

    public var description: String { ddl }
}
