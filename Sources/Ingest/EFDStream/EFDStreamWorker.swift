import Avro
import EFD
import Foundation
import Kafka
import Logging
import Postgres
import Synchronization

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

    public func run() async throws {
        try await pool.withConnection { try await DeadLetters.create(on: $0) }
        let topics = engine.config.topicNames
        try await consumer.subscribe(topics: topics)
        logger.info("consuming telemetry", metadata: ["event": "efd.start", "topics": "\(topics.count)", "columns": "\(engine.config.columns.count)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.fillInbox() }
            group.addTask { await self.listenForExposures() }
            var state = StreamState(engine: engine, registry: registry)
            await process(&state)
            group.cancelAll()
        }
        logger.info("stopped", metadata: ["event": "efd.stop"])
    }

    // MARK: Intake

    /// Moves messages from the consumer into the inbox the processing loop drains each tick.
    private func fillInbox() async {
        for await message in consumer.messages {
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

    /// One tick at a time: decode the inbox into buffers, learn windows, close the ready ones, commit.
    private func process(_ state: inout StreamState) async {
        var lastPoll = ContinuousClock.now - settings.pollInterval
        while !stopRequest.isFired {
            let batch = inbox.withLock { messages -> [KafkaMessage] in
                defer { messages.removeAll(keepingCapacity: true) }
                return messages
            }
            do {
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
                let backlog = await topicBacklog()
                try await closeReadyWindows(&state, now: now, backlog: backlog)
                await commit(&state, now: now)
            } catch is CancellationError {
                break
            } catch {
                // Only waits that were cancelled end up here.
                logger.error("processing stopped", metadata: ["event": "efd.error", "error": "\(error)"])
                break
            }
            metrics.openWindows.set(Double(state.windows.openCount))
            if batch.isEmpty { try? await Task.sleep(for: settings.tick) }
        }
        let now = Date().timeIntervalSince1970
        await commit(&state, now: now)
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
        try await TransientRetry(service: service, maximumDelay: settings.maximumRetryDelay, pauses: metrics.pauses, logger: logger).run(body)
    }

    private func ingest(_ message: KafkaMessage, into state: inout StreamState) async throws {
        metrics.messages.increment()
        let partition = message.topicPartition
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
        do {
            try state.buffers[message.topic]?.append(time: time, values: state.values)
        } catch {
            state.samples.skip(partition, offset: message.offset)
            try await reject(message, error: "\(error)")
            return
        }
        metrics.samples.increment(by: Int64(state.values.count))
        state.samples.record(partition, time: time, offset: message.offset)
        state.watermarks[message.topic] = max(state.watermarks[message.topic] ?? -.infinity, time)
        if time < (state.watermarks[message.topic] ?? time) - 1 || state.windows.entries.values.contains(where: { $0.closedAt != nil }) {
            state.windows.noteLateSample(at: time, lookBack: state.lookBack(message.topic), now: Date().timeIntervalSince1970)
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
        let since = now - Self.seconds(settings.reopenHorizon) - Self.seconds(settings.discoveryHorizon)
        let source = windowSource
        let windows = try await retrying("database") { try await self.pool.withConnection { try await source.windows(endingAfter: since, on: $0) } }
        let added = state.windows.learn(windows, now: now)
        if added > 0 { logger.debug("windows learned", metadata: ["event": "efd.windows", "added": "\(added)"]) }
        state.windows.forget(endedBefore: now - Self.seconds(settings.reopenHorizon), tombstonesBefore: since - 60)
    }

    /// Summarizes and upserts every window that is ready.
    private func closeReadyWindows(_ state: inout StreamState, now: Double, backlog lagByTopic: [String: Int64]?) async throws {
        let lateness = Self.seconds(settings.lateness)
        let maximumWait = Self.seconds(settings.maximumWait)
        let owned = Set(consumer.assignment.map(\.topic))
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
            let settled = window.span.end + lateness + state.bucketSlack
            let dataComplete = engine.config.topicNames.allSatisfy { topic in
                !owned.contains(topic) || (state.watermarks[topic] ?? -.infinity) >= settled || (idle.contains(topic) && now >= settled)
            }
            // The maximum wait is for data that never comes; while a backlog is read it waits, but never more
            // than ten times as long (a topic stuck behind must not hold every window, and memory, for ever).
            let waited = now - max(window.span.end, entry.learnedAt)
            guard dataComplete || (caughtUp && waited >= maximumWait) || waited >= 10 * maximumWait else { continue }
            var summary = engine.summarize(window.span, kind: window.kind, buffers: state.buffers, scratch: &state.scratch)
            // Only the columns of topics this replica consumes: other replicas fill the rest of the row.
            // Packed-series columns are not unpacked by the stream yet: left alone rather than written NULL.
            summary.columns = summary.columns.filter { state.columnOwned($0.name, owned: owned) && !state.packedColumns.contains($0.name) }
            summary.unpivoted = summary.unpivoted.filter { state.columnOwned($0.property, owned: owned) && !state.packedColumns.contains($0.property) }
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
        let horizon = Self.seconds(settings.discoveryHorizon)
        var offsets: [KafkaTopicPartition: Int64] = [:]
        let assignment = consumer.assignment
        for partition in state.samples.partitions where assignment.contains(partition) {
            let topic = partition.topic
            let lookBack = state.lookBack(topic)
            // Windows not known yet may still need data back to the discovery horizon; windows kept (pending,
            // or closed but open to late data, and recomputed after a restart) from their start minus the
            // look-back.
            var neededFrom = (state.watermarks[topic] ?? now) - horizon - lookBack
            if let begin = state.windows.earliestKeptBegin { neededFrom = min(neededFrom, begin - lookBack) }
            guard let offset = state.samples.committable(partition, neededFrom: neededFrom) else { continue }
            if offset > state.committed[partition] ?? -1 { offsets[partition] = offset }
            state.samples.drop(partition, below: offset)
            state.buffers[topic]?.dropSamples(before: neededFrom)
        }
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets: offsets)
            for (partition, offset) in offsets { state.committed[partition] = offset }
        } catch {
            logger.warning("offset commit failed", metadata: ["event": "efd.commit_failed", "error": "\(error)"])
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Everything the processing loop owns.
struct StreamState {
    var decoder: TelemetryDecoder
    var buffers: [String: TopicBuffer]
    var values: [Double] = []
    var samples = PartitionSamples()
    var watermarks: [String: Double] = [:]
    var committed: [KafkaTopicPartition: Int64] = [:]
    var windows = StreamWindows()
    var scratch = SampleSelection()
    /// Look-back (seconds) of each topic: the longest start offset of a column that reads it.
    let lookBacks: [String: Double]
    /// Topics of each column.
    let columnTopics: [String: [String]]
    /// Pre-aggregated columns count samples up to one bucket past the end.
    let bucketSlack: Double
    let packedColumns: Set<String>

    init(engine: SummaryEngine, registry: SchemaRegistryClient) {
        decoder = TelemetryDecoder(registry: registry, topicFields: engine.topicFields)
        buffers = engine.makeBuffers()
        var lookBacks: [String: Double] = [:]
        var columnTopics: [String: [String]] = [:]
        for column in engine.config.columns {
            columnTopics[column.name] = column.topics.map(\.name)
            for topic in column.topics {
                lookBacks[topic.name] = max(lookBacks[topic.name] ?? 0, -(column.startOffsetHours ?? 0) * 3600)
            }
        }
        self.lookBacks = lookBacks
        self.columnTopics = columnTopics
        bucketSlack = engine.config.columns.compactMap { $0.preAggregateInterval?.seconds }.max() ?? 0
        packedColumns = Set(engine.config.columns.filter(\.packedSeries).map(\.name))
    }

    func lookBack(_ topic: String) -> Double { lookBacks[topic] ?? 0 }

    func columnOwned(_ column: String, owned: Set<String>) -> Bool {
        (columnTopics[column] ?? []).allSatisfy { owned.contains($0) }
    }
}
