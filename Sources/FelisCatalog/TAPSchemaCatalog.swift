import Felis
import Postgres

/// Reads TAP_SCHEMA back: what the TAP service lists in VOSI `tables`, puts in VOTable `FIELD`s, and
/// lets an ADQL query name.
public enum TAPSchemaCatalog {
    /// Everything TAP_SCHEMA holds, including its description of itself. An empty snapshot when the
    /// database has no `tap_schema` tables yet (no published schema was applied).
    public static func load(on connection: Connection) async throws -> TAPSchemaSnapshot {
        guard try await TAPSchemaStore.existingTables(on: connection).isSuperset(of: TAPSchemaDefinition.tables.map(\.name)) else {
            return TAPSchemaSnapshot(schemas: [])
        }
        let stored = try await TAPSchemaStore.load(on: connection)
        return TAPSchemaSnapshot(rows: Array(stored.values))
    }
}

/// TAP_SCHEMA as read at one moment: schemas, their tables and views with their columns, and foreign
/// keys. Listing order is TAP's: by `schema_index`, `table_index`, `column_index`, then by name.
public struct TAPSchemaSnapshot: Sendable, Equatable {
    /// A schema and its tables.
    public struct Schema: Sendable, Equatable {
        /// As TAP clients write it: `cdb_lsstcam`, `TAP_SCHEMA`.
        public var name: String
        public var utype: String?
        public var description: String?
        public var index: Int?
        public var tables: [Table]

        /// The table called `name` (qualified `schema.table`, or the table name alone), matched the way
        /// ADQL matches regular identifiers: ignoring case.
        public func table(_ name: String) -> Table? {
            tables.first { $0.name.caseInsensitiveEquals(name) || $0.unqualifiedName.caseInsensitiveEquals(name) }
        }
    }

    /// A table or view.
    public struct Table: Sendable, Equatable {
        /// Qualified: `cdb_lsstcam.exposure`, `TAP_SCHEMA.tables`.
        public var name: String
        public var schemaName: String
        public var type: TAPSchemaRows.TableType
        public var utype: String?
        public var description: String?
        public var index: Int?
        public var columns: [Column]

        /// The name without its schema: `exposure`.
        public var unqualifiedName: String {
            name.hasPrefix(schemaName + ".") ? String(name.dropFirst(schemaName.count + 1)) : name
        }

        /// The column called `name`, ignoring case (ADQL regular identifiers); a delimited name such as
        /// `"size"` matches as written, quotes included or not.
        public func column(_ name: String) -> Column? {
            columns.first { $0.name == name } ?? columns.first { $0.unquotedName.caseInsensitiveEquals(name) }
        }
    }

    /// A column, with what a VOTable `FIELD` needs.
    public struct Column: Sendable, Equatable {
        /// As TAP_SCHEMA lists it; a delimited identifier keeps its quotes (`"size"`).
        public var name: String
        /// VOTable datatype (`long`, `double`, `char`, ...).
        public var datatype: String
        public var arraysize: String?
        public var xtype: String?
        public var unit: String?
        public var ucd: String?
        public var utype: String?
        public var description: String?
        public var principal: Bool
        public var indexed: Bool
        public var std: Bool
        public var columnIndex: Int?

        /// The name without ADQL's delimiting quotes: the PostgreSQL column name.
        public var unquotedName: String {
            name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") ? String(name.dropFirst().dropLast()) : name
        }
    }

    /// A foreign key between two tables.
    public struct Key: Sendable, Equatable {
        public var id: String
        public var fromTable: String
        public var targetTable: String
        public var description: String?
        public var utype: String?
        /// The column pairs of the key.
        public var columns: [ColumnPair]

        /// A column of ``fromTable`` and the column of ``targetTable`` it refers to.
        public struct ColumnPair: Sendable, Equatable {
            public var from: String
            public var target: String
        }
    }

    public var schemas: [Schema]
    public var keys: [Key]

    public init(schemas: [Schema], keys: [Key] = []) {
        self.schemas = schemas
        self.keys = keys
    }

    /// Builds the nested form from the stored rows of each schema.
    public init(rows: [TAPSchemaRows]) {
        schemas = rows.map { rows in
            let columnsByTable = Dictionary(grouping: rows.columns, by: \.tableName)
            let tables = rows.tables.map { table in
                Table(
                    name: table.tableName, schemaName: table.schemaName, type: table.tableType, utype: table.utype,
                    description: table.description, index: table.tableIndex,
                    columns: (columnsByTable[table.tableName] ?? []).map { column in
                        Column(
                            name: column.columnName, datatype: column.datatype, arraysize: column.arraysize, xtype: column.xtype,
                            unit: column.unit, ucd: column.ucd, utype: column.utype, description: column.description,
                            principal: column.principal, indexed: column.indexed, std: column.std, columnIndex: column.columnIndex
                        )
                    }.sorted { Self.order($0.columnIndex, $0.name, $1.columnIndex, $1.name) }
                )
            }.sorted { Self.order($0.index, $0.name, $1.index, $1.name) }
            return Schema(name: rows.schema.schemaName, utype: rows.schema.utype, description: rows.schema.description,
                          index: rows.schema.schemaIndex, tables: tables)
        }.sorted { Self.order($0.index, $0.name, $1.index, $1.name) }
        keys = rows.flatMap { rows in
            let pairs = Dictionary(grouping: rows.keyColumns, by: \.keyID)
            return rows.keys.map { key in
                Key(id: key.keyID, fromTable: key.fromTable, targetTable: key.targetTable, description: key.description, utype: key.utype,
                    columns: (pairs[key.keyID] ?? []).map { Key.ColumnPair(from: $0.fromColumn, target: $0.targetColumn) })
            }
        }.sorted { $0.id < $1.id }
    }

    /// Nil indexes sort after any index, then names break ties.
    private static func order(_ lhsIndex: Int?, _ lhsName: String, _ rhsIndex: Int?, _ rhsName: String) -> Bool {
        switch (lhsIndex, rhsIndex) {
        case let (l?, r?) where l != r: return l < r
        case (_?, nil): return true
        case (nil, _?): return false
        default: return lhsName < rhsName
        }
    }

    /// The schema called `name`, ignoring case (`TAP_SCHEMA` and `tap_schema` both match).
    public func schema(_ name: String) -> Schema? {
        schemas.first { $0.name.caseInsensitiveEquals(name) }
    }

    /// The table called `name`, qualified `schema.table` (case ignored as for ADQL regular identifiers).
    public func table(_ qualifiedName: String) -> Table? {
        for schema in schemas {
            if let table = schema.tables.first(where: { $0.name.caseInsensitiveEquals(qualifiedName) }) { return table }
        }
        return nil
    }

    /// Every table and view, in listing order: what an ADQL query may name.
    public var allTables: [Table] { schemas.flatMap(\.tables) }

    /// The foreign keys whose `from_table` is `table` (qualified).
    public func keys(from table: String) -> [Key] {
        keys.filter { $0.fromTable.caseInsensitiveEquals(table) }
    }
}

extension String {
    /// ASCII case-insensitive equality: SQL and ADQL identifiers fold ASCII letters only.
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && zip(utf8, other.utf8).allSatisfy { Self.fold($0) == Self.fold($1) }
    }

    private static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
