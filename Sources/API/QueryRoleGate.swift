import Logging
import Postgres

/// Keeps `POST /consdb/query` closed while its database role is privileged (see ``QueryRoleCheck``).
///
/// `consdb serve` checks the query pool's role at start; when the database is not reachable then, the
/// first query checks it instead. A privileged role turns the endpoint into a 503 that says why (one
/// error line in the log), while every other endpoint keeps working; with `allowPrivileged` (the
/// development opt-out `CONSDB_ALLOW_PRIVILEGED_QUERY_ROLE`) it is served anyway, with a warning.
public actor QueryRoleGate {
    /// What the check found.
    public enum Verdict: Sendable, Equatable {
        /// The role is unprivileged: queries run.
        case open(QueryRoleCheck)
        /// The role is privileged and the opt-out is not set: queries are refused.
        case closed(QueryRoleCheck)
        /// The role is privileged, served anyway by the opt-out.
        case openByOptOut(QueryRoleCheck)
    }

    private let pool: ConnectionPool
    private let allowPrivileged: Bool
    private let logger: Logger
    private var verdict: Verdict?
    private var pending: Task<Verdict?, Never>?

    public init(pool: ConnectionPool, allowPrivileged: Bool, logger: Logger = Logger(label: "consdb.api")) {
        self.pool = pool
        self.allowPrivileged = allowPrivileged
        self.logger = logger
    }

    /// The verdict, checking the role (once) if it is not known yet; nil while the database is unreachable.
    @discardableResult
    public func check() async -> Verdict? {
        if let verdict { return verdict }
        if let pending { return await pending.value }
        let task = Task { await self.inspect() }
        pending = task
        let found = await task.value
        pending = nil
        if let found, verdict == nil {
            verdict = found
            report(found)
        }
        return verdict
    }

    /// Throws the 503 a query gets while the endpoint is closed (or while the role cannot be checked).
    func admit() async throws {
        switch await check() {
        case .open?, .openByOptOut?:
            return
        case .closed(let check)?:
            throw APIError(.serviceUnavailable, check.refusal, value: .string(check.role))
        case nil:
            throw APIError(.serviceUnavailable, "the database is not available; try again later")
        }
    }

    private func inspect() async -> Verdict? {
        let check: QueryRoleCheck
        do {
            check = try await pool.withConnection { try await QueryRoleCheck.inspect(on: $0) }
        } catch {
            logger.warning("cannot check the query role yet", metadata: ["event": "api.query_role_unchecked", "error": "\(error)"])
            return nil
        }
        if !check.isPrivileged { return .open(check) }
        return allowPrivileged ? .openByOptOut(check) : .closed(check)
    }

    private func report(_ verdict: Verdict) {
        switch verdict {
        case .open(let check):
            logger.info("query role is unprivileged", metadata: ["event": "api.query_role", "role": "\(check.role)"])
        case .closed(let check):
            logger.error("\(check.refusal)", metadata: ["event": "api.query_role_refused", "role": "\(check.role)"])
        case .openByOptOut(let check):
            logger.warning(
                "POST /consdb/query runs as the privileged role '\(check.role)' (\(check.problems.joined(separator: ", "))) because CONSDB_ALLOW_PRIVILEGED_QUERY_ROLE is set: anyone who can reach the API has these powers; never do this in production",
                metadata: ["event": "api.query_role_privileged", "role": "\(check.role)"]
            )
        }
    }
}
