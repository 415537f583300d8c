import Postgres

/// What `consdb efd batch --status` shows of one instrument's queue: counts per status (the scheduler
/// view's words, ``BatchSchedulerView/Status``), the oldest task waiting to be claimed, the most recent
/// failures with their errors, and the tasks in workers' hands with their leases.
public struct BatchQueueStatus: Sendable, Equatable {
    public struct Task: Sendable, Equatable {
        public var id: Int64
        public var interval: BatchInterval
        public var status: BatchSchedulerView.Status
        public var attempts: Int
        public var maxAttempts: Int
        public var error: String?
        public var worker: String?
        /// Seconds the lease has left (negative: expired that long ago); running and stale tasks only.
        public var leaseLeft: Double?
        /// Seconds since the task was queued.
        public var age: Double
        /// When the task last finished or failed (UTC unix seconds).
        public var finishedAt: Double?
    }

    public var instrument: String
    public var counts: [BatchSchedulerView.Status: Int]
    /// The oldest pending or idle task.
    public var oldestWaiting: Task?
    /// Failed tasks and failed attempts waiting to be retried (idle), most recent first.
    public var failures: [Task]
    /// How many failures there are in all (``failures`` holds the most recent only).
    public var failureCount: Int
    /// Running and stale tasks, by interval.
    public var inHand: [Task]

    /// The queue's instruments, sorted (none when the table does not exist yet).
    public static func instruments(pool: ConnectionPool) async throws -> [String] {
        let name = SQL.quoteIdentifier(DeadLetters.schema) + "." + SQL.quoteIdentifier(BatchTaskQueue.table)
        guard try await pool.query("SELECT to_regclass(\(name)) IS NOT NULL").rows.first?.first == "t" else { return [] }
        return try await pool.query("SELECT DISTINCT instrument FROM \(BatchTaskQueue.qualifiedName) ORDER BY 1").rows.compactMap { $0.first ?? nil }
    }

    /// Counts per status of `instrument` (every status present, zero when none).
    public static func counts(instrument: String, on connection: Connection) async throws -> [BatchSchedulerView.Status: Int] {
        let rows = try await connection.query("""
            SELECT \(unsafeRaw: BatchSchedulerView.statusExpression) AS status, count(*) FROM \(BatchTaskQueue.qualifiedName)
            WHERE instrument = \(instrument) GROUP BY 1
            """).rows
        var counts = Dictionary(uniqueKeysWithValues: BatchSchedulerView.Status.allCases.map { ($0, 0) })
        for row in rows {
            if let status = row[0].flatMap(BatchSchedulerView.Status.init(rawValue:)), let count = row[1].flatMap({ Int($0) }) { counts[status] = count }
        }
        return counts
    }

    /// Reads the queue of `instrument` in one snapshot (a repeatable-read transaction), with up to
    /// `failureLimit` failures.
    public static func load(instrument: String, failureLimit: Int, pool: ConnectionPool) async throws -> BatchQueueStatus {
        try await pool.withConnection { connection in
            _ = try await connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let counts = try await counts(instrument: instrument, on: connection)
                func tasks(_ filter: String, order: String, limit: Int) async throws -> [Task] {
                    try await connection.query("""
                        SELECT * FROM (SELECT id, extract(epoch FROM interval_start) AS start, extract(epoch FROM interval_end) AS "end",
                            \(unsafeRaw: BatchSchedulerView.statusExpression) AS status, attempts, max_attempts, error, worker,
                            extract(epoch FROM lease_until - now()) AS lease_left, extract(epoch FROM now() - created_at) AS age,
                            extract(epoch FROM finished_at) AS finished, interval_start, finished_at, started_at, created_at
                            FROM \(BatchTaskQueue.qualifiedName) WHERE instrument = \(instrument)) t
                        WHERE \(unsafeRaw: filter) ORDER BY \(unsafeRaw: order) LIMIT \(limit)
                        """).records.compactMap(task)
                }
                let waiting = try await tasks("status IN ('pending', 'idle')", order: "created_at, interval_start, id", limit: 1)
                // An idle task's finished_at is NULL (it is not finished): its last claim stands for when it failed.
                let failures = try await tasks("status IN ('failed', 'idle')", order: "coalesce(finished_at, started_at) DESC NULLS LAST, id DESC",
                                               limit: failureLimit)
                let inHand = try await tasks("status IN ('running', 'stale')", order: "interval_start, id", limit: 1000)
                _ = try await connection.execute("COMMIT")
                return BatchQueueStatus(instrument: instrument, counts: counts, oldestWaiting: waiting.first, failures: failures,
                                        failureCount: (counts[.failed] ?? 0) + (counts[.idle] ?? 0), inHand: inHand)
            } catch {
                _ = try? await connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    static func task(_ record: Record) -> Task? {
        guard let id = record["id"].flatMap({ Int64($0) }), let start = record.double("start"), let end = record.double("end"),
              let status = record["status"].flatMap(BatchSchedulerView.Status.init(rawValue:)),
              let attempts = record.int("attempts"), let maxAttempts = record.int("max_attempts"), let age = record.double("age")
        else { return nil }
        return Task(id: id, interval: BatchInterval(start: start, end: end), status: status, attempts: attempts, maxAttempts: maxAttempts,
                    error: record["error"], worker: record["worker"],
                    leaseLeft: status == .running || status == .stale ? record.double("lease_left") : nil, age: age,
                    finishedAt: record.double("finished"))
    }

    /// The listing, for people: one heading line with the counts, then one line per detail.
    public var text: String {
        var lines = ["\(instrument): " + BatchSchedulerView.Status.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ")]
        if let task = oldestWaiting {
            lines.append("  oldest waiting: task \(task.id) \(task.interval) \(task.status.rawValue), queued \(Self.age(task.age)) ago")
        }
        for task in inHand {
            let lease = task.leaseLeft.map { $0 >= 0 ? "lease \(Self.age($0)) left" : "lease expired \(Self.age(-$0)) ago" } ?? "no lease"
            lines.append("  \(task.status.rawValue): task \(task.id) \(task.interval) by \(task.worker ?? "?"), attempt \(task.attempts)/\(task.maxAttempts), \(lease)")
        }
        if failureCount > 0 {
            lines.append("  failures (\(failures.count) most recent of \(failureCount)):")
            for task in failures {
                let when = task.finishedAt.map { " at \(UTCText.iso($0))" } ?? ""
                let what = task.status == .idle ? "attempt \(task.attempts)/\(task.maxAttempts) failed, retried later" : "failed after \(task.attempts) attempts"
                lines.append("    task \(task.id) \(task.interval) \(what)\(when): \(Self.oneLine(task.error ?? "(no error recorded)"))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// An error on one line, at most 300 characters (the full text is in the view's `error` column).
    static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }

    /// A duration as `3d 4h`, `2h 5m`, `4m 10s` or `12s`.
    static func age(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        let (d, h, m, r) = (s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60)
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h \(m)m" }
        if m > 0 { return "\(m)m \(r)s" }
        return "\(r)s"
    }
}
