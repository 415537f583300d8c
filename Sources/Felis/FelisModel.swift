/// A Felis schema: the tables, columns, keys and constraints one YAML file describes.
///
/// Load one with ``FelisSchema/load(contentsOf:)`` or ``FelisSchema/parse(yaml:source:)``. All
/// `"#table.column"` references are resolved to plain names by then, so the model holds names only.
public struct FelisSchema: Sendable, Equatable {
    /// The schema name, e.g. `cdb_lsstcam`; also the PostgreSQL schema it is applied to.
    public var name: String
    /// The file's `@id`, e.g. `#cdb_lsstcam`.
    public var id: String?
    public var description: String?
    /// The schema version (`version: {current: "3.5.0"}` or `version: "3.5.0"`).
    public var version: String?
    /// Tables in file order.
    public var tables: [FelisTable]
    /// The schema's utype (`votable:utype`), for TAP_SCHEMA.
    public var utype: String?

    public init(name: String, id: String? = nil, description: String? = nil, version: String? = nil, tables: [FelisTable] = [], utype: String? = nil) {
        self.name = name
        self.id = id
        self.description = description
        self.version = version
        self.tables = tables
        self.utype = utype
    }

    /// The table named `name`, if the schema has one.
    public func table(_ name: String) -> FelisTable? {
        tables.first { $0.name == name }
    }
}

/// A table of a Felis schema.
public struct FelisTable: Sendable, Equatable {
    public var name: String
    public var id: String?
    public var description: String?
    /// Columns in file order.
    public var columns: [FelisColumn]
    /// Primary-key column names in key order; empty when the table has none.
    public var primaryKey: [String]
    /// Unique, foreign-key and check constraints in file order.
    public var constraints: [FelisConstraint]
    public var indexes: [FelisIndex]
    /// The table's utype (`votable:utype`), for TAP_SCHEMA.
    public var utype: String?
    /// The recommended listing order among tables (`tap:table_index`), for TAP_SCHEMA.
    public var tableIndex: Int?

    public init(
        name: String, id: String? = nil, description: String? = nil, columns: [FelisColumn] = [],
        primaryKey: [String] = [], constraints: [FelisConstraint] = [], indexes: [FelisIndex] = [],
        utype: String? = nil, tableIndex: Int? = nil
    ) {
        self.name = name
        self.id = id
        self.description = description
        self.columns = columns
        self.primaryKey = primaryKey
        self.constraints = constraints
        self.indexes = indexes
        self.utype = utype
        self.tableIndex = tableIndex
    }

    /// The column named `name`, if the table has one.
    public func column(_ name: String) -> FelisColumn? {
        columns.first { $0.name == name }
    }
}

/// A column of a Felis table.
public struct FelisColumn: Sendable, Equatable {
    public var name: String
    public var id: String?
    public var datatype: FelisDatatype
    /// Length of `char`, `string` and `unicode` columns.
    public var length: Int?
    /// Fractional-second digits of a `timestamp` column.
    public var precision: Int?
    /// Whether the column accepts NULL. The loader sets it to false for primary-key and
    /// auto-increment columns whatever the file says, because PostgreSQL makes those NOT NULL anyway.
    public var nullable: Bool
    /// The column's default (Felis `value`).
    public var defaultValue: FelisDefault?
    public var description: String?
    /// IVOA unit (`ivoa:unit`).
    public var unit: String?
    /// IVOA UCD (`ivoa:ucd`).
    public var ucd: String?
    public var autoincrement: Bool
    /// What the file says about the column for TAP (`votable:*` and `tap:*` keys).
    public var tap: FelisTAPColumn

    public init(
        name: String, id: String? = nil, datatype: FelisDatatype, length: Int? = nil, precision: Int? = nil,
        nullable: Bool = true, defaultValue: FelisDefault? = nil, description: String? = nil,
        unit: String? = nil, ucd: String? = nil, autoincrement: Bool = false, tap: FelisTAPColumn = FelisTAPColumn()
    ) {
        self.name = name
        self.id = id
        self.datatype = datatype
        self.length = length
        self.precision = precision
        self.nullable = nullable
        self.defaultValue = defaultValue
        self.description = description
        self.unit = unit
        self.ucd = ucd
        self.autoincrement = autoincrement
        self.tap = tap
    }

    /// The PostgreSQL type of the column.
    public var postgresType: PostgresColumnType {
        datatype.postgresType(length: length, precision: precision)
    }
}

/// A column default, already checked against the column's datatype.
public enum FelisDefault: Sendable, Equatable, CustomStringConvertible {
    /// A string literal (also used for timestamp literals, which PostgreSQL parses).
    case text(String)
    case integer(Int64)
    /// A finite floating-point literal.
    case real(Double)
    case boolean(Bool)
    /// `CURRENT_TIMESTAMP` (or `now()`) on a timestamp column: the only non-literal default we allow.
    case currentTimestamp

    public var description: String {
        switch self {
        case .text(let value): return value
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .boolean(let value): return value ? "true" : "false"
        case .currentTimestamp: return "CURRENT_TIMESTAMP"
        }
    }
}

/// A table constraint. Column names are those of the owning table; referenced columns those of
/// ``referencedTable``.
public struct FelisConstraint: Sendable, Equatable {
    /// The Felis `@type`, spelled as in the file.
    public enum Kind: String, Sendable, Equatable {
        case unique = "Unique"
        case foreignKey = "ForeignKey"
        case check = "Check"
    }

    public var name: String
    public var id: String?
    public var kind: Kind
    public var description: String?
    /// Constrained columns (empty for a check constraint).
    public var columns: [String]
    /// The table a foreign key references.
    public var referencedTable: String?
    /// The columns a foreign key references, paired with ``columns`` in order.
    public var referencedColumns: [String]
    /// The SQL expression of a check constraint.
    public var expression: String?
    /// `DEFERRABLE` (unique and foreign-key constraints only).
    public var deferrable: Bool
    /// `DEFERRED` or `IMMEDIATE`, for a deferrable constraint.
    public var initially: String?
    /// The key's utype (`votable:utype`), for TAP_SCHEMA `keys`.
    public var utype: String?

    public init(
        name: String, id: String? = nil, kind: Kind, description: String? = nil, columns: [String] = [],
        referencedTable: String? = nil, referencedColumns: [String] = [], expression: String? = nil,
        deferrable: Bool = false, initially: String? = nil, utype: String? = nil
    ) {
        self.name = name
        self.id = id
        self.kind = kind
        self.description = description
        self.columns = columns
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.expression = expression
        self.deferrable = deferrable
        self.initially = initially
        self.utype = utype
    }
}

/// A (non-unique) index on columns or on SQL expressions.
public struct FelisIndex: Sendable, Equatable {
    public var name: String
    public var id: String?
    public var description: String?
    public var columns: [String]
    /// SQL expressions, for an expression index (Felis allows columns or expressions, not both).
    public var expressions: [String]

    public init(name: String, id: String? = nil, description: String? = nil, columns: [String] = [], expressions: [String] = []) {
        self.name = name
        self.id = id
        self.description = description
        self.columns = columns
        self.expressions = expressions
    }
}
