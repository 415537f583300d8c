import Postgres

/// Whether the role `POST /consdb/query` runs as is fit to run anyone's SQL.
///
/// The endpoint is open and runs arbitrary read-only SQL, and a read-only transaction does not stop a
/// privileged role: a superuser reads server files (`pg_read_file`, `lo_import`), lists the data
/// directory, reads password hashes (`pg_authid`), reloads the configuration and terminates other
/// sessions, and `SET ROLE` back to itself from inside a query undoes any `SET LOCAL ROLE` to a reader.
/// So the role itself must hold none of these powers, directly or through any role it is a member of
/// (membership counts even without `INHERIT`, because `SET ROLE` reaches it).
public struct QueryRoleCheck: Sendable, Equatable {
    /// Predefined roles whose members reach past the database's tables: server files and programs,
    /// signalling other sessions, reading or writing every table (including `consdb_ingest`), checkpoints.
    public static let privilegedRoles = [
        "pg_read_server_files", "pg_write_server_files", "pg_execute_server_program", "pg_signal_backend",
        "pg_read_all_data", "pg_write_all_data", "pg_checkpoint",
    ]

    /// The role inspected.
    public var role: String
    /// Why the role is unfit, one reason each (empty when it is fit).
    public var problems: [String]

    public init(role: String, problems: [String]) {
        self.role = role
        self.problems = problems
    }

    /// True when the role holds any power it should not.
    public var isPrivileged: Bool { !problems.isEmpty }

    /// Inspects the connection's role in the live catalog.
    ///
    /// Refused: `SUPERUSER`; `CREATEROLE` (before PostgreSQL 16 it can grant itself any predefined role
    /// above); `BYPASSRLS` (row-level security would not apply); `REPLICATION` (can create replication
    /// slots that hold WAL until the disk fills); membership in any of ``privilegedRoles``, or in a role
    /// that has one of these attributes; and `USAGE` on the internal schema `consdb_ingest`, which is
    /// not published.
    ///
    /// - Parameter role: the role to inspect; nil for the connection's own (`current_user`).
    public static func inspect(on connection: Connection, role: String? = nil) async throws -> QueryRoleCheck {
        let names = privilegedRoles.map { "'\($0)'" }.joined(separator: ", ")
        let role = try await connection.query("SELECT COALESCE(\(role)::name, current_user)::text").rows.first?.first.flatMap { $0 } ?? ""
        // Every role it is a member of, itself included (pg_has_role MEMBER follows memberships
        // transitively, with or without INHERIT).
        let result = try await connection.query("""
            SELECT m.rolname, m.rolname = \(role), m.rolsuper, m.rolcreaterole, m.rolbypassrls, m.rolreplication,
                   m.rolname IN (\(unsafeRaw: names))
            FROM pg_catalog.pg_roles m
            WHERE pg_has_role(\(role)::name, m.oid, 'MEMBER')
            ORDER BY m.rolname = \(role) DESC, m.rolname
            """)
        var problems: [String] = []
        for row in result.rows {
            let name = row[0] ?? ""
            let isSelf = row[1] == "t"
            let source = isSelf ? "is" : "is a member of '\(name)', which is"
            if row[2] == "t" { problems.append("\(source) a superuser") }
            if row[3] == "t" { problems.append("\(source) CREATEROLE") }
            if row[4] == "t" { problems.append("\(source) BYPASSRLS") }
            if row[5] == "t" { problems.append("\(source) REPLICATION") }
            if row[6] == "t" { problems.append("is a member of \(name)") }
        }
        // A superuser is a member of every role: say so once rather than listing them all.
        if problems.first == "is a superuser" { problems = ["is a superuser"] }
        let internalUsage = try await connection.query("""
            SELECT has_schema_privilege(\(role)::name, oid, 'USAGE') FROM pg_catalog.pg_namespace WHERE nspname = 'consdb_ingest'
            """).rows.first?.first ?? nil
        if internalUsage == "t", problems != ["is a superuser"] {
            problems.append("can read the internal schema consdb_ingest")
        }
        return QueryRoleCheck(role: role, problems: problems)
    }

    /// One line for the log and for the 503 answer: the role, its problems and the remedy.
    public var refusal: String {
        "POST /consdb/query is disabled: its database role '\(role)' \(problems.joined(separator: ", ")); "
            + "set CONSDB_QUERY_DATABASE_URL to an unprivileged reader login role (see `consdb roles`), "
            + "or CONSDB_ALLOW_PRIVILEGED_QUERY_ROLE=true for development only"
    }
}
