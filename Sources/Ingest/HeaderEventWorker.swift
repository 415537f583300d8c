import Avro
import Fetch
import Kafka
import Logging

/// The `hinfo` settings that shape the event loop.
public struct HeaderEventSettings: Sendable {
    /// How long to wait for an announced header to become readable (default 60 s).
    public var headerWait: Duration = .seconds(60)
    /// Polling interval while waiting for a header.
    public var headerPollInterval: Duration = .milliseconds(250)
    /// Events worked on at once (default 4), so one header that is slow to appear does not hold up the
    /// ones behind it. Offsets are still committed in order.
    public var concurrency: Int = 4
    /// After a stop request, how long events in hand may take to finish before they are abandoned (not
    /// committed, so they are read again after the restart).
    public var shutdownGrace: Duration = .seconds(20)
    /// Longest back-off while the database or the registry is unavailable.
    public var maximumRetryDelay: Duration = .seconds(10)
    /// How often the consumer lag is sampled for the metrics.
    public var lagInterval: Duration = .seconds(15)

    public init() {}
}

/// Consumes HeaderService `logevent_largeFileObjectAvailable` events and ingests the headers they point at.
///
/// Each event is decoded with the writer's schema from the registry, its header fetched (waiting until it
/// is readable), and its rows written in one transaction; only then is its offset committed, in order (see
/// ``OffsetLedger``). An event that cannot be decoded, or whose header never appears or cannot be parsed or
/// mapped, goes to the dead-letter table and the worker moves on. When the database or the registry is
/// unavailable the work in hand waits and retries with back-off; with every slot waiting no new events are
/// taken, so consumption pauses until the service is back.
public final class HeaderEventWorker: Sendable {
    public let consumer: KafkaConsumer
    public let registry: SchemaRegistryClient
    public let fetcher: Fetcher
    public let ingestor: HeaderIngestor
    public let settings: HeaderEventSettings
    public let ledger = OffsetLedger()
    let logger: Logger
    private let stopRequest = StopSignal()

    public init(consumer: KafkaConsumer, registry: SchemaRegistryClient, fetcher: Fetcher, ingestor: HeaderIngestor,
                settings: HeaderEventSettings = HeaderEventSettings(), logger: Logger = Logger(label: "consdb.hinfo")) {
        self.consumer = consumer
        self.registry = registry
        self.fetcher = fetcher
        self.ingestor = ingestor
        self.settings = settings
        self.logger = logger
    }

    /// Asks the worker to stop: no new events are taken, those in hand finish (within the grace period)
    /// and their offsets are committed. Safe to call from anywhere, more than once.
    public func stop() {
        if stopRequest.fire() {
            logger.info("stopping: finishing events in hand", metadata: ["event": "hinfo.stopping", "in_progress": "\(ledger.inProgressCount)"])
        }
    }

    /// Subscribes and works until ``stop()`` (or until the consumer closes), then commits what is done.
    /// The caller closes the consumer afterwards.
    public func run() async throws {
        let topic = ingestor.instrument.eventTopic
        try await consumer.subscribe(topics: [topic])
        logger.info("consuming header events", metadata: ["event": "hinfo.start", "topic": "\(topic)", "concurrency": "\(settings.concurrency)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchRebalances() }
            group.addTask { await self.sampleLag() }
            await withTaskGroup(of: Bool.self) { work in
                // The event loop, and a timer that ends the drain once the grace period after a stop is over.
                work.addTask { await self.consume(); return true }
                work.addTask {
                    await self.stopRequest.wait()
                    try? await Task.sleep(for: self.settings.shutdownGrace)
                    return false
                }
                if await work.next() == false {
                    self.logger.warning("grace period over: abandoning events in hand", metadata: ["event": "hinfo.abandon", "in_progress": "\(self.ledger.inProgressCount)"])
                }
                work.cancelAll()
            }
            group.cancelAll()
        }
        await commitFinished()
        logger.info("stopped consuming", metadata: ["event": "hinfo.stop", "abandoned": "\(ledger.inProgressCount)"])
    }

    /// Takes events while slots are free, until stopped; then waits for the events in hand.
    private func consume() async {
        await withTaskGroup(of: Void.self) { handlers in
            var inFlight = 0
            while !stopRequest.isFired {
                if inFlight >= settings.concurrency {
                    await handlers.next()
                    inFlight -= 1
                    continue
                }
                guard let message = await nextMessage() else { break }
                ledger.begin(message.topicPartition, offset: message.offset)
                handlers.addTask {
                    guard await self.handle(message) else { return }
                    self.ledger.finish(message.topicPartition, offset: message.offset)
                    await self.commitFinished()
                }
                inFlight += 1
            }
            await handlers.waitForAll()
        }
    }

    /// The next event, or nil once a stop is requested or the consumer closes.
    private func nextMessage() async -> KafkaMessage? {
        let messages = consumer.messages
        return await withTaskGroup(of: KafkaMessage?.self) { race in
            race.addTask {
                var iterator = messages.makeAsyncIterator()
                return await iterator.next()
            }
            race.addTask {
                await self.stopRequest.wait()
                return nil
            }
            let first = await race.next()!
            race.cancelAll()
            // A message that arrived just as the stop did is dropped uncommitted: it is read again later.
            return stopRequest.isFired ? nil : first
        }
    }

    // MARK: One event

    /// Works on one event until its rows or its rejection are committed (true), or until abandoned by a
    /// shutdown (false: the offset must not be committed).
    func handle(_ message: KafkaMessage) async -> Bool {
        ingestor.metrics.consumed.increment()
        let origin = HeaderOrigin(topic: message.topic, partition: message.partition, offset: message.offset, payload: message.value)
        do {
            _ = try await process(message, origin: origin)
            return true
        } catch is CancellationError {
            return false
        } catch {
            // Only retry loops throw, and only when cancelled; anything else is a bug worth seeing.
            logger.error("event abandoned", metadata: ["event": "hinfo.abandon", "offset": "\(message.offset)", "error": "\(error)"])
            return false
        }
    }

    private func process(_ message: KafkaMessage, origin: HeaderOrigin) async throws -> IngestOutcome {
        var origin = origin
        let decoded: AvroValue
        do {
            decoded = try await retrying("schema registry") { () async throws -> AvroValue in
                try await self.registry.decode(message.value).value
            }
        } catch let error as AvroError {
            return try await rejecting(origin, stage: "decode", error: error.description)
        }
        let announcement: LargeFileAnnouncement
        do {
            announcement = try LargeFileAnnouncement(decoded)
        } catch {
            return try await rejecting(origin, stage: "decode", error: error.description)
        }
        origin.source = announcement.url
        origin.sentTAI = announcement.sentTAI
        let body: [UInt8]
        do {
            body = try await fetcher.getWhenAvailable(announcement.url, timeout: settings.headerWait, interval: settings.headerPollInterval).body
        } catch {
            try Task.checkCancellation()
            return try await rejecting(origin, stage: "fetch", error: error.description)
        }
        try Task.checkCancellation()
        let fetched = origin
        let outcome = try await retrying("database") { try await self.ingestor.ingest(body, origin: fetched) }
        if case .written = outcome, announcement.sentTAI > 0 {
            let seconds = TAITimestamp.now().taiUnixSeconds - announcement.sentTAI
            ingestor.metrics.eventLatency.recordNanoseconds(Int64(max(0, seconds) * 1e9))
        }
        return outcome
    }

    private func rejecting(_ origin: HeaderOrigin, stage: String, error: String) async throws -> IngestOutcome {
        try await retrying("database") { try await self.ingestor.reject(origin, stage: stage, error: error) }
    }

    func retrying<T: Sendable>(_ service: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await TransientRetry(service: service, maximumDelay: settings.maximumRetryDelay, paused: ingestor.metrics.paused, logger: logger).run(body)
    }

    // MARK: Offsets, rebalances, lag

    func commitFinished() async {
        let offsets = ledger.pendingCommits()
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(offsets: offsets)
            ledger.committed(offsets)
        } catch {
            // The next finished event commits again; a lost commit only means a re-read after a restart.
            logger.warning("offset commit failed", metadata: ["event": "hinfo.commit_failed", "error": "\(error)"])
        }
    }

    private func watchRebalances() async {
        for await event in consumer.events {
            switch event {
            case .revoked(let partitions), .lost(let partitions):
                ledger.forget(partitions)
                logger.info("partitions taken away", metadata: ["event": "hinfo.revoked", "partitions": "\(partitions)"])
            case .assigned(let partitions):
                logger.info("partitions assigned", metadata: ["event": "hinfo.assigned", "partitions": "\(partitions)"])
            case .error(let error):
                logger.warning("Kafka reports a problem", metadata: ["event": "hinfo.kafka_error", "error": "\(error)"])
            }
        }
    }

    private func sampleLag() async {
        while !Task.isCancelled {
            if let lag = try? await consumer.lag() {
                ingestor.metrics.lag.set(Double(lag.values.reduce(0, +)))
            }
            try? await Task.sleep(for: settings.lagInterval)
        }
    }
}
