import Postgres

/// The pgSphere extension (`pg_sphere`, Debian `postgresql-15-pgsphere`), on which ADQL's geometry
/// functions are translated. `consdb schema apply` creates it where the server has it; it is never a
/// reason to fail an apply, since everything but ADQL geometry works without it.
public enum PgSphere {
    public static let extensionName = "pg_sphere"

    /// What ``plan(on:)`` found.
    public enum State: Sendable, Equatable {
        /// Already created in this database.
        case present
        /// Available on the server, not yet created: `CREATE EXTENSION` is to run.
        case creatable
        /// The server does not have the extension's files.
        case unavailable
    }

    static var createStatement: String { "CREATE EXTENSION IF NOT EXISTS \(SQL.quoteIdentifier(extensionName))" }

    /// Whether the extension is created, can be, or is missing from the server. Reads only.
    public static func state(on connection: Connection) async throws -> State {
        let row = try await connection.query("""
            SELECT installed_version IS NOT NULL FROM pg_catalog.pg_available_extensions WHERE name = \(extensionName)
            """).rows.first
        guard let row else { return .unavailable }
        return row.first == "t" ? .present : .creatable
    }

    /// Creates the extension inside the caller's transaction when the server has it. Returns nil when it
    /// is in place afterwards, else why not (the server lacks it, or the connected role may not create
    /// it: pg_sphere is not a trusted extension, so that takes a superuser or the database owner with it
    /// allowed). A failed creation is rolled back to a savepoint, so the transaction goes on.
    static func ensure(on connection: Connection) async throws -> String? {
        switch try await state(on: connection) {
        case .present: return nil
        case .unavailable: return "the server has no \(extensionName) extension (install postgresql-15-pgsphere); ADQL geometry functions will not work"
        case .creatable: break
        }
        try await connection.execute("SAVEPOINT consdb_pgsphere")
        do {
            try await connection.execute(createStatement)
            try await connection.execute("RELEASE SAVEPOINT consdb_pgsphere")
            return nil
        } catch let error as PostgresError where error.code == .server {
            try await connection.execute("ROLLBACK TO SAVEPOINT consdb_pgsphere")
            try await connection.execute("RELEASE SAVEPOINT consdb_pgsphere")
            return "\(extensionName) could not be created (\(error.message)); a superuser can run \(createStatement) in this database. ADQL geometry functions will not work until then"
        }
    }
}
