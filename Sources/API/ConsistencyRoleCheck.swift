import Postgres

/// Whether the role `GET /consdb/table_consistency` runs as is fit for an endpoint anyone can reach.
///
/// Besides what ``QueryRoleCheck`` refuses (superuser, CREATEROLE, BYPASSRLS, REPLICATION, the predefined
/// roles that reach past the tables), this role may read `consdb_ingest` but only the three tables the
/// ingest rules need, and may write nothing in the published or internal schemas.
public enum ConsistencyRoleCheck {
    /// The internal tables the consistency login may read.
    public static let ingestTables = ["rejected", "efd_batch_task", "consistency_check"]

    /// The role's problems (empty when it is fit).
    public static func inspect(on connection: Connection, role: String? = nil) async throws -> QueryRoleCheck {
        let base = try await QueryRoleCheck.inspect(on: connection, role: role)
        var problems = base.problems.filter { $0 != "can read the internal schema consdb_ingest" }
        if problems == ["is a superuser"] { return QueryRoleCheck(role: base.role, problems: problems) }
        let writable = try await connection.query("""
            SELECT n.nspname || '.' || c.relname
            FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND (n.nspname LIKE 'cdb\\_%' OR n.nspname LIKE 'efd\\_%' OR n.nspname = 'consdb_ingest')
              AND has_table_privilege(\(base.role)::name, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
            ORDER BY 1 LIMIT 3
            """).rows.compactMap { $0.first ?? nil }
        if !writable.isEmpty { problems.append("can write tables (\(writable.joined(separator: ", ")))") }
        let readable = try await connection.query("""
            SELECT n.nspname || '.' || c.relname
            FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'consdb_ingest' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND NOT (c.relname = ANY(\(ingestTables)::text[]))
              AND has_schema_privilege(\(base.role)::name, n.oid, 'USAGE')
              AND has_table_privilege(\(base.role)::name, c.oid, 'SELECT')
            ORDER BY 1 LIMIT 3
            """).rows.compactMap { $0.first ?? nil }
        if !readable.isEmpty { problems.append("can read internal tables other than \(ingestTables.joined(separator: ", ")) (\(readable.joined(separator: ", ")))") }
        return QueryRoleCheck(role: base.role, problems: problems)
    }
}
