// The catalog model: what a live schema holds, as plain values the planner and the conformance check compare
// with a Felis file. `FelisCatalog.Catalog` reads it from a database.

/// What PostgreSQL's catalog says a schema holds: tables and views, their columns, keys and constraints.
///
/// Read from `pg_catalog`, so it reflects the live database, whatever created it. Used to plan schema
/// migrations, to check that an applied schema matches its Felis file, and by the API to validate every
/// table and column name a request mentions before it goes into SQL.
public struct CatalogSchema: Sendable {
    public var name: String
    public var comment: String?
    /// Tables and views by name.
    public var tables: [String: CatalogTable]

    public init(name: String, comment: String? = nil, tables: [String: CatalogTable] = [:]) {
        self.name = name
        self.comment = comment
        self.tables = tables
    }
}

public struct CatalogTable: Sendable {
    public enum Kind: String, Sendable {
        case table, view, materializedView, partitionedTable, foreignTable
    }

    public var schema: String
    public var name: String
    public var kind: Kind
    public var comment: String?
    /// Columns in their physical order.
    public var columns: [CatalogColumn]
    public var constraints: [CatalogConstraint]
    /// Indexes, including those behind primary-key and unique constraints.
    public var indexes: [CatalogIndex]
    /// For a view: the table columns its query reads (from `pg_depend`), so a migration can tell
    /// whether the view still selects what it should even when its own column list is unchanged.
    public var viewReferences: [CatalogColumnReference]

    public init(
        schema: String, name: String, kind: Kind, comment: String?, columns: [CatalogColumn], constraints: [CatalogConstraint],
        indexes: [CatalogIndex] = [], viewReferences: [CatalogColumnReference] = []
    ) {
        self.schema = schema
        self.name = name
        self.kind = kind
        self.comment = comment
        self.columns = columns
        self.constraints = constraints
        self.indexes = indexes
        self.viewReferences = viewReferences
    }

    public func index(_ name: String) -> CatalogIndex? {
        indexes.first { $0.name == name }
    }

    public func column(_ name: String) -> CatalogColumn? {
        columns.first { $0.name == name }
    }

    /// Primary-key columns in key order (empty for views and tables without one).
    public var primaryKey: [String] {
        constraints.first { $0.kind == .primaryKey }?.columns ?? []
    }

    public func constraint(_ name: String) -> CatalogConstraint? {
        constraints.first { $0.name == name }
    }
}

public struct CatalogColumn: Sendable, Equatable {
    public var name: String
    /// The type as PostgreSQL's `format_type` spells it, e.g. `character varying(20)`,
    /// `timestamp(6) without time zone`, `double precision`.
    public var type: String
    /// The type's OID, for decoding values.
    public var typeOID: UInt32
    public var isNullable: Bool
    /// The default expression as `pg_get_expr` prints it.
    public var defaultExpression: String?
    public var comment: String?

    public init(name: String, type: String, typeOID: UInt32, isNullable: Bool, defaultExpression: String?, comment: String?) {
        self.name = name
        self.type = type
        self.typeOID = typeOID
        self.isNullable = isNullable
        self.defaultExpression = defaultExpression
        self.comment = comment
    }
}

public struct CatalogConstraint: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case primaryKey = "p", unique = "u", foreignKey = "f", check = "c", exclusion = "x", trigger = "t"
    }

    public var name: String
    public var kind: Kind
    public var columns: [String]
    public var referencedSchema: String?
    public var referencedTable: String?
    public var referencedColumns: [String]
    public var comment: String?

    public init(name: String, kind: Kind, columns: [String], referencedSchema: String? = nil, referencedTable: String? = nil, referencedColumns: [String] = [], comment: String? = nil) {
        self.name = name
        self.kind = kind
        self.columns = columns
        self.referencedSchema = referencedSchema
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.comment = comment
    }
}

public struct CatalogIndex: Sendable, Equatable {
    public var name: String
    /// Indexed columns in order; an expression column appears as an empty string.
    public var columns: [String]
    public var isUnique: Bool
    /// True when the index belongs to a primary-key, unique or exclusion constraint.
    public var isConstraintIndex: Bool

    public init(name: String, columns: [String], isUnique: Bool, isConstraintIndex: Bool) {
        self.name = name
        self.columns = columns
        self.isUnique = isUnique
        self.isConstraintIndex = isConstraintIndex
    }
}

/// A column of some table, as a view's query reads it.
public struct CatalogColumnReference: Sendable, Hashable {
    public var schema: String
    public var table: String
    public var column: String

    public init(schema: String, table: String, column: String) {
        self.schema = schema
        self.table = table
        self.column = column
    }
}
