import Foundation
import JSON
import Postgres

/// Reads and changes async jobs in ``TAPJobTable``. Several servers share the table: every change of
/// phase is one guarded `UPDATE` (it applies only when the job is still in the phase it expects), so
/// two servers can never both start, finish or abort the same job.
public struct TAPJobStore: Sendable {
    public let pool: ConnectionPool

    public init(pool: ConnectionPool) {
        self.pool = pool
    }

    /// What a request to change a job found.
    public enum Change: Sendable, Equatable {
        /// The job changed.
        case changed
        /// The job already was where the request would take it (e.g. RUN on a QUEUED job).
        case unchanged
        case notFound
        /// The job's phase does not allow the change.
        case refused(UWSPhase)
    }

    /// Creates the job table if missing.
    public func prepare() async throws {
        try await pool.withConnection { try await TAPJobTable.create(on: $0) }
    }

    // MARK: Reading

    static func columns(parameters: Bool) -> SQL {
        SQL(unsafeSQL: """
            id, phase, run_id, owner, \(parameters ? "parameters::text" : "'[]'"),
            extract(epoch FROM creation_time)::float8, extract(epoch FROM start_time)::float8,
            extract(epoch FROM end_time)::float8, execution_duration, extract(epoch FROM destruction)::float8,
            error_message, result_rows, result_overflow, result_content_type, result_file, result_size, server
            """)
    }

    static func job(from row: [String?]) throws -> TAPJob {
        func date(_ index: Int) -> Date? { row[index].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } }
        guard let id = row[0], let phase = row[1].flatMap(UWSPhase.init(rawValue:)),
              let creation = date(5), let duration = row[8].flatMap({ Int($0) }), let destruction = date(9) else {
            throw PostgresError(code: .conversion, message: "a row of \(TAPJobTable.table) has missing or unknown values")
        }
        var result: TAPJobResult?
        if let file = row[14], let type = row[13] {
            result = TAPJobResult(rows: row[11].flatMap { Int($0) } ?? 0, overflow: row[12] == "t", contentType: type,
                                  fileName: file, size: row[15].flatMap { Int($0) } ?? 0)
        }
        return TAPJob(
            id: id, phase: phase, runID: row[2], owner: row[3], parameters: try parameters(fromJSON: row[4] ?? "[]"),
            creationTime: creation, startTime: date(6), endTime: date(7), executionDuration: duration,
            destruction: destruction, errorMessage: row[10], result: result, server: row[16]
        )
    }

    /// Parameters are kept as a JSON array of `[name, value]` pairs, in the order they came.
    static func parametersJSON(_ pairs: [(name: String, value: String)]) -> String {
        JSONValue.array(pairs.map { .array([.string($0.name), .string($0.value)]) }).serialized
    }

    static func parameters(fromJSON text: String) throws -> TAPParameters {
        var parameters = TAPParameters()
        guard case .array(let items) = try JSONValue.parse(text) else { return parameters }
        for item in items {
            if case .array(let pair) = item, pair.count == 2, let name = pair[0].stringValue, let value = pair[1].stringValue {
                parameters.append(name, value)
            }
        }
        return parameters
    }

    /// The job, or nil when there is none with that id.
    public func job(_ id: String) async throws -> TAPJob? {
        guard TAPJob.isWellFormedID(id) else { return nil }
        let rows = try await pool.query("SELECT \(Self.columns(parameters: true)) FROM \(TAPJobTable.qualifiedName) WHERE id = \(id)").rows
        return try rows.first.map(Self.job(from:))
    }

    /// The phase of a job, or nil when there is none.
    public func phase(_ id: String) async throws -> UWSPhase? {
        guard TAPJob.isWellFormedID(id) else { return nil }
        let rows = try await pool.query("SELECT phase FROM \(TAPJobTable.qualifiedName) WHERE id = \(id)").rows
        return rows.first.flatMap { $0.first ?? nil }.flatMap(UWSPhase.init(rawValue:))
    }

    /// The job list (UWS 1.1 §2.2.2.1), newest first: jobs in any of `phases` (every phase but ARCHIVED
    /// when empty), created after `after`, at most `last` of them. Parameters are left out.
    public func list(phases: [UWSPhase] = [], after: Date? = nil, last: Int? = nil) async throws -> [TAPJob] {
        let wanted = phases.isEmpty ? UWSPhase.allCases.filter { $0 != .archived } : phases
        var sql: SQL = """
            SELECT \(Self.columns(parameters: false)) FROM \(TAPJobTable.qualifiedName)
            WHERE phase = ANY(\(wanted.map(\.rawValue))::text[])
            """
        if let after { sql.append(" AND creation_time > to_timestamp(\(after.timeIntervalSince1970))") }
        sql.append(" ORDER BY creation_time DESC, id")
        if let last { sql.append(" LIMIT \(max(0, last))") }
        return try await pool.query(sql).rows.map(Self.job(from:))
    }

    // MARK: Client requests

    /// Creates a job, PENDING or (when `run`) QUEUED at once.
    public func create(
        parameters: [(name: String, value: String)], runID: String?, owner: String? = nil,
        executionDuration: Int, destruction: Date, run: Bool = false
    ) async throws -> TAPJob {
        let id = TAPJob.newID()
        let phase = run ? UWSPhase.queued : .pending
        let rows = try await pool.query("""
            INSERT INTO \(TAPJobTable.qualifiedName) (id, phase, run_id, owner, parameters, execution_duration, destruction, queued_time)
            VALUES (\(id), \(phase.rawValue), \(runID), \(owner), \(text: Self.parametersJSON(parameters))::jsonb,
                    \(executionDuration), to_timestamp(\(destruction.timeIntervalSince1970)), \(unsafeRaw: run ? "clock_timestamp()" : "NULL"))
            RETURNING \(Self.columns(parameters: true))
            """).rows
        return try Self.job(from: rows[0])
    }

    /// What a guarded update that matched nothing ran into.
    private func explain(_ id: String, alreadyIn: Set<UWSPhase>) async throws -> Change {
        guard let phase = try await phase(id) else { return .notFound }
        return alreadyIn.contains(phase) ? .unchanged : .refused(phase)
    }

    /// `PHASE=RUN`: PENDING (or HELD) to QUEUED.
    public func run(_ id: String) async throws -> Change {
        guard TAPJob.isWellFormedID(id) else { return .notFound }
        let result = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'QUEUED', queued_time = clock_timestamp()
            WHERE id = \(id) AND phase IN ('PENDING', 'HELD')
            """)
        if result.affectedRows == 1 { return .changed }
        return try await explain(id, alreadyIn: [.queued, .executing])
    }

    /// `PHASE=ABORT`: any phase before the end to ABORTED. An executing job's server sees the change at its
    /// next heartbeat (or at once through the notification) and cancels the query; no result is kept.
    public func abort(_ id: String) async throws -> Change {
        guard TAPJob.isWellFormedID(id) else { return .notFound }
        let result = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'ABORTED', end_time = clock_timestamp(), server = NULL
            WHERE id = \(id) AND phase IN ('PENDING', 'QUEUED', 'EXECUTING', 'HELD', 'SUSPENDED')
            """)
        if result.affectedRows == 1 { return .changed }
        return try await explain(id, alreadyIn: [.aborted])
    }

    /// Adds parameters to a PENDING job (TAP 1.1 §5.1: they accumulate).
    public func addParameters(_ id: String, _ pairs: [(name: String, value: String)]) async throws -> Change {
        guard TAPJob.isWellFormedID(id) else { return .notFound }
        let result = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET parameters = parameters || \(text: Self.parametersJSON(pairs))::jsonb
            WHERE id = \(id) AND phase = 'PENDING'
            """)
        if result.affectedRows == 1 { return .changed }
        return try await explain(id, alreadyIn: [])
    }

    /// Sets the run id of a PENDING job.
    public func setRunID(_ id: String, _ runID: String) async throws -> Change {
        guard TAPJob.isWellFormedID(id) else { return .notFound }
        let result = try await pool.query("UPDATE \(TAPJobTable.qualifiedName) SET run_id = \(runID) WHERE id = \(id) AND phase = 'PENDING'")
        if result.affectedRows == 1 { return .changed }
        return try await explain(id, alreadyIn: [])
    }

    /// Sets the execution duration of a job that has not started (PENDING, HELD or QUEUED).
    public func setExecutionDuration(_ id: String, seconds: Int) async throws -> Change {
        guard TAPJob.isWellFormedID(id) else { return .notFound }
        let result = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET execution_duration = \(seconds)
            WHERE id = \(id) AND phase IN ('PENDING', 'HELD', 'QUEUED')
            """)
        if result.affectedRows == 1 { return .changed }
        return try await explain(id, alreadyIn: [])
    }

    /// Sets the destruction time of a job, in any phase.
    public func setDestruction(_ id: String, _ destruction: Date) async throws -> Change {
        guard TAPJob.isWellFormedID(id) else { return .notFound }
        let result = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET destruction = to_timestamp(\(destruction.timeIntervalSince1970)) WHERE id = \(id)
            """)
        return result.affectedRows == 1 ? .changed : .notFound
    }

    /// Deletes a job; returns whether it existed and its result file's name. An executing job's server
    /// sees the row gone at its next heartbeat and cancels the query.
    public func delete(_ id: String) async throws -> (found: Bool, resultFile: String?) {
        guard TAPJob.isWellFormedID(id) else { return (false, nil) }
        let rows = try await pool.query("DELETE FROM \(TAPJobTable.qualifiedName) WHERE id = \(id) RETURNING result_file").rows
        return (!rows.isEmpty, rows.first?.first ?? nil)
    }

    // MARK: The runners' side

    /// Takes the oldest QUEUED job for `server` and makes it EXECUTING; nil when none is queued. Skips
    /// rows another server is taking at the same moment (`FOR UPDATE SKIP LOCKED`).
    public func claim(server: String) async throws -> TAPJob? {
        let rows = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'EXECUTING', start_time = clock_timestamp(),
                server = \(server), heartbeat = clock_timestamp()
            WHERE phase = 'QUEUED' AND id = (
                SELECT id FROM \(TAPJobTable.qualifiedName) WHERE phase = 'QUEUED'
                ORDER BY queued_time, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING \(Self.columns(parameters: true))
            """).rows
        return try rows.first.map(Self.job(from:))
    }

    /// Renews the lease of the jobs `server` executes; returns those still EXECUTING on it (the others
    /// were aborted or deleted).
    public func heartbeat(_ ids: [String], server: String) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let rows = try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET heartbeat = clock_timestamp()
            WHERE id = ANY(\(ids)::text[]) AND phase = 'EXECUTING' AND server = \(server) RETURNING id
            """).rows
        return Set(rows.compactMap { $0.first ?? nil })
    }

    /// EXECUTING to COMPLETED with its result; false when the job is no longer this server's to finish.
    public func complete(_ id: String, server: String, result: TAPJobResult) async throws -> Bool {
        try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'COMPLETED', end_time = clock_timestamp(), server = NULL, heartbeat = NULL,
                result_rows = \(result.rows), result_overflow = \(result.overflow), result_content_type = \(result.contentType),
                result_file = \(result.fileName), result_size = \(result.size)
            WHERE id = \(id) AND phase = 'EXECUTING' AND server = \(server)
            """).affectedRows == 1
    }

    /// EXECUTING to ERROR with a message for the client.
    public func fail(_ id: String, server: String, message: String) async throws -> Bool {
        try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'ERROR', end_time = clock_timestamp(), server = NULL, heartbeat = NULL,
                error_message = \(message)
            WHERE id = \(id) AND phase = 'EXECUTING' AND server = \(server)
            """).affectedRows == 1
    }

    /// EXECUTING back to QUEUED (the server is shutting down): another server, or this one after its
    /// restart, runs it from the start.
    public func requeue(_ id: String, server: String) async throws -> Bool {
        try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'QUEUED', start_time = NULL, server = NULL, heartbeat = NULL
            WHERE id = \(id) AND phase = 'EXECUTING' AND server = \(server)
            """).affectedRows == 1
    }

    /// The message of a job whose server stopped renewing its lease.
    public static let serverStoppedMessage = "The server running the job stopped before the query finished; submit the job again"

    /// Jobs EXECUTING on a server that has not renewed its lease for `leaseSeconds` go to ERROR (their
    /// server died: the query may have been half done, so it is not silently run again). Returns their ids.
    public func expireLeases(leaseSeconds: Double) async throws -> [String] {
        try await pool.query("""
            UPDATE \(TAPJobTable.qualifiedName) SET phase = 'ERROR', end_time = clock_timestamp(), server = NULL, heartbeat = NULL,
                error_message = \(Self.serverStoppedMessage)
            WHERE phase = 'EXECUTING' AND heartbeat < clock_timestamp() - make_interval(secs => \(leaseSeconds))
            RETURNING id
            """).rows.compactMap { $0.first ?? nil }
    }

    /// Deletes the jobs past their destruction time; returns their ids and result files.
    public func destroyExpired() async throws -> [(id: String, resultFile: String?)] {
        try await pool.query("""
            DELETE FROM \(TAPJobTable.qualifiedName) WHERE destruction < clock_timestamp() RETURNING id, result_file
            """).rows.compactMap { row in row[0].map { ($0, row[1]) } }
    }
}
