import Avro
import Fetch
import Kafka
import Logging
import TimeScales

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
    /// Announced URLs that may be fetched (`HEADER_URL_PREFIXES`; default `s3://`, which the site S3
    /// form `https://s3.<site>.lsst.org/` is rewritten to). Any other is dead-lettered, never fetched.
    public var allowedURLs: URLPrefixAllowList = .default

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
    private let sequencer = EventSequencer()
    private let committer: OffsetCommitter

    public init(consumer: KafkaConsumer, registry: SchemaRegistryClient, fetcher: Fetcher, ingestor: HeaderIngestor,
                settings: HeaderEventSettings = HeaderEventSettings(), logger: Logger = Logger(label: "consdb.hinfo")) {
        self.consumer = consumer
        self.registry = registry
        self.fetcher = fetcher
        self.ingestor = ingestor
        self.settings = settings
        self.logger = logger
        self.committer = OffsetCommitter(consumer: consumer, ledger: ledger, logger: logger)
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
    ///
    /// Each event is decoded here, in arrival order (so a registry outage pauses intake), and gets a
    /// ticket keyed by the image it announces: events about one image are worked on in order, others side
    /// by side.
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
                ingestor.metrics.consumed.increment()
                let announcement: LargeFileAnnouncement
                do {
                    guard let decoded = try await decode(message) else {
                        // Rejected (dead-lettered): done with it.
                        finished(message)
                        continue
                    }
                    announcement = decoded
                } catch {
                    // Cancelled while the registry was down: leave it uncommitted.
                    break
                }
                let ticket = sequencer.ticket(for: announcement.id.isEmpty ? announcement.url : announcement.id)
                handlers.addTask {
                    defer { ticket.finish() }
                    await ticket.waitForPredecessor()
                    if await self.handle(message, announcement: announcement) {
                        self.finished(message)
                    }
                }
                inFlight += 1
            }
            await handlers.waitForAll()
        }
    }

    /// Marks a message done and commits what can be.
    private func finished(_ message: KafkaMessage) {
        ledger.finish(message.topicPartition, offset: message.offset)
        Task { await committer.commit() }
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

    /// Decodes an event with its writer's schema: the announcement, or nil when the event was rejected.
    /// Waits (and retries) while the registry is unavailable; throws only when cancelled.
    func decode(_ message: KafkaMessage) async throws -> LargeFileAnnouncement? {
        let origin = HeaderOrigin(topic: message.topic, partition: message.partition, offset: message.offset, payload: message.value)
        let registry = self.registry
        let decoded = try await retrying("schema registry") { () async throws -> Result<AvroValue, AvroError> in
            do throws(AvroError) {
                return .success(try await registry.decode(message.value).value)
            } catch {
                // Only an unreachable registry is worth waiting for; a bad message is a dead letter.
                if error.kind == .registryUnavailable || error.kind == .cancelled { throw error }
                return .failure(error)
            }
        }
        do {
            return try LargeFileAnnouncement(decoded.get())
        } catch let error as AvroError {
            _ = try await rejecting(origin, stage: "decode", error: error.description)
        } catch {
            _ = try await rejecting(origin, stage: "decode", error: "\(error)")
        }
        return nil
    }

    /// Fetches and ingests one announced header until its rows or its rejection are committed (true), or
    /// until abandoned by a shutdown (false: the offset must not be committed).
    func handle(_ message: KafkaMessage, announcement: LargeFileAnnouncement) async -> Bool {
        var origin = HeaderOrigin(topic: message.topic, partition: message.partition, offset: message.offset, payload: message.value,
                                  sentTAI: announcement.sentTAI)
        origin.source = announcement.url
        do {
            let outcome = try await process(announcement, origin: origin)
            if case .written = outcome, announcement.sentTAI > 0 {
                let seconds = TAITimestamp.now().taiUnixSeconds - announcement.sentTAI
                ingestor.metrics.eventLatency.recordNanoseconds(Int64(max(0, min(seconds, 1e9)) * 1e9))
            }
            return true
        } catch {
            // Retry loops throw only when cancelled: a shutdown whose grace period ran out.
            return false
        }
    }

    private func process(_ announcement: LargeFileAnnouncement, origin: HeaderOrigin) async throws -> IngestOutcome {
        var fetcher = self.fetcher
        let settings = self.settings
        // Whoever can produce to the topic names the URL: only allowed ones are fetched, in their
        // canonical form, and redirects (which could lead anywhere) are not followed.
        let url: String
        switch settings.allowedURLs.admit(announcement.url, rewrite: fetcher.rewrite) {
        case .success(let admitted): url = admitted
        case .failure(let refusal): return try await rejecting(origin, stage: "url", error: refusal.description)
        }
        fetcher.template.followRedirects = false
        let fetched = try await retrying("header store") { [fetcher] () async throws -> Result<[UInt8], FetchError> in
            do throws(FetchError) {
                return .success(try await fetcher.getWhenAvailable(url, timeout: settings.headerWait, interval: settings.headerPollInterval).body)
            } catch {
                try Task.checkCancellation()
                // A header that never appeared, a URL that cannot be a header, or a redirect (not
                // followed) is a dead letter; a store that is down (or not configured) is waited for.
                switch error.kind {
                case .notAvailable, .unsupportedURL, .tooLarge, .invalidResponse: return .failure(error)
                case .httpStatus(let status) where (300..<500).contains(status) && status != 429: return .failure(error)
                default: throw error
                }
            }
        }
        let body: [UInt8]
        switch fetched {
        case .success(let bytes): body = bytes
        case .failure(let error): return try await rejecting(origin, stage: "fetch", error: error.description)
        }
        return try await retrying("database") { try await self.ingestor.ingest(body, origin: origin) }
    }

    private func rejecting(_ origin: HeaderOrigin, stage: String, error: String) async throws -> IngestOutcome {
        try await retrying("database") { try await self.ingestor.reject(origin, stage: stage, error: error) }
    }

    func retrying<T: Sendable>(_ service: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await TransientRetry(service: service, maximumDelay: settings.maximumRetryDelay, pauses: ingestor.metrics.pauses, logger: logger).run(body)
    }

    // MARK: Offsets, rebalances, lag

    func commitFinished() async {
        await committer.commit()
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
