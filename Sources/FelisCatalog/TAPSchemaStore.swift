import Felis
import Postgres

/// Reads and rewrites the rows of the `tap_schema` tables (see ``TAPSchemaDefinition``), one schema's
/// rows at a time.
///
/// A schema's rows are replaced as a whole (delete, then insert) when they differ from what its Felis
/// file gives, so a column dropped from the file disappears and an unchanged file writes nothing.
enum TAPSchemaStore {
    /// The advisory lock every writer of `tap_schema` holds. It is the key `consdb schema apply` and
    /// `consdb roles` use for a schema named `tap_schema`, and sorts after every `cdb_*`/`efd_*` key, so
    /// taking it last (after the applied schema's own) never closes a wait cycle with either command.
    static let lockKey = "consdb.schema." + TAPSchemaRows.postgresSchema

    static var schema: String { TAPSchemaRows.postgresSchema }

    /// The TAP_SCHEMA tables that exist, by name.
    static func existingTables(on connection: Connection) async throws -> Set<String> {
        let rows = try await connection.query("""
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p', 'v')
            """).rows
        return Set(rows.compactMap { $0.first ?? nil })
    }

    /// The statements that bring TAP_SCHEMA in line with `wanted`: the schema and any missing table,
    /// then a delete and insert of each set of rows that differs from what is stored. Empty when all is
    /// in place. Reads only; the caller runs them.
    static func plan(_ wanted: [TAPSchemaRows], on connection: Connection) async throws -> [String] {
        let existing = try await existingTables(on: connection)
        var statements: [String] = []
        let missing = TAPSchemaDefinition.tables.filter { !existing.contains($0.name) }
        if !missing.isEmpty {
            if existing.isEmpty { statements.append("CREATE SCHEMA IF NOT EXISTS \(SQLText.identifier(schema))") }
            statements += missing.map(TAPSchemaDefinition.createStatement)
        }
        let stored = existing.isEmpty ? [:] : try await load(on: connection)
        for rows in wanted {
            let current = stored[rows.schemaName]
            guard current?.sorted() != rows.sorted() else { continue }
            if current != nil { statements += deleteStatements(schemaName: rows.schemaName) }
            statements += insertStatements(rows)
        }
        return statements
    }

    /// Deletes every row of `schemaName`, children first (the tables reference each other).
    static func deleteStatements(schemaName: String) -> [String] {
        let name = SQLText.literal(schemaName)
        let tables = "SELECT table_name FROM \(qualified("tables")) WHERE schema_name = \(name)"
        return [
            "DELETE FROM \(qualified("key_columns")) WHERE key_id IN (SELECT key_id FROM \(qualified("keys")) WHERE from_table IN (\(tables)))",
            "DELETE FROM \(qualified("keys")) WHERE from_table IN (\(tables))",
            "DELETE FROM \(qualified("columns")) WHERE table_name IN (\(tables))",
            "DELETE FROM \(qualified("tables")) WHERE schema_name = \(name)",
            "DELETE FROM \(qualified("schemas")) WHERE schema_name = \(name)",
        ]
    }

    /// Inserts `rows`, parents first, a few hundred rows per statement.
    static func insertStatements(_ rows: TAPSchemaRows) -> [String] {
        let schema = rows.schema
        var statements = insert("schemas", ["schema_name", "utype", "description", "schema_index"], [[
            text(schema.schemaName), text(schema.utype), text(schema.description), integer(schema.schemaIndex),
        ]])
        statements += insert("tables", ["schema_name", "table_name", "table_type", "utype", "description", "table_index"], rows.tables.map {
            [text($0.schemaName), text($0.tableName), text($0.tableType.rawValue), text($0.utype), text($0.description), integer($0.tableIndex)]
        })
        statements += insert("columns", [
            "table_name", "column_name", "datatype", "arraysize", "xtype", "size", "description", "utype", "unit", "ucd",
            "indexed", "principal", "std", "column_index",
        ], rows.columns.map {
            [
                text($0.tableName), text($0.columnName), text($0.datatype), text($0.arraysize), text($0.xtype), integer($0.size),
                text($0.description), text($0.utype), text($0.unit), text($0.ucd), flag($0.indexed), flag($0.principal), flag($0.std),
                integer($0.columnIndex),
            ]
        })
        statements += insert("keys", ["key_id", "from_table", "target_table", "description", "utype"], rows.keys.map {
            [text($0.keyID), text($0.fromTable), text($0.targetTable), text($0.description), text($0.utype)]
        })
        statements += insert("key_columns", ["key_id", "from_column", "target_column"], rows.keyColumns.map {
            [text($0.keyID), text($0.fromColumn), text($0.targetColumn)]
        })
        return statements
    }

    private static func insert(_ table: String, _ columns: [String], _ values: [[String]]) -> [String] {
        let head = "INSERT INTO \(qualified(table)) (\(columns.map(SQLText.identifier).joined(separator: ", "))) VALUES\n"
        return stride(from: 0, to: values.count, by: 500).map { start in
            head + values[start..<min(start + 500, values.count)].map { "(" + $0.joined(separator: ", ") + ")" }.joined(separator: ",\n")
        }
    }

    private static func qualified(_ table: String) -> String { SQLText.qualified(schema, table) }
    private static func text(_ value: String?) -> String { value.map(SQLText.literal) ?? "NULL" }
    private static func integer(_ value: Int?) -> String { value.map(String.init) ?? "NULL" }
    private static func flag(_ value: Bool) -> String { value ? "1" : "0" }

    // MARK: Reading

    /// Every stored row, grouped by schema name. The `tap_schema` tables must exist.
    static func load(on connection: Connection) async throws -> [String: TAPSchemaRows] {
        var result: [String: TAPSchemaRows] = [:]
        for row in try await connection.query(SQL(unsafeSQL: "SELECT schema_name, utype, description, schema_index FROM \(qualified("schemas"))")).rows {
            let name = row[0] ?? ""
            result[name] = TAPSchemaRows(schemaName: name, schema: .init(schemaName: name, utype: row[1], description: row[2], schemaIndex: int(row[3])))
        }
        var schemaOfTable: [String: String] = [:]
        for row in try await connection.query(SQL(unsafeSQL: """
            SELECT schema_name, table_name, table_type, utype, description, table_index FROM \(qualified("tables"))
            """)).rows {
            let schemaName = row[0] ?? "", tableName = row[1] ?? ""
            schemaOfTable[tableName] = schemaName
            let type = TAPSchemaRows.TableType(rawValue: row[2] ?? "") ?? .table
            result[schemaName, default: orphan(schemaName)].tables.append(.init(
                schemaName: schemaName, tableName: tableName, tableType: type, utype: row[3], description: row[4], tableIndex: int(row[5])
            ))
        }
        for row in try await connection.query(SQL(unsafeSQL: """
            SELECT table_name, column_name, datatype, arraysize, xtype, "size", description, utype, unit, ucd, indexed, principal, std, column_index
            FROM \(qualified("columns"))
            """)).rows {
            let tableName = row[0] ?? ""
            guard let schemaName = schemaOfTable[tableName] else { continue }
            result[schemaName]?.columns.append(.init(
                tableName: tableName, columnName: row[1] ?? "", datatype: row[2] ?? "", arraysize: row[3], xtype: row[4], size: int(row[5]),
                description: row[6], utype: row[7], unit: row[8], ucd: row[9], indexed: row[10] == "1", principal: row[11] == "1",
                std: row[12] == "1", columnIndex: int(row[13])
            ))
        }
        var schemaOfKey: [String: String] = [:]
        for row in try await connection.query(SQL(unsafeSQL: "SELECT key_id, from_table, target_table, description, utype FROM \(qualified("keys"))")).rows {
            let keyID = row[0] ?? "", fromTable = row[1] ?? ""
            guard let schemaName = schemaOfTable[fromTable] else { continue }
            schemaOfKey[keyID] = schemaName
            result[schemaName]?.keys.append(.init(keyID: keyID, fromTable: fromTable, targetTable: row[2] ?? "", description: row[3], utype: row[4]))
        }
        for row in try await connection.query(SQL(unsafeSQL: "SELECT key_id, from_column, target_column FROM \(qualified("key_columns"))")).rows {
            let keyID = row[0] ?? ""
            guard let schemaName = schemaOfKey[keyID] else { continue }
            result[schemaName]?.keyColumns.append(.init(keyID: keyID, fromColumn: row[1] ?? "", targetColumn: row[2] ?? ""))
        }
        return result
    }

    /// Rows whose schema has no `schemas` row (written by another tool): kept under a stand-in.
    private static func orphan(_ name: String) -> TAPSchemaRows {
        TAPSchemaRows(schemaName: name, schema: .init(schemaName: name))
    }

    private static func int(_ text: String?) -> Int? { text.flatMap { Int($0) } }
}
