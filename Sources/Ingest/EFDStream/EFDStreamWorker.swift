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
            var state = StreamState(engine: engine, registry: registry)
            let failure = await process(&state)
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

    /// One tick at a time: follow the assignment, decode the inbox into buffers, learn windows, close the
    /// ready ones, commit. Returns the error that stopped it, or nil after ``stop()``.
    private func process(_ state: inout StreamState) async -> (any Error)? {
        var lastPoll = ContinuousClock.now - settings.pollInterval
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
                if assignment != state.partitions.assignment { try await reassign(&state, to: assignment) }
                for message in batch { try await ingest(message, into: &state) }
                let now = Date().timeIntervalSince1970
                let changed = windowsChanged.withLock { changed -> Bool in
                    defer { changed = false }
                    return changed
                }
                if changed || ContinuousClock.now - lastPoll >= settings.pollInterval {
                    lastPoll = ContinuousClock.now
                    try await refreshWindows(&state, now: now)
                }
                // The backlog is asked of the brokers only while some window waits for data.
                let backlog = state.windows.earliestPendingBegin == nil ? nil : await topicBacklog()
                try await closeReadyWindows(&state, now: now, backlog: backlog)
                await commit(&state, now: now)
            } catch is CancellationError {
                break
            } catch {
                failure = error
                break
            }
            metrics.openWindows.set(Double(state.windows.openCount))
            metrics.bufferedBytes.set(Double(state.buffers.values.reduce(0) { $0 + $1.storageBytes }))
            if batch.isEmpty { try? await Task.sleep(for: settings.tick) }
        }
        await commit(&state, now: Date().timeIntervalSince1970)
        return failure
    }

    /// Follows a change of the partitions the group gives this replica. Revoked partitions are forgotten
    /// (with their topics' buffers, so the topics' other partitions are read again from their committed
    /// offsets). Every partition taken on is read from its committed offset, trusting the data from the
    /// EFD time committed with it; a partition the group never committed starts at the oldest time a
    /// window still to be learned may need, not at the start of the topic's retention.
    private func reassign(_ state: inout StreamState, to assignment: Set<KafkaTopicPartition>) async throws {
        let previous = state.partitions.assignment
        let revoked = previous.subtracting(assignment)
        let touched = Set(revoked.map(\.topic))
        let reread = assignment.intersection(previous).filter { touched.contains($0.topic) }
        for partition in revoked.union(reread) { state.forget(partition) }
        let added = assignment.subtracting(previous).union(reread)
        let consumer = consumer
        let committed = try await retrying("kafka") { try await consumer.committedWithMetadata(Array(added)) }
        let now = Date().timeIntervalSince1970
        for partition in added.sorted() {
            let coveredFrom: Double
            let offset: Int64
            if let commit = committed[partition] {
                offset = commit.offset
                // An offset committed without the promise (by another program) promises nothing older than now.
                coveredFrom = AssignedPartitions.coveredFrom(commitMetadata: commit.metadata) ?? now
                // A partition taken on again after a revocation of its topic's other partitions: read again.
                if reread.contains(partition), consumer.assignment.contains(partition) {
                    try await retrying("kafka") { try await consumer.seek(partition, to: offset) }
                }
            } else {
                coveredFrom = now - settings.reopenHorizon.seconds - settings.discoveryHorizon.seconds - state.lookBack(partition.topic)
                offset = try await retrying("kafka") { try await consumer.offsetForTime(partition, atOrAfter: Int64(coveredFrom * 1000)) }
                if consumer.assignment.contains(partition) {
                    try await retrying("kafka") { try await consumer.seek(partition, to: offset) }
                }
            }
            state.partitions.add(partition, coveredFrom: coveredFrom, resumeOffset: offset)
        }
        let topics = Array(Set(assignment.map(\.topic)))
        let counts = try await retrying("kafka") { try await consumer.partitionCounts(topics) }
        state.partitions.updateOwnership(partitionCounts: counts)
        metrics.ownedTopics.set(Double(state.partitions.ownedTopics.count))
        let split = Set(topics).subtracting(state.partitions.ownedTopics)
        if !split.isEmpty {
            logger.warning("topics split between replicas: their columns are written by none", metadata: [
                "event": "efd.split_topics", "topics": "\(split.sorted().joined(separator: ","))",
            ])
        }
        logger.info("assignment changed", metadata: [
            "event": "efd.assignment", "partitions": "\(assignment.count)", "owned_topics": "\(state.partitions.ownedTopics.count)",
            "revoked": "\(revoked.count)", "added": "\(added.count)",
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
        try await TransientRetry(service: service, maximumDelay: settings.maximumRetryDelay, pauses: metrics.pauses, logger: logger, stop: stopRequest)
            .run(body)
    }

    private func ingest(_ message: KafkaMessage, into state: inout StreamState) async throws {
        let partition = message.topicPartition
        // Revoked since it was fetched, or read already (handed out again after a seek or a rebalance).
        guard let assigned = state.partitions[partition],
              message.offset >= state.samples.nextOffset[partition] ?? assigned.resumeOffset
        else { return }
        metrics.messages.increment()
        let time: Double
        while true {
            do {
                time = try await state.decoder.decode(topic: message.topic, message: message.value, into: &state.values)
                break
            } catch let error as TelemetryDecoder.Rejected {
                state.samples.skip(partition, offset: message.offset)
                try await reject(message, error: error.description)
                return
            } catch {
                // The registry is unreachable: wait (pausing everything behind this message) and retry.
                metrics.pauses.begin()
                defer { metrics.pauses.end() }
                logger.warning("schema registry unavailable: pausing", metadata: ["event": "efd.pause", "error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
                if stopRequest.isFired { throw CancellationError() }
            }
        }
        // A sample from the future would move the watermark past windows whose data has not come yet.
        guard time <= Date().timeIntervalSince1970 + 300 else {
            state.samples.skip(partition, offset: message.offset)
            try await reject(message, error: "private_efdStamp \(time) is more than 5 minutes in the future")
            return
        }
        let taken: Int
        do {
            taken = try state.intake.append(topic: message.topic, time: time, row: state.values, into: &state.buffers)
        } catch {
            state.samples.skip(partition, offset: message.offset)
            try await reject(message, error: error.description)
            return
        }
        metrics.samples.increment(by: Int64(taken))
        state.samples.record(partition, time: time, offset: message.offset)
        let watermark = state.partitions[partition]?.watermark ?? -.infinity
        state.partitions.noteSample(partition, time: time)
        if time < watermark - 1 || state.windows.entries.values.contains(where: { $0.closedAt != nil }) {
            state.windows.noteLateSample(at: time, lookBack: state.lookBack(message.topic), slack: state.bucketSlack(message.topic),
                                         now: Date().timeIntervalSince1970)
        }
    }

    private func reject(_ message: KafkaMessage, error: String) async throws {
        metrics.rejected.increment()
        let rejection = Rejection(worker: workerName, topic: message.topic, partition: message.partition, offset: message.offset,
                                  error: "decode: \(error)", payload: message.value)
        try await retrying("database") { try await self.pool.withConnection { try await DeadLetters.record(rejection, on: $0) } }
        logger.warning("message rejected", metadata: ["event": "efd.reject", "topic": "\(message.topic)", "offset": "\(message.offset)", "error": "\(error)"])
    }

    private func refreshWindows(_ state: inout StreamState, now: Double) async throws {
        let since = now - settings.reopenHorizon.seconds - settings.discoveryHorizon.seconds
        let source = windowSource
        let windows = try await retrying("database") { try await self.pool.withConnection { try await source.windows(endingAfter: since, on: $0) } }
        let added = state.windows.learn(windows, now: now)
        if added > 0 { logger.debug("windows learned", metadata: ["event": "efd.windows", "added": "\(added)"]) }
        state.windows.forget(endedBefore: now - settings.reopenHorizon.seconds, tombstonesBefore: since - 60)
    }

    /// Summarizes and upserts every window that is ready.
    private func closeReadyWindows(_ state: inout StreamState, now: Double, backlog lagByTopic: [String: Int64]?) async throws {
        let lateness = settings.lateness.seconds
        let maximumWait = settings.maximumWait.seconds
        let owned = state.partitions.ownedTopics
        // Before the group has given this replica any topic there is nothing it may write.
        guard !owned.isEmpty else { return }
        let idle = Set((lagByTopic ?? [:]).filter { $0.value == 0 }.keys)
        // The maximum wait is for data that never comes, not for data still queued: while any topic has a
        // backlog (or before the first lag sample), windows wait for their data.
        let caughtUp = lagByTopic.map { lag in owned.allSatisfy { (lag[$0] ?? 1) == 0 } } ?? false
        for (key, entry) in state.windows.entries {
            let pending = entry.closedAt == nil || entry.lateSince.map { now - $0 >= lateness } == true
            guard pending else { continue }
            let window = entry.window
            let dataComplete = engine.config.topicNames.allSatisfy { topic in
                let settled = window.span.end + lateness + state.bucketSlack(topic)
                return !owned.contains(topic) || state.partitions.watermark(topic) >= settled || (idle.contains(topic) && now >= settled)
            }
            // The maximum wait is for data that never comes; while a backlog is read it waits, but never more
            // than ten times as long (a topic stuck behind must not hold every window, and memory, for ever).
            let waited = now - max(window.span.end, entry.learnedAt)
            guard dataComplete || (caughtUp && waited >= maximumWait) || waited >= 10 * maximumWait else { continue }
            let readyAt = ContinuousClock.now
            state.intake.flushHeld(through: window.span.end, into: &state.buffers)
            var summary = engine.summarize(window.span, kind: window.kind, buffers: state.buffers, scratch: &state.scratch)
            // Only the columns of topics this replica consumes, and whose data it has from far enough back:
            // other replicas fill the rest of the row, and a row is never overwritten from partial data.
            let begin = window.span.begin
            summary.columns = summary.columns.filter { state.mayWrite($0.name, windowBegin: begin) }
            summary.unpivoted = summary.unpivoted.filter { state.mayWrite($0.property, windowBegin: begin) }
            guard !summary.columns.isEmpty || !summary.unpivoted.isEmpty else {
                logger.notice("window not covered by this replica's data: left to the batch runs", metadata: [
                    "event": "efd.window_uncovered", "kind": "\(window.kind.rawValue)", "id": "\(window.id)",
                ])
                state.windows.markClosed(key, at: now)
                continue
            }
            let writer = rowWriter
            let snapshot = summary
            let refused = try await retrying("database") { () async throws -> String? in
                do {
                    try await self.pool.withTransaction { try await writer.write(snapshot, for: window, on: $0) }
                    return nil
                } catch where FailureKind.isInputFault(error) {
                    return "\(error)"
                }
            }
            if let refused {
                // The database refuses the values (e.g. out of a column's range): retrying cannot help.
                metrics.rejected.increment()
                logger.error("window row refused", metadata: ["event": "efd.window_refused", "kind": "\(window.kind.rawValue)", "id": "\(window.id)", "error": "\(refused)"])
                state.windows.markClosed(key, at: now)
                continue
            }
            metrics.closeToCommit.record(ContinuousClock.now - readyAt)
            metrics.rowsWritten.increment(by: Int64(1 + summary.unpivoted.count))
            metrics.windowLatency.recordNanoseconds(Int64(max(0, now - window.span.end) * 1e9))
            state.windows.markClosed(key, at: now)
            logger.info("window summarized", metadata: [
                "event": "efd.window", "kind": "\(window.kind.rawValue)", "id": "\(window.id)", "columns": "\(summary.columns.count)",
                "complete": "\(dataComplete)", "rewrite": "\(entry.closedAt != nil)",
            ])
        }
    }

    /// Commits, per partition, the lowest offset still needed, and drops data nothing needs any more.
    private func commit(_ state: inout StreamState, now: Double) async {
        let horizon = settings.discoveryHorizon.seconds
        var offsets: [KafkaTopicPartition: Int64] = [:]
        var metadata: [KafkaTopicPartition: String] = [:]
        let assignment = consumer.assignment
        for partition in state.samples.partitions where assignment.contains(partition) && state.partitions[partition] != nil {
            let topic = partition.topic
            let lookBack = state.lookBack(topic) + state.bucketSlack(topic)
            // Windows not known yet may still need data back to the discovery horizon; windows kept (pending,
            // or closed but open to late data, and recomputed after a restart) from their start minus the
            // look-back.
            let watermark = state.partitions.watermark(topic)
            var neededFrom = (watermark.isFinite ? watermark : now) - horizon - lookBack
            if let begin = state.windows.earliestKeptBegin { neededFrom = min(neededFrom, begin - lookBack) }
            guard let offset = state.samples.committable(partition, neededFrom: neededFrom) else { continue }
            state.samples.drop(partition, below: offset)
            state.buffers[topic]?.dropSamples(before: neededFrom)
            state.buffers[PackedSeries.bufferName(topic: topic)]?.dropSamples(before: neededFrom)
            state.partitions.dropped(partition, before: neededFrom)
            if offset > state.committed[partition] ?? -1 {
                offsets[partition] = offset
                metadata[partition] = AssignedPartitions.commitMetadata(coveredFrom: state.partitions[partition]!.coveredFrom)
            }
        }
        if ContinuousClock.now - state.lastMemoryRelease >= .seconds(10) {
            state.lastMemoryRelease = ContinuousClock.now
            ProcessMemory.releaseFreeMemory()
        }
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets: offsets, metadata: metadata)
            for (partition, offset) in offsets { state.committed[partition] = offset }
        } catch {
            logger.warning("offset commit failed", metadata: ["event": "efd.commit_failed", "error": "\(error)"])
        }
    }

}
