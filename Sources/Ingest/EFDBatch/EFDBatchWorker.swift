import Backoff
import EFD
import Foundation
import Logging
import Postgres
import Synchronization
import TimeScales

/// How a batch worker holds and retries tasks.
public struct EFDBatchSettings: Sendable {
    /// How long a claimed task is this worker's without renewal; renewed every third of it while it runs.
    public var lease: Duration = .seconds(600)
    /// The wait before a failed attempt is retried: this, doubled each attempt (capped at 10 minutes).
    public var retryDelay: Duration = .seconds(10)
    /// The waits between a task's attempts: ``retryDelay`` before the second, doubling at most six times and
    /// never more than 10 minutes.
    var retryBackoff: ExponentialBackoff {
        ExponentialBackoff(initial: retryDelay, maximum: min(retryDelay * 64, .seconds(600)))
    }
    /// Extra EFD time read before and after what the windows need (packed rows are spread over the gap to the
    /// next row, which must be read too).
    public var margin: Double = 5
    /// How often an idle worker looks again while tasks are held by others or wait for their retry.
    public var idlePoll: Duration = .seconds(2)

    public init() {}
}

/// What a worker did, for the summary line and the exit status.
public struct EFDBatchReport: Sendable {
    public var tasksDone = 0
    /// Attempts that failed (retried later or not).
    public var attemptsFailed = 0
    /// Tasks that ran out of attempts in this worker's hands.
    public var tasksFailed = 0
    public var exposures = 0
    public var visits = 0
    /// Rows upserted: pivoted and unpivoted.
    public var rows = 0
    public var history = HistoryReadStats()
    public var summarizing: Duration = .zero
    public var writing: Duration = .zero

    public init() {}
}

/// `consdb efd batch`: claims tasks from the queue and, for each, reads the interval's telemetry from the
/// history, summarizes every exposure and visit that begins in it with the same engine as the stream, and
/// upserts the rows and the task's `done` mark in one transaction.
public final class EFDBatchWorker: Sendable {
    public let engine: SummaryEngine
    public let queue: BatchTaskQueue
    let pool: ConnectionPool
    let history: any TelemetryHistory
    let windowSource: WindowSource
    let rowWriter: EFDRowWriter
    let instrument: String
    let settings: EFDBatchSettings
    let logger: Logger
    private let stopRequest = StopSignal()
    private let fieldNames = Mutex<[String: Set<String>?]>([:])

    public init(engine: SummaryEngine, queue: BatchTaskQueue, pool: ConnectionPool, history: any TelemetryHistory, instrument: String,
                cdbSchema: String, efdSchema: String, visitFilterColumn: String? = nil, settings: EFDBatchSettings = EFDBatchSettings(),
                logger: Logger = Logger(label: "consdb.efd.batch")) {
        self.engine = engine
        self.queue = queue
        self.pool = pool
        self.history = history
        self.windowSource = WindowSource(schema: cdbSchema, visitFilterColumn: visitFilterColumn)
        self.rowWriter = EFDRowWriter(schema: efdSchema)
        self.instrument = instrument
        self.settings = settings
        self.logger = logger
    }

    /// Stops after the task in hand (its lease is left to expire if it is not finished).
    public func stop() { stopRequest.fire() }

    /// Claims and runs tasks until none is left: none pending, and none held by another worker (a task whose
    /// holder dies is claimed here once its lease expires). `progress` is advanced once per task finished.
    public func drain(progress: ProgressReporter? = nil) async throws -> EFDBatchReport {
        var report = EFDBatchReport()
        while !stopRequest.isFired {
            guard let task = try await queue.claim(instrument: instrument, lease: settings.lease) else {
                guard let due = try await queue.nextDue(instrument: instrument) else { break }
                let wait = min(max(due - Date().timeIntervalSince1970, 0.05), settings.idlePoll.seconds)
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                continue
            }
            let started = ContinuousClock.now
            do {
                let result = try await run(task)
                report.tasksDone += 1
                report.exposures += result.exposures
                report.visits += result.visits
                report.rows += result.rows
                report.history += result.history
                report.summarizing += result.summarizing
                report.writing += result.writing
                progress?.advance()
                logger.info("task done", metadata: [
                    "event": "efd.batch.task", "task": "\(task.id)", "interval": "\(task.interval)", "attempt": "\(task.attempts)",
                    "exposures": "\(result.exposures)", "visits": "\(result.visits)", "rows": "\(result.rows)",
                    "history_rows": "\(result.history.rows)", "seconds": "\(String(format: "%.3f", (ContinuousClock.now - started).seconds))",
                ])
            } catch let lost as BatchTaskQueue.LostLease {
                logger.warning("task taken over", metadata: ["event": "efd.batch.lost", "task": "\(task.id)", "error": "\(lost)"])
            } catch {
                report.attemptsFailed += 1
                let delay = settings.retryBackoff.delay(forRetry: task.attempts - 1)
                let state = try await queue.fail(task, error: "\(error)", retryDelay: delay)
                if state == .failed {
                    report.tasksFailed += 1
                    progress?.advance(failed: true)
                }
                logger.error("task failed", metadata: [
                    "event": "efd.batch.failed", "task": "\(task.id)", "interval": "\(task.interval)", "attempt": "\(task.attempts)",
                    "of": "\(task.maxAttempts)", "state": "\(state?.rawValue ?? "lost")", "error": "\(error)",
                ])
            }
        }
        return report
    }

    /// What one task did.
    struct TaskResult {
        var exposures = 0
        var visits = 0
        var rows = 0
        var history = HistoryReadStats()
        var summarizing: Duration = .zero
        var writing: Duration = .zero
    }

    /// Runs one claimed task, renewing its lease meanwhile; throws `LostLease` when it is no longer ours.
    func run(_ task: BatchTask) async throws -> TaskResult {
        try await withThrowingTaskGroup(of: TaskResult?.self) { group in
            group.addTask { try await self.summarize(task) }
            group.addTask {
                // Renew until the work is done (cancelled) or the lease is lost.
                while true {
                    try await Task.sleep(for: self.settings.lease / 3)
                    guard try await self.queue.renew(task, lease: self.settings.lease) else { throw BatchTaskQueue.LostLease(task: task.id) }
                }
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }

    /// Summarizes the windows that begin in the task's interval and writes them with the task's done mark.
    func summarize(_ task: BatchTask) async throws -> TaskResult {
        var result = TaskResult()
        let source = windowSource
        let interval = task.interval
        let windows = try await pool.withConnection { try await source.windows(beginningFrom: interval.start, before: interval.end, on: $0) }
        var summaries: [(ObservationWindow, WindowSummary)] = []
        if let earliest = windows.map(\.span.begin).min(), let latest = windows.map(\.span.end).max() {
            var buffers = engine.makeBuffers()
            result.history = try await load(into: &buffers, from: earliest, through: latest)
            let summarizing = ContinuousClock.now
            var scratch = SampleSelection()
            for window in windows {
                summaries.append((window, engine.summarize(window.span, kind: window.kind, buffers: buffers, scratch: &scratch)))
            }
            result.summarizing = ContinuousClock.now - summarizing
        }
        result.exposures = windows.count { $0.kind == .exposure }
        result.visits = windows.count { $0.kind == .visit }
        result.rows = summaries.reduce(0) { $0 + 1 + $1.1.unpivoted.count }
        let writing = ContinuousClock.now
        let writer = rowWriter
        let queue = queue
        let done = summaries
        let counts = (result.exposures, result.visits)
        try await pool.withTransaction { connection in
            try await writer.write(done, on: connection)
            try await queue.complete(task, exposures: counts.0, visits: counts.1, on: connection)
        }
        result.writing = ContinuousClock.now - writing
        return result
    }

    /// Reads every topic's history over what windows in `[earliest, latest]` need (each topic's look-back and
    /// bucket slack, plus the margin) into the engine's buffers.
    func load(into buffers: inout [String: TopicBuffer], from earliest: Double, through latest: Double) async throws -> HistoryReadStats {
        var stats = HistoryReadStats()
        var intake = TopicIntake(engine: engine, rowTimeToUTC: { LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: $0) })
        for topic in engine.config.topicNames {
            guard let columns = intake.columns(topic) else { continue }
            let from = earliest - engine.lookBack(topic: topic) - engine.bucketSlack(topic: topic) - settings.margin
            let through = latest + engine.bucketSlack(topic: topic) + settings.margin
            guard intake.isPacked(topic) else {
                var buffer = TopicBuffer(fields: columns)
                stats += try await history.read(topic: topic, from: from, through: through, into: &buffer)
                buffers[topic] = buffer
                continue
            }
            // A packed topic: ask only for the elements the history has, then widen each row to the intake's
            // columns (NaN for the others) and unpack it.
            let known = try await knownFields(topic)
            let asked = known.map { names in columns.filter { names.contains($0) } } ?? columns
            var raw = TopicBuffer(fields: asked)
            stats += try await history.read(topic: topic, from: from, through: through, into: &raw)
            let position = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let slots = asked.map { position[$0]! }
            var row = Array(repeating: Double.nan, count: columns.count)
            for index in 0..<raw.count {
                for (field, slot) in slots.enumerated() { row[slot] = raw.value(at: index, field: field) }
                do { try intake.append(topic: topic, time: raw.time(at: index), row: row, into: &buffers) } catch {
                    // A row without its timestamp cannot be placed: the stream dead-letters it; here it is skipped.
                    logger.debug("packed row skipped", metadata: ["event": "efd.batch.packed_skip", "topic": "\(topic)", "error": "\(error)"])
                }
            }
        }
        intake.flush(into: &buffers)
        return stats
    }

    private func knownFields(_ topic: String) async throws -> Set<String>? {
        if let cached = fieldNames.withLock({ $0[topic] }) { return cached }
        let names = try await history.fieldNames(topic: topic)
        fieldNames.withLock { $0[topic] = .some(names) }
        return names
    }

}
