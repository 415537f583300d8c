/// The five TAP 1.1 `TAP_SCHEMA` tables as consdb creates them in PostgreSQL (schema `tap_schema`), and
/// the rows that describe them: one definition, so the DDL and the self-description cannot disagree.
///
/// Strings are `TEXT` (described as `char`, arraysize `*`: descriptions in Felis files have no bound),
/// integers `INTEGER`. The flags are 0 or 1 by a check constraint. The primary and foreign keys are the
/// ones TAP 1.1 says services should enforce; `"size"` (TAP 1.0, deprecated) is kept for old clients.
public enum TAPSchemaDefinition {
    /// A column of a TAP_SCHEMA table.
    public struct Column: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case text
            case integer
            /// An integer that is 0 or 1 (TAP's booleans).
            case flag
        }

        /// The name as TAP_SCHEMA lists it: `"size"` keeps its quotes (a reserved word in ADQL).
        public var name: String
        public var kind: Kind
        public var notNull: Bool
        public var description: String

        /// The PostgreSQL column name, without ADQL's quotes.
        public var sqlName: String { name.hasPrefix("\"") ? String(name.dropFirst().dropLast()) : name }
    }

    /// A TAP_SCHEMA table.
    public struct Table: Sendable, Hashable {
        public var name: String
        public var description: String
        public var columns: [Column]
        public var primaryKey: [String]
        /// The foreign keys, each of one column.
        public var references: [Reference]

        /// A one-column foreign key to another TAP_SCHEMA table.
        public struct Reference: Sendable, Hashable {
            public var column: String
            public var table: String
            public var targetColumn: String
        }
    }

    private static func text(_ name: String, notNull: Bool = false, _ description: String) -> Column {
        Column(name: name, kind: .text, notNull: notNull, description: description)
    }

    private static func integer(_ name: String, _ description: String) -> Column {
        Column(name: name, kind: .integer, notNull: false, description: description)
    }

    private static func flag(_ name: String, _ description: String) -> Column {
        Column(name: name, kind: .flag, notNull: true, description: description)
    }

    /// The tables in creation order (referenced tables first).
    public static let tables: [Table] = [
        Table(
            name: "schemas", description: "The schemas this service publishes, one row each.",
            columns: [
                text("schema_name", notNull: true, "Name of the schema, as used in queries."),
                text("utype", "Utype of the schema."),
                text("description", "What the schema holds."),
                integer("schema_index", "Suggested position of the schema in listings (ascending)."),
            ],
            primaryKey: ["schema_name"], references: []
        ),
        Table(
            name: "tables", description: "The tables and views of the published schemas, one row each.",
            columns: [
                text("schema_name", notNull: true, "Schema the table belongs to."),
                text("table_name", notNull: true, "Name to use for the table in queries, qualified by its schema."),
                text("table_type", notNull: true, "Either table or view."),
                text("utype", "Utype of the table."),
                text("description", "What the table holds."),
                integer("table_index", "Suggested position of the table in listings (ascending)."),
            ],
            primaryKey: ["table_name"],
            references: [Table.Reference(column: "schema_name", table: "schemas", targetColumn: "schema_name")]
        ),
        Table(
            name: "columns", description: "The columns of the published tables, one row each.",
            columns: [
                text("table_name", notNull: true, "Qualified name of the table the column belongs to."),
                text("column_name", notNull: true, "Name of the column, as used in queries."),
                text("datatype", notNull: true, "VOTable datatype of the column's values."),
                text("arraysize", "VOTable arraysize of the column's values; null for a scalar."),
                text("xtype", "VOTable extended type (xtype) of the column, e.g. timestamp."),
                integer("\"size\"", "Deprecated TAP 1.0 form of arraysize: its number, null when it has none."),
                text("description", "What the column holds."),
                text("utype", "Utype of the column."),
                text("unit", "VOUnit of the column's values."),
                text("ucd", "Unified content descriptor of the column."),
                flag("indexed", "1 when an index can find rows by this column, else 0."),
                flag("principal", "1 when the column is a main one that listings should show, else 0."),
                flag("std", "1 when a standard defines the column, else 0."),
                integer("column_index", "Suggested position of the column in listings of its table (ascending)."),
            ],
            primaryKey: ["table_name", "column_name"],
            references: [Table.Reference(column: "table_name", table: "tables", targetColumn: "table_name")]
        ),
        Table(
            name: "keys", description: "The foreign keys between published tables, one row each.",
            columns: [
                text("key_id", notNull: true, "Identifier of the key, joining to key_columns."),
                text("from_table", notNull: true, "Qualified name of the table holding the foreign key."),
                text("target_table", notNull: true, "Qualified name of the table the key refers to."),
                text("description", "What the key expresses."),
                text("utype", "Utype of the key."),
            ],
            primaryKey: ["key_id"],
            references: [
                Table.Reference(column: "from_table", table: "tables", targetColumn: "table_name"),
                Table.Reference(column: "target_table", table: "tables", targetColumn: "table_name"),
            ]
        ),
        Table(
            name: "key_columns", description: "The column pairs of the foreign keys, one row each.",
            columns: [
                text("key_id", notNull: true, "Identifier of the key, joining to keys."),
                text("from_column", notNull: true, "Column of the table holding the key."),
                text("target_column", notNull: true, "Column of the table the key refers to."),
            ],
            primaryKey: ["key_id", "from_column"],
            references: [Table.Reference(column: "key_id", table: "keys", targetColumn: "key_id")]
        ),
    ]

    /// `CREATE TABLE` for `table` in `tap_schema`.
    public static func createStatement(_ table: Table) -> String {
        let schema = TAPSchemaRows.postgresSchema
        var items = table.columns.map { column -> String in
            let type: String
            switch column.kind {
            case .text: type = "TEXT"
            case .integer: type = "INTEGER"
            case .flag: type = "INTEGER CHECK (\(SQLText.identifier(column.sqlName)) IN (0, 1))"
            }
            return "  \(SQLText.identifier(column.sqlName)) \(type)\(column.notNull ? " NOT NULL" : "")"
        }
        items.append("  PRIMARY KEY (\(table.primaryKey.map(SQLText.identifier).joined(separator: ", ")))")
        for reference in table.references {
            items.append("  FOREIGN KEY (\(SQLText.identifier(reference.column))) REFERENCES \(SQLText.qualified(schema, reference.table)) (\(SQLText.identifier(reference.targetColumn)))")
        }
        return "CREATE TABLE IF NOT EXISTS \(SQLText.qualified(schema, table.name)) (\n" + items.joined(separator: ",\n") + "\n)"
    }
}

extension TAPSchemaRows {
    /// The rows that describe TAP_SCHEMA itself, which TAP 1.1 requires: schema `TAP_SCHEMA`, its five
    /// tables as `TAP_SCHEMA.schemas` and so on, their columns, and the foreign keys between them.
    public static let selfDescription: TAPSchemaRows = {
        let name = schemaName
        var rows = TAPSchemaRows(
            schemaName: name,
            schema: Schema(schemaName: name, description: "The metadata of this TAP service: its schemas, tables, columns and foreign keys (TAP 1.1).", schemaIndex: 100_000)
        )
        for (tableIndex, table) in TAPSchemaDefinition.tables.enumerated() {
            let qualified = name + "." + table.name
            rows.tables.append(Table(schemaName: name, tableName: qualified, tableType: .table, description: table.description,
                                     tableIndex: 100_000 + tableIndex))
            for (position, column) in table.columns.enumerated() {
                let type = column.kind == .text ? TAPColumnType(datatype: "char", arraysize: "*") : TAPColumnType(datatype: "int")
                rows.columns.append(Column(
                    tableName: qualified, columnName: column.name, datatype: type.datatype, arraysize: type.arraysize,
                    size: type.size, description: column.description, indexed: table.primaryKey.first == column.name,
                    principal: true, std: true, columnIndex: position + 1
                ))
            }
            for reference in table.references {
                let keyID = "\(qualified).\(reference.column)"
                rows.keys.append(Key(keyID: keyID, fromTable: qualified, targetTable: name + "." + reference.table))
                rows.keyColumns.append(KeyColumn(keyID: keyID, fromColumn: reference.column, targetColumn: reference.targetColumn))
            }
        }
        return rows
    }()
}
