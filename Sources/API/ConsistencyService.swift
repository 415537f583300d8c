import Consistency
import Logging
import Postgres

/// What `GET /consdb/table_consistency` runs on: the rules, and a pool of an unprivileged role, never
/// the API's writer pool.
public struct ConsistencyService: Sendable {
    /// Where the checks run.
    public enum Access: Sendable {
        /// The consistency login (`CONSDB_CONSISTENCY_DATABASE_URL`): every rule.
        case consistencyLogin(ConnectionPool)
        /// The query reader (`CONSDB_QUERY_DATABASE_URL`): the rules on `consdb_ingest` are not checked.
        case queryReader(ConnectionPool)
        /// Neither is set: the endpoint answers 503.
        case none
    }

    /// The reason the ingest rules carry when the checks run as the query reader.
    public static let needsConsistencyLogin = "not checked: needs CONSDB_CONSISTENCY_DATABASE_URL"

    public let rules: [String: RuleSet]
    public let access: Access
    public let statementTimeoutMilliseconds: Int
    let gate: ConsistencyRoleGate?

    public init(rules: [String: RuleSet], access: Access, statementTimeoutMilliseconds: Int = ConsistencyChecker.defaultTimeoutMilliseconds,
                logger: Logger = Logger(label: "consdb.api")) {
        self.rules = rules
        self.access = access
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        switch access {
        case .consistencyLogin(let pool): gate = ConsistencyRoleGate(pool: pool, logger: logger)
        case .queryReader(let pool): gate = ConsistencyRoleGate(pool: pool, logger: logger, reader: true)
        case .none: gate = nil
        }
    }

    /// Checks the role now (serve calls this at start, so the log says at once what it found).
    public func checkRole() async {
        _ = await gate?.check()
    }

    /// The instruments, lsstcam and latiss first (the reference's), then the rest by name.
    public var instruments: [String] {
        rules.keys.sorted { lhs, rhs in
            let order = ["lsstcam", "latiss"]
            let (l, r) = (order.firstIndex(of: lhs) ?? 99, order.firstIndex(of: rhs) ?? 99)
            return l != r ? l < r : lhs < rhs
        }
    }

    /// Runs `instrument`'s rules for `day` on the unprivileged pool.
    func run(_ set: RuleSet, day: DayObs) async throws -> ConsistencyReport {
        let pool: ConnectionPool
        let ingestUnavailable: String?
        switch access {
        case .consistencyLogin(let consistencyPool):
            pool = consistencyPool
            ingestUnavailable = nil
        case .queryReader(let readerPool):
            pool = readerPool
            ingestUnavailable = Self.needsConsistencyLogin
        case .none:
            throw APIError(.serviceUnavailable, "table consistency is disabled: set CONSDB_CONSISTENCY_DATABASE_URL to the consistency login role (see `consdb roles --consistency-login`), or CONSDB_QUERY_DATABASE_URL")
        }
        try await gate?.admit()
        do {
            return try await pool.withConnection { connection in
                try await ConsistencyChecker.run(set, day: day, on: connection, ingestUnavailable: ingestUnavailable,
                                                 statementTimeoutMilliseconds: statementTimeoutMilliseconds)
            }
        } catch let error as PostgresError {
            throw APIError.from(error)
        }
    }
}

/// Keeps the consistency endpoint closed while its role is privileged (see ``ConsistencyRoleCheck``).
actor ConsistencyRoleGate {
    private let pool: ConnectionPool
    private let logger: Logger
    /// Whether the pool is the query reader's (checked as `POST /consdb/query` checks it).
    private let reader: Bool
    private var verdict: QueryRoleCheck?

    init(pool: ConnectionPool, logger: Logger, reader: Bool = false) {
        self.pool = pool
        self.logger = logger
        self.reader = reader
    }

    /// The role's check, done once; nil while the database cannot be reached.
    func check() async -> QueryRoleCheck? {
        if let verdict { return verdict }
        let found: QueryRoleCheck
        let reader = self.reader
        do {
            found = try await pool.withConnection { connection in
                reader ? try await QueryRoleCheck.inspect(on: connection) : try await ConsistencyRoleCheck.inspect(on: connection)
            }
        } catch {
            logger.warning("cannot check the consistency role yet", metadata: ["event": "api.consistency_role_unchecked", "error": "\(error)"])
            return nil
        }
        if verdict == nil {
            verdict = found
            if found.isPrivileged {
                logger.error("\(Self.refusal(found))", metadata: ["event": "api.consistency_role_refused", "role": "\(found.role)"])
            } else {
                logger.info("consistency role is unprivileged", metadata: ["event": "api.consistency_role", "role": "\(found.role)"])
            }
        }
        return verdict
    }

    func admit() async throws {
        guard let verdict = await check() else { throw APIError(.serviceUnavailable, "the database is not available; try again later") }
        if verdict.isPrivileged { throw APIError(.serviceUnavailable, Self.refusal(verdict), value: .string(verdict.role)) }
    }

    static func refusal(_ check: QueryRoleCheck) -> String {
        "GET /consdb/table_consistency is disabled: its database role '\(check.role)' \(check.problems.joined(separator: ", ")); "
            + "set CONSDB_CONSISTENCY_DATABASE_URL to the consistency login role (see `consdb roles --consistency-login`)"
    }
}
