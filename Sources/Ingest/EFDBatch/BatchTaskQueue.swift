import Foundation
import Postgres
import TimeScales

/// One queued batch task: an interval of one instrument's EFD history to summarize.
public struct BatchTask: Sendable, Hashable {
    public enum State: String, Sendable, CaseIterable {
        /// Waiting to be claimed (a failed attempt with attempts left waits here until `notBefore`).
        case pending
        /// Claimed by a worker whose lease has not expired (an expired lease makes it claimable again).
        case running
        case done
        /// Out of attempts; `error` says why the last one failed.
        case failed
    }

    public var id: Int64
    public var instrument: String
    public var interval: BatchInterval
    public var state: State
    public var attempts: Int
    public var maxAttempts: Int
    public var error: String?
    public var exposures: Int
    public var visits: Int
}

/// The batch runs' task queue, `consdb_ingest.efd_batch_task`: any number of workers on any number of
/// machines claim tasks with `FOR UPDATE SKIP LOCKED` (DESIGN §5.7), each holding a lease it renews while it
/// works; a worker that dies leaves its task to be claimed again once the lease expires. A failed attempt is
/// retried (after a back-off) until `max_attempts`, its error kept.
///
/// A task's rows and its `done` mark are committed in one transaction (`complete(_:on:)` takes the
/// caller's transaction), so a task is either done with all its rows or not done.
public struct BatchTaskQueue: Sendable {
    public static let table = "efd_batch_task"
    let pool: ConnectionPool
    /// Identifies this worker in the table (host and process, by default).
    public let worker: String

    public init(pool: ConnectionPool, worker: String = BatchTaskQueue.defaultWorkerName()) {
        self.pool = pool
        self.worker = worker
    }

    public static func defaultWorkerName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    static var qualifiedName: SQL { SQL.qualified(DeadLetters.schema, table) }

    /// Creates the schema and table if missing, and the operators' view `efd_scheduler.<instrument>`
    /// (``BatchSchedulerView``) of every instrument in `instruments` or already in the table, granting
    /// `operatorRole` (when given) read access to them. Safe from many workers at once.
    public func create(instruments: [String] = [], operatorRole: String? = nil) async throws {
        try await pool.withTransaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Int64(0x636f_6e73_6462_6274)))")
            _ = try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(SQL.quoteIdentifier(DeadLetters.schema))")
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS \(Self.qualifiedName) (
                    id bigserial PRIMARY KEY,
                    instrument text NOT NULL,
                    interval_start timestamptz NOT NULL,
                    interval_end timestamptz NOT NULL,
                    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
                    attempts integer NOT NULL DEFAULT 0,
                    max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
                    error text,
                    exposures integer NOT NULL DEFAULT 0,
                    visits integer NOT NULL DEFAULT 0,
                    worker text,
                    lease_until timestamptz,
                    not_before timestamptz,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    started_at timestamptz,
                    finished_at timestamptz,
                    UNIQUE (instrument, interval_start, interval_end),
                    CHECK (interval_end > interval_start)
                )
                """)
            _ = try await connection.query("""
                CREATE INDEX IF NOT EXISTS efd_batch_task_claimable ON \(Self.qualifiedName) (instrument, interval_start)
                WHERE state IN ('pending', 'running')
                """)
            _ = try await connection.execute("""
                COMMENT ON TABLE \(Self.qualifiedName.description) IS 'consdb efd batch: intervals of EFD history to summarize, claimed with FOR UPDATE SKIP LOCKED under a lease.'
                """)
            let known = try await connection.query("SELECT DISTINCT instrument FROM \(Self.qualifiedName)").rows.compactMap { $0.first ?? nil }
            try await BatchSchedulerView.create(instruments: instruments + known, operatorRole: operatorRole, on: connection)
        }
    }

    /// Whether the table exists (a dry run reads it only then, and creates nothing).
    public func exists() async throws -> Bool {
        let name = SQL.quoteIdentifier(DeadLetters.schema) + "." + SQL.quoteIdentifier(Self.table)
        return try await pool.query("SELECT to_regclass(\(name)) IS NOT NULL").rows.first?.first == "t"
    }

    /// Queues `intervals` of `instrument`. An interval queued before is queued again (attempts reset) when its
    /// task is in one of the `requeue` states (a running task only once its lease has expired); returns the
    /// ids of the tasks new or queued again, in interval order.
    ///
    /// The command queues a range with `[.pending, .running, .failed]` (re-running it resumes), `--redo` adds
    /// `.done`, `--cron` requeues nothing, and the failure monitor requeues every state.
    @discardableResult
    public func enqueue(_ intervals: [BatchInterval], instrument: String, maxAttempts: Int,
                        requeue: Set<BatchTask.State> = Set(BatchTask.State.allCases)) async throws -> [Int64] {
        guard !requeue.isEmpty else {
            return try await insert(intervals, instrument: instrument, maxAttempts: maxAttempts, onConflict: "DO NOTHING")
        }
        let states = "{" + requeue.map(\.rawValue).sorted().joined(separator: ",") + "}"
        return try await insert(intervals, instrument: instrument, maxAttempts: maxAttempts, onConflict: """
            DO UPDATE SET state = 'pending', attempts = 0, max_attempts = EXCLUDED.max_attempts, error = NULL, worker = NULL,
                lease_until = NULL, not_before = NULL, finished_at = NULL
            WHERE t.state = ANY(\(states)::text[]) AND NOT (t.state = 'running' AND t.lease_until > now())
            """)
    }

    private func insert(_ intervals: [BatchInterval], instrument: String, maxAttempts: Int, onConflict: SQL) async throws -> [Int64] {
        var ids: [Int64] = []
        for chunk in stride(from: 0, to: intervals.count, by: 1000).map({ intervals[$0..<min($0 + 1000, intervals.count)] }) {
            let values = SQL.joined(chunk.map { "(\(instrument), to_timestamp(\($0.start)), to_timestamp(\($0.end)), \(maxAttempts))" })
            let result = try await pool.query("""
                INSERT INTO \(Self.qualifiedName) AS t (instrument, interval_start, interval_end, max_attempts) VALUES \(values)
                ON CONFLICT (instrument, interval_start, interval_end) \(onConflict)
                RETURNING id
                """)
            ids += result.rows.compactMap { row in row.first.flatMap { $0 }.flatMap { Int64($0) } }
        }
        return ids
    }

    /// Claims the earliest claimable task of `instrument` (pending and due, or running with an expired lease)
    /// for `lease`, counting an attempt. Tasks whose lease expired on their last attempt are marked failed
    /// first. Returns nil when none is claimable now.
    public func claim(instrument: String, lease: Duration) async throws -> BatchTask? {
        let seconds = lease.seconds
        return try await pool.withTransaction { connection in
            _ = try await connection.query("""
                UPDATE \(Self.qualifiedName) SET state = 'failed', finished_at = now(),
                    error = coalesce(error || '; ', '') || 'the lease of ' || coalesce(worker, '?') || ' expired on the last attempt'
                WHERE instrument = \(instrument) AND state = 'running' AND lease_until < now() AND attempts >= max_attempts
                """)
            let result = try await connection.query("""
                UPDATE \(Self.qualifiedName) SET state = 'running', attempts = attempts + 1, worker = \(worker),
                    lease_until = now() + make_interval(secs => \(seconds)), started_at = now(), not_before = NULL
                WHERE id = (
                    SELECT id FROM \(Self.qualifiedName)
                    WHERE instrument = \(instrument)
                      AND ((state = 'pending' AND (not_before IS NULL OR not_before <= now()))
                           OR (state = 'running' AND lease_until < now()))
                    ORDER BY interval_start, id
                    LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(Self.columns)
                """)
            return result.records.first.flatMap(Self.task)
        }
    }

    /// Extends the lease of a task this worker holds. False when the task is no longer this worker's (its
    /// lease expired and another worker took it): the caller must drop it without writing.
    public func renew(_ task: BatchTask, lease: Duration) async throws -> Bool {
        let result = try await pool.query("""
            UPDATE \(Self.qualifiedName) SET lease_until = now() + make_interval(secs => \(lease.seconds))
            WHERE id = \(task.id) AND state = 'running' AND worker = \(worker) AND attempts = \(task.attempts)
            """)
        return result.affectedRows == 1
    }

    /// Marks a task done with its counts, inside the caller's transaction (the one that wrote its rows).
    /// Throws `LostLease` when the task is no longer this worker's; the transaction must then roll back.
    public func complete(_ task: BatchTask, exposures: Int, visits: Int, on connection: Connection) async throws {
        let result = try await connection.query("""
            UPDATE \(Self.qualifiedName) SET state = 'done', finished_at = now(), lease_until = NULL, error = NULL,
                exposures = \(exposures), visits = \(visits)
            WHERE id = \(task.id) AND state = 'running' AND worker = \(worker) AND attempts = \(task.attempts)
            """)
        guard result.affectedRows == 1 else { throw LostLease(task: task.id) }
    }

    /// Records a failed attempt: pending again after `retryDelay` while attempts remain, failed otherwise.
    /// Returns the task's new state (nil if the task was no longer this worker's).
    @discardableResult
    public func fail(_ task: BatchTask, error: String, retryDelay: Duration) async throws -> BatchTask.State? {
        let result = try await pool.query("""
            UPDATE \(Self.qualifiedName) SET
                state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                not_before = now() + make_interval(secs => \(retryDelay.seconds)),
                lease_until = NULL, error = \(String(error.prefix(4000)))
            WHERE id = \(task.id) AND state = 'running' AND worker = \(worker) AND attempts = \(task.attempts)
            RETURNING state
            """)
        return result.rows.first?.first.flatMap { $0 }.flatMap { BatchTask.State(rawValue: $0) }
    }

    /// Tasks of `instrument` by state (all of them, or those with the given ids).
    public func counts(instrument: String, ids: [Int64]? = nil) async throws -> [BatchTask.State: Int] {
        var sql: SQL = "SELECT state, count(*) FROM \(Self.qualifiedName) WHERE instrument = \(instrument)"
        if let ids { sql.append(" AND id = ANY(\(Self.array(ids))::bigint[])") }
        sql.append(" GROUP BY state")
        var counts: [BatchTask.State: Int] = [:]
        for row in try await pool.query(sql).rows {
            if let state = row[0].flatMap(BatchTask.State.init(rawValue:)), let count = row[1].flatMap({ Int($0) }) { counts[state] = count }
        }
        return counts
    }

    /// Every task of `instrument` (or those with the given ids), in interval order.
    public func tasks(instrument: String, ids: [Int64]? = nil) async throws -> [BatchTask] {
        var sql: SQL = "SELECT \(Self.columns) FROM \(Self.qualifiedName) WHERE instrument = \(instrument)"
        if let ids { sql.append(" AND id = ANY(\(Self.array(ids))::bigint[])") }
        sql.append(" ORDER BY interval_start, id")
        return try await pool.query(sql).records.compactMap(Self.task)
    }

    /// When the next task may become claimable: the earliest retry time of a pending task or lease expiry of
    /// a running one (nil: nothing is left to do).
    public func nextDue(instrument: String) async throws -> Double? {
        let value = try await pool.query("""
            SELECT extract(epoch FROM min(CASE WHEN state = 'pending' THEN coalesce(not_before, now()) ELSE lease_until END))
            FROM \(Self.qualifiedName) WHERE instrument = \(instrument) AND state IN ('pending', 'running')
            """).rows.first?.first ?? nil
        return value.flatMap(Double.init)
    }

    /// A task's lease is another worker's now.
    public struct LostLease: Error, CustomStringConvertible {
        public var task: Int64
        public var description: String { "task \(task) was taken over by another worker (its lease expired)" }
    }

    static let columns: SQL = """
        id, instrument, extract(epoch FROM interval_start) AS start, extract(epoch FROM interval_end) AS "end", state, attempts, \
        max_attempts, error, exposures, visits
        """

    static func task(_ record: Record) -> BatchTask? {
        guard let id = record["id"].flatMap({ Int64($0) }), let instrument = record["instrument"], let start = record.double("start"),
              let end = record.double("end"), let state = record["state"].flatMap(BatchTask.State.init(rawValue:)),
              let attempts = record.int("attempts"), let maxAttempts = record.int("max_attempts")
        else { return nil }
        return BatchTask(id: id, instrument: instrument, interval: BatchInterval(start: start, end: end), state: state, attempts: attempts,
                         maxAttempts: maxAttempts, error: record["error"], exposures: record.int("exposures") ?? 0, visits: record.int("visits") ?? 0)
    }

    static func array(_ ids: [Int64]) -> String { "{" + ids.map(String.init).joined(separator: ",") + "}" }

}
