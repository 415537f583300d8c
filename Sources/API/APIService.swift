import Felis
import Logging
import Postgres

/// What every route needs: the database pool, the schema catalog and the settings.
public struct APIService: Sendable {
    public let pool: ConnectionPool
    public let schemas: InstrumentSchemas
    public let configuration: APIConfiguration
    public let logger: Logger

    public init(pool: ConnectionPool, configuration: APIConfiguration, logger: Logger = Logger(label: "consdb.api")) {
        self.pool = pool
        self.schemas = InstrumentSchemas(pool: pool)
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` in a read-write transaction; database errors caused by the request become 4xx.
    /// Without `transaction`, `body` runs outside a transaction block: for a body whose only write is one
    /// statement (atomic by itself), which saves the BEGIN and COMMIT round trips.
    @discardableResult
    func database<T: Sendable>(transaction: Bool = true, _ body: (Connection) async throws -> T) async throws -> T {
        do {
            return try await transaction ? pool.withTransaction(body) : pool.withConnection(body)
        } catch let error as PostgresError {
            let mapped = APIError.from(error)
            if mapped.status.code >= 500 {
                logger.error("database error", metadata: ["event": "api.database_error", "error": "\(error)"])
            }
            throw mapped
        }
    }

    /// Runs `body` on a pooled connection outside a transaction (catalog reads), mapping errors likewise.
    func read<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        do {
            return try await pool.withConnection(body)
        } catch let error as PostgresError {
            throw APIError.from(error)
        }
    }
}
