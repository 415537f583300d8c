import Foundation
import Logging

/// A bounded pool of PostgreSQL connections.
///
/// Connections are opened on demand up to `maxConnections`; callers beyond that wait (up to
/// `acquireTimeout`) for one to be returned. A connection that comes back broken, or still inside a
/// transaction, is closed and replaced by a fresh one on the next demand, so a server restart heals itself.
public actor ConnectionPool {
    /// How the pool connects and how large it grows.
    public struct Configuration: Sendable {
        /// libpq connection string or URI.
        public var conninfo: String
        /// Upper bound of open connections (default 10).
        public var maxConnections: Int
        /// How long a caller waits for a free connection before failing (default 30 s).
        public var acquireTimeout: Duration

        public init(conninfo: String, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(30)) {
            self.conninfo = conninfo
            self.maxConnections = max(1, maxConnections)
            self.acquireTimeout = acquireTimeout
        }
    }

    /// Counts for metrics and readiness.
    public struct Statistics: Sendable, Equatable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
        public var inUse: Int { open - idle }
    }

    public let configuration: Configuration
    private let logger: Logger
    private var idle: [Connection] = []
    private var open = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Connection, Error>)] = []
    private var nextWaiterID: UInt64 = 0
    private var isShutDown = false

    public init(configuration: Configuration, logger: Logger = Logger(label: "consdb.postgres.pool")) {
        self.configuration = configuration
        self.logger = logger
    }

    public var statistics: Statistics {
        Statistics(open: open, idle: idle.count, waiting: waiters.count)
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public nonisolated func withConnection<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection.
    @discardableResult
    public nonisolated func withTransaction<T: Sendable>(
        readOnly: Bool = false,
        statementTimeoutMilliseconds: Int? = nil,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(readOnly: readOnly, statementTimeoutMilliseconds: statementTimeoutMilliseconds, body)
        }
    }

    /// Runs one parameterised statement on a pooled connection.
    @discardableResult
    public nonisolated func query(_ sql: SQL) async throws -> QueryResult {
        try await withConnection { try await $0.query(sql) }
    }

    /// Closes idle connections and fails waiters; connections in use close when they come back.
    public func shutdown() {
        isShutDown = true
        open -= idle.count
        idle.removeAll()
        let pending = waiters
        waiters.removeAll()
        for waiter in pending {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the connection pool is shut down"))
        }
    }

    // MARK: - Lending

    /// Takes a connection out of the pool; the caller must give it back with ``release(_:)``.
    public func lease() async throws -> Connection {
        guard !isShutDown else { throw PostgresError(code: .poolClosed, message: "the connection pool is shut down") }
        if let connection = idle.popLast() { return connection }
        if open < configuration.maxConnections {
            open += 1
            do {
                return try await Connection.connect(configuration.conninfo, logger: logger)
            } catch {
                open -= 1
                throw error
            }
        }
        return try await waitForConnection()
    }

    /// Gives a connection back. Broken connections, or ones left inside a transaction, are closed.
    public func release(_ connection: Connection) async {
        guard !isShutDown, connection.isReusable else {
            open -= 1
            if !isShutDown {
                logger.warning("closing a broken or busy connection", metadata: ["event": "pool.discard"])
            }
            await replaceForWaiter()
            return
        }
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            waiter.continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    private func replaceForWaiter() async {
        guard !waiters.isEmpty, open < configuration.maxConnections else { return }
        open += 1
        do {
            let connection = try await Connection.connect(configuration.conninfo, logger: logger)
            if waiters.isEmpty {
                idle.append(connection)
            } else {
                waiters.removeFirst().continuation.resume(returning: connection)
            }
        } catch {
            open -= 1
            if !waiters.isEmpty {
                waiters.removeFirst().continuation.resume(throwing: error)
            }
        }
    }

    private func waitForConnection() async throws -> Connection {
        nextWaiterID += 1
        let id = nextWaiterID
        let timeout = configuration.acquireTimeout
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.failWaiter(id, error: PostgresError(code: .poolTimeout, message: "no database connection became free within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.failWaiter(id, error: CancellationError()) }
        }
    }

    private func failWaiter(_ id: UInt64, error: Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }
}
