import Felis
import JSON
import Postgres

/// Reads schemas from the live catalog.
public enum Catalog {
    /// Names of all schemas, in name order, without PostgreSQL's own.
    public static func schemaNames(on connection: Connection) async throws -> [String] {
        let result = try await connection.query("""
            SELECT nspname FROM pg_catalog.pg_namespace
            WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
            ORDER BY nspname
            """)
        return result.rows.compactMap { $0[0] }
    }

    /// The schema's tables, views, columns and constraints, or `nil` when there is no such schema.
    public static func load(schema: String, on connection: Connection) async throws -> CatalogSchema? {
        let namespace = try await connection.query("""
            SELECT obj_description(oid, 'pg_namespace') FROM pg_catalog.pg_namespace WHERE nspname = \(schema)
            """)
        guard let schemaRow = namespace.rows.first else { return nil }

        let relations = try await connection.query("""
            SELECT c.relname, c.relkind::text, obj_description(c.oid, 'pg_class')
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
            """)
        let columns = try await connection.query("""
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid::int8, a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum)
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum
            """)
        let constraints = try await connection.query("""
            SELECT con.conname, con.contype::text, c.relname,
                   to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
                                 JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
                                 ORDER BY k.ord))::text,
                   fn.nspname, fc.relname,
                   to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
                                 JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
                                 ORDER BY k.ord))::text,
                   obj_description(con.oid, 'pg_constraint')
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
            LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
            WHERE n.nspname = \(schema)
            ORDER BY c.relname, con.conname
            """)
        let indexes = try await connection.query("""
            SELECT t.relname, i.relname, ix.indisunique,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')),
                   to_json(ARRAY(SELECT coalesce(a.attname, '') FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord)
                                 LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num
                                 ORDER BY k.ord))::text
            FROM pg_catalog.pg_index ix
            JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid
            JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = \(schema)
            ORDER BY t.relname, i.relname
            """)
        // A view's query is stored as a rewrite rule, which depends on every column it reads.
        let viewReferences = try await connection.query("""
            SELECT DISTINCT v.relname, rn.nspname, rc.relname, a.attname
            FROM pg_catalog.pg_rewrite r
            JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
            JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
            JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
            JOIN pg_catalog.pg_class rc ON rc.oid = d.refobjid
            JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE n.nspname = \(schema) AND v.relkind IN ('v', 'm') AND rc.oid <> v.oid
            ORDER BY 1, 2, 3, 4
            """)

        var tables: [String: CatalogTable] = [:]
        for row in relations.rows {
            guard let name = row[0], let kind = row[1] else { continue }
            tables[name] = CatalogTable(schema: schema, name: name, kind: relationKind(kind), comment: row[2], columns: [], constraints: [])
        }
        for row in columns.rows {
            guard let table = row[0], let name = row[1], let type = row[2] else { continue }
            tables[table]?.columns.append(CatalogColumn(
                name: name, type: type, typeOID: UInt32(row[3].flatMap { Int($0) } ?? 0),
                isNullable: row[4] != "t", defaultExpression: row[5], comment: row[6]
            ))
        }
        for row in constraints.rows {
            guard let name = row[0], let kindText = row[1], let table = row[2],
                  let kind = CatalogConstraint.Kind(rawValue: kindText) else { continue }
            tables[table]?.constraints.append(CatalogConstraint(
                name: name, kind: kind, columns: decodeNames(row[3]),
                referencedSchema: row[4], referencedTable: row[5], referencedColumns: decodeNames(row[6]), comment: row[7]
            ))
        }
        for row in indexes.rows {
            guard let table = row[0], let name = row[1] else { continue }
            tables[table]?.indexes.append(CatalogIndex(
                name: name, columns: decodeNames(row[4]), isUnique: row[2] == "t", isConstraintIndex: row[3] == "t"
            ))
        }
        for row in viewReferences.rows {
            guard let view = row[0], let refSchema = row[1], let refTable = row[2], let column = row[3] else { continue }
            tables[view]?.viewReferences.append(CatalogColumnReference(schema: refSchema, table: refTable, column: column))
        }
        return CatalogSchema(name: schema, comment: schemaRow[0], tables: tables)
    }

    private static func relationKind(_ code: String) -> CatalogTable.Kind {
        switch code {
        case "v": return .view
        case "m": return .materializedView
        case "p": return .partitionedTable
        case "f": return .foreignTable
        default: return .table
        }
    }

    private static func decodeNames(_ json: String?) -> [String] {
        guard let json, let items = (try? JSONValue.parse(json))?.arrayValue else { return [] }
        let names = items.compactMap(\.stringValue)
        return names.count == items.count ? names : []
    }
}
