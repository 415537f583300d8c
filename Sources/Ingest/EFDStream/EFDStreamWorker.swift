import Avro
import EFD
import Foundation
import Kafka
import Logging
import Postgres
import Synchronization
import TimeScales

/// `consdb efd stream`: consumes the telemetry topics a config names, buffers the fields it needs by EFD
/// time, learns exposure and visit windows from ConsDB (NOTIFY from `hinfo`, and polling), and upserts
/// each window's summary row once every topic has data past its end plus the lateness, or the maximum
/// wait has passed (DESIGN §5.6). Late data re-opens a closed window, which is summarized and upserted
/// again. Offsets are committed per partition at the lowest offset still needed by a pending window (or
/// by windows not yet known, within the discovery horizon), so a restart recomputes what was open
/// (DESIGN §5.5). With several replicas in one consumer group, each writes only the columns whose topics
/// it consumes (DESIGN §5.7).
///
/// Those decisions are `StreamCore`'s; this class performs what the core asks (Kafka, PostgreSQL, logs,
/// metrics), reads the clocks, and reports back what became of each action.
public final class EFDStreamWorker: Sendable {
    public let consumer: KafkaConsumer
    public let engine: SummaryEngine
    public let metrics: EFDStreamMetrics
    let registry: SchemaRegistryClient
    let pool: ConnectionPool
    let listenURL: String
    let windowSource: WindowSource
    let rowWriter: EFDRowWriter
    let settings: EFDStreamSettings
    let workerName: String
    let logger: Logger
    private let stopRequest = StopSignal()
    private let inbox = Mutex<[KafkaMessage]>([])
    /// The inbox holds at most this many messages; intake waits (and the consumer stops fetching) while it
    /// is full, e.g. while the database is down.
    static let inboxCapacity = 20_000
    private let windowsChanged = Mutex(true)

    public init(consumer: KafkaConsumer, registry: SchemaRegistryClient, engine: SummaryEngine, pool: ConnectionPool, listenURL: String,
                instrument: String, cdbSchema: String, efdSchema: String, visitFilterColumn: String? = nil,
                settings: EFDStreamSettings = EFDStreamSettings(), metrics: EFDStreamMetrics, logger: Logger = Logger(label: "consdb.efd")) {
        self.consumer = consumer
        self.registry = registry
        self.engine = engine
        self.pool = pool
        self.listenURL = listenURL
        self.windowSource = WindowSource(schema: cdbSchema, visitFilterColumn: visitFilterColumn)
        self.rowWriter = EFDRowWriter(schema: efdSchema)
        self.settings = settings
        self.metrics = metrics
        self.workerName = "efd stream \(instrument)"
        self.logger = logger
    }

    /// Stops after the current tick: commits what is done and returns from ``run()``.
    public func stop() {
        stopRequest.fire()
    }

    /// Runs until ``stop()``; throws when the stream cannot go on (e.g. the Kafka consumer failed).
    public func run() async throws {
        let source = windowSource
        try await pool.withConnection { connection in
            try await DeadLetters.create(on: connection)
            try await source.check(on: connection)
        }
        let topics = engine.config.topicNames
        try await consumer.subscribe(topics: topics)
        logger.info("consuming telemetry", metadata: ["event": "efd.start", "topics": "\(topics.count)", "columns": "\(engine.config.columns.count)"])
        let failure = await withTaskGroup(of: Void.self) { group -> (any Error)? in
            group.addTask { await self.fillInbox() }
            group.addTask { await self.listenForExposures() }
            let failure = await process()
            group.cancelAll()
            return failure
        }
        if let failure {
            logger.error("stream failed", metadata: ["event": "efd.error", "error": "\(failure)"])
            throw failure
        }
        logger.info("stopped", metadata: ["event": "efd.stop"])
    }

    // MARK: Intake

    /// Moves messages from the consumer into the inbox the processing loop drains each tick.
    private func fillInbox() async {
        for await message in consumer.messages {
            while inbox.withLock({ $0.count >= Self.inboxCapacity }), !stopRequest.isFired {
                try? await Task.sleep(for: .milliseconds(20))
            }
            inbox.withLock { $0.append(message) }
            if stopRequest.isFired { break }
        }
    }

    /// LISTENs for `hinfo`'s notifications of new exposure rows; reconnects when the connection breaks.
    private func listenForExposures() async {
        while !Task.isCancelled, !stopRequest.isFired {
            do {
                let connection = try await Connection.connect(listenURL, logger: logger)
                try await connection.listen(ExposureWriter.notificationChannel)
                while !Task.isCancelled, !stopRequest.isFired {
                    let received = try await connection.notifications(waitingUpTo: .milliseconds(500))
                    if received.contains(where: { $0.payload.hasPrefix(windowSource.schema + ":") }) {
                        windowsChanged.withLock { $0 = true }
                    }
                }
            } catch {
                // Polling covers the gap; try to listen again shortly.
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: Processing

    /// What the processing loop owns: the core's state, the decoder (whose registry lookups are I/O, so it
    /// stays out of the core), and the monotonic start the core's `uptime` counts from.
    private struct Processing {
        var core: StreamCore
        var decoder: TelemetryDecoder
        var row: [Double] = []
        let started = ContinuousClock.now

        var uptime: Duration { ContinuousClock.now - started }
    }

    /// Wall-clock UTC unix seconds: the time the core's events carry.
    private static var now: Double { Date().timeIntervalSince1970 }

    /// One tick at a time: follow the assignment, decode the inbox into buffers, learn windows, close the
    /// ready ones, commit. Returns the error that stopped it, or nil after ``stop()``.
    private func process() async -> (any Error)? {
        let core = StreamCore(engine: engine, settings: settings)
        var state = Processing(core: core, decoder: TelemetryDecoder(registry: registry, topicFields: core.topicFields))
        var failure: (any Error)?
        while !stopRequest.isFired {
            let batch = inbox.withLock { messages -> [KafkaMessage] in
                defer { messages.removeAll(keepingCapacity: true) }
                return messages
            }
            do {
                // Read after taking the batch: every message in it is of a partition assigned by now, or
                // revoked since.
                let assignment = consumer.assignment
                if assignment != state.core.partitions.assignment { try await reassign(&state.core, to: assignment) }
                for message in batch { try await ingest(message, into: &state) }
                let now = Self.now
                let changed = windowsChanged.withLock { changed -> Bool in
                    defer { changed = false }
                    return changed
                }
                if state.core.windowRefreshDue(notified: changed, uptime: state.uptime) {
                    try await refreshWindows(&state.core, now: now)
                }
                // The backlog is asked of the brokers only while some window waits for data.
                let backlog = state.core.needsBacklog ? await topicBacklog() : nil
                try await closeReadyWindows(&state.core, now: now, backlog: backlog)
                await commit(&state.core, now: now, uptime: state.uptime)
            } catch is CancellationError {
                break
            } catch {
                failure = error
                break
            }
            metrics.openWindows.set(Double(state.core.windows.openCount))
            metrics.bufferedBytes.set(Double(state.core.bufferedBytes))
            if batch.isEmpty { try? await Task.sleep(for: settings.tick) }
        }
        await commit(&state.core, now: Self.now, uptime: state.uptime)
        return failure
    }

    /// Follows a change of the partitions the group gives this replica (the core decides what is
    /// forgotten and where each partition is read from; this reads the committed offsets and seeks).
    private func reassign(_ core: inout StreamCore, to assignment: Set<KafkaTopicPartition>) async throws {
        let change = core.assignmentChanged(to: assignment)
        let consumer = consumer
        let committed = try await retrying("kafka") { try await consumer.committedWithMetadata(Array(change.added)) }
        let now = Self.now
        for partition in change.added.sorted() {
            let resume = core.resumePoint(partition, committed: committed[partition], reread: change.reread.contains(partition), now: now)
            let offset: Int64
            switch resume {
            case .committed(let committedOffset, _, let seek):
                offset = committedOffset
                // A partition taken on again after a revocation of its topic's other partitions: read again.
                if seek, consumer.assignment.contains(partition) {
                    try await retrying("kafka") { try await consumer.seek(partition, to: offset) }
                }
            case .time:
                offset = try await retrying("kafka") { try await consumer.offsetForTime(partition, atOrAfter: resume.lookupMilliseconds) }
                if consumer.assignment.contains(partition) {
                    try await retrying("kafka") { try await consumer.seek(partition, to: offset) }
                }
            }
            core.partitionResumed(partition, coveredFrom: resume.coveredFrom, offset: offset)
        }
        let counts = try await retrying("kafka") { try await consumer.partitionCounts(change.topics) }
        let ownership = core.partitionCountsLearned(counts)
        metrics.ownedTopics.set(Double(ownership.owned.count))
        if !ownership.split.isEmpty {
            logger.warning("topics split between replicas: their columns are written by none", metadata: [
                "event": "efd.split_topics", "topics": "\(ownership.split.sorted().joined(separator: ","))",
            ])
        }
        logger.info("assignment changed", metadata: [
            "event": "efd.assignment", "partitions": "\(assignment.count)", "owned_topics": "\(ownership.owned.count)",
            "revoked": "\(change.revoked.count)", "added": "\(change.added.count)",
        ])
    }

    /// Messages left to read per topic, counting those handed out but not yet ingested; nil when unknown
    /// (no sample yet, or messages wait in the inbox). The consumer's lag counts messages handed out as
    /// read, so it means "ingested" only when read after a batch, with the inbox found empty afterwards.
    private func topicBacklog() async -> [String: Int64]? {
        guard let lag = try? await consumer.lag(timeout: .seconds(2)) else { return nil }
        guard inbox.withLock({ $0.isEmpty }) else { return nil }
        metrics.lag.set(Double(lag.values.reduce(0, +)))
        var byTopic: [String: Int64] = [:]
        for (partition, count) in lag { byTopic[partition.topic, default: 0] += count }
        return byTopic
    }

    private func retrying<T: Sendable>(_ service: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await transientRetry(service).run(body)
    }

    private func transientRetry(_ service: String) -> TransientRetry {
        TransientRetry(service: service, maximumDelay: settings.maximumRetryDelay, pauses: metrics.pauses, logger: logger, stop: stopRequest)
    }

    private func ingest(_ message: KafkaMessage, into state: inout Processing) async throws {
        let partition = message.topicPartition
        guard state.core.admits(partition, offset: message.offset) else { return }
        metrics.messages.increment()
        let time: Double
        // Decoding writes into the reused row, so the registry's outage is waited out here rather than
        // through `retrying`; everything behind this message waits with it.
        var outage = TransientRetry.Outage(transientRetry("schema registry"))
        defer { outage.abandon() }
        while true {
            do {
                time = try await state.decoder.decode(topic: message.topic, message: message.value, into: &state.row)
                outage.resumed()
                break
            } catch let error as TelemetryDecoder.Rejected {
                outage.resumed()
                state.core.messageRejected(partition, offset: message.offset)
                try await reject(message, error: error.description)
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try await outage.wait(after: error)
            }
        }
        switch state.core.sampleDecoded(partition, offset: message.offset, time: time, row: state.row, now: Self.now) {
        case .buffered(let taken):
            metrics.samples.increment(by: Int64(taken))
        case .rejected(let reason):
            try await reject(message, error: reason)
        }
    }

    private func reject(_ message: KafkaMessage, error: String) async throws {
        metrics.rejected.increment()
        let rejection = Rejection(worker: workerName, topic: message.topic, partition: message.partition, offset: message.offset,
                                  error: "decode: \(error)", payload: message.value)
        try await retrying("database") { try await self.pool.withConnection { try await DeadLetters.record(rejection, on: $0) } }
        logger.warning("message rejected", metadata: ["event": "efd.reject", "topic": "\(message.topic)", "offset": "\(message.offset)", "error": "\(error)"])
    }

    private func refreshWindows(_ core: inout StreamCore, now: Double) async throws {
        let since = core.windowsWanted(now: now)
        let source = windowSource
        let windows = try await retrying("database") { try await self.pool.withConnection { try await source.windows(endingAfter: since, on: $0) } }
        let added = core.windowsLearned(windows, now: now)
        if added > 0 { logger.debug("windows learned", metadata: ["event": "efd.windows", "added": "\(added)"]) }
    }

    /// Summarizes and upserts every window the core finds ready.
    private func closeReadyWindows(_ core: inout StreamCore, now: Double, backlog: [String: Int64]?) async throws {
        for ready in core.readyWindows(now: now, backlog: backlog) {
            let window = ready.window
            let readyAt = ContinuousClock.now
            guard case .upsert(let summary) = core.summarize(ready, now: now) else {
                logger.notice("window not covered by this replica's data: left to the batch runs", metadata: [
                    "event": "efd.window_uncovered", "kind": "\(window.kind.rawValue)", "id": "\(window.id)",
                ])
                continue
            }
            let writer = rowWriter
            let refused: String?
            do {
                refused = try await retrying("database") { () async throws -> String? in
                    do {
                        try await self.pool.withTransaction { try await writer.write(summary, for: window, on: $0) }
                        return nil
                    } catch where FailureKind.isInputFault(error) {
                        return "\(error)"
                    }
                }
            } catch {
                core.windowWriteFailed(window.key)
                throw error
            }
            if let refused {
                metrics.rejected.increment()
                logger.error("window row refused", metadata: ["event": "efd.window_refused", "kind": "\(window.kind.rawValue)", "id": "\(window.id)", "error": "\(refused)"])
                core.windowRefused(window.key, now: now)
                continue
            }
            metrics.closeToCommit.record(ContinuousClock.now - readyAt)
            metrics.rowsWritten.increment(by: Int64(1 + summary.unpivoted.count))
            metrics.windowLatency.recordNanoseconds(Int64(max(0, now - window.span.end) * 1e9))
            core.windowWritten(window.key, now: now)
            logger.info("window summarized", metadata: [
                "event": "efd.window", "kind": "\(window.kind.rawValue)", "id": "\(window.id)", "columns": "\(summary.columns.count)",
                "complete": "\(ready.dataComplete)", "rewrite": "\(ready.rewrite)",
            ])
        }
    }

    /// Commits what the core finds committable (it drops what nothing needs any more).
    private func commit(_ core: inout StreamCore, now: Double, uptime: Duration) async {
        let plan = core.commitDue(now: now, uptime: uptime, assignment: consumer.assignment)
        if plan.releaseMemory { ProcessMemory.releaseFreeMemory() }
        guard !plan.offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets: plan.offsets, metadata: plan.metadata)
            core.offsetsCommitted(plan.offsets)
        } catch {
            logger.warning("offset commit failed", metadata: ["event": "efd.commit_failed", "error": "\(error)"])
        }
    }
}
