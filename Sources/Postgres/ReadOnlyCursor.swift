import Foundation
import Logging

/// A server-side cursor over a client's query, inside a read-only transaction on a leased connection:
/// what `POST /consdb/query` and the TAP service stream their answers from.
///
/// The connection returns to the pool exactly once: when the stream ends, when it fails, or (if the
/// answer is never written) when the cursor is released; a connection left mid-transaction is
/// discarded by the pool rather than reused.
public final class ReadOnlyCursor: @unchecked Sendable {
    // @unchecked Sendable: `connection` is only used by one task at a time (the request handler, then
    // the response writer after the handler returned); `closed` is guarded by `lock`.
    private let pool: ConnectionPool
    private let connection: Connection
    private let lock = NSLock()
    private var closed = false

    private init(pool: ConnectionPool, connection: Connection) {
        self.pool = pool
        self.connection = connection
    }

    /// Leases a connection for the cursor.
    public static func open(pool: ConnectionPool) async throws -> ReadOnlyCursor {
        ReadOnlyCursor(pool: pool, connection: try await pool.lease())
    }

    /// Begins the read-only transaction, declares the cursor and fetches the first batch.
    public func start(query: String, timeoutMilliseconds: Int, fetchSize: Int) async throws -> QueryResult {
        try await connection.execute("BEGIN READ ONLY")
        try await connection.execute("SET LOCAL statement_timeout = \(max(1, timeoutMilliseconds))")
        // The client's SQL is the statement here by design; the extended protocol (PQexecParams) refuses a
        // second statement, DECLARE refuses anything but a query, and the transaction refuses writes.
        try await connection.query(SQL(unsafeSQL: "DECLARE consdb_query NO SCROLL CURSOR FOR " + query))
        return try await fetch(fetchSize)
    }

    /// The next `count` rows (fewer at the end).
    public func fetch(_ count: Int) async throws -> QueryResult {
        try await connection.query(SQL(unsafeSQL: "FETCH FORWARD \(count) FROM consdb_query"))
    }

    /// Runs a further statement in the cursor's transaction (e.g. to look up type names).
    public func query(_ sql: SQL) async throws -> QueryResult {
        try await connection.query(sql)
    }

    /// Ends the transaction and returns the connection; later calls do nothing.
    ///
    /// Always a rollback: the transaction is read-only, so there is nothing to keep, and a rollback also
    /// undoes session settings the query made (`set_config(..., false)`) and anything PostgreSQL allows
    /// in a read-only transaction (e.g. `lo_create`). `DISCARD ALL` then drops what survives a rollback
    /// (session advisory locks, prepared plans), so the next user of the pooled connection gets a clean one.
    public func close() async {
        let first = lock.withLock { () -> Bool in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        _ = try? await connection.execute("ROLLBACK")
        _ = try? await connection.execute("DISCARD ALL")
        _ = try? await connection.execute("SET TIME ZONE 'UTC'")
        await pool.release(connection)
    }

    deinit {
        let unreleased = lock.withLock { !closed }
        if unreleased {
            let pool = self.pool
            let connection = self.connection
            Task { await pool.release(connection) }
        }
    }
}
