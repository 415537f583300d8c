import CRdKafka
import Dispatch
import Foundation
import Logging

/// A consumer in a consumer group, with manual offset commits (at-least-once).
///
/// One dedicated thread owns the librdkafka handle's polling: it runs `rd_kafka_consumer_poll` with a
/// short timeout, hands messages to ``messages``, serves rebalances, and runs the operations that change
/// what is fetched (subscribe, pause, resume, seek, close) between polls, so they never race a poll.
/// Queries and commits, which only wait for a broker, run on a serial dispatch queue of their own. No
/// call blocks Swift's cooperative thread pool.
///
/// Delivery is at-least-once: nothing is stored or committed automatically. After the work that depends on
/// a message is done, ``store(_:)`` its offset and ``commitStoredOffsets()`` (or ``commit(offsets:)``
/// directly). Stored offsets are also committed before partitions are revoked (if the broker accepts
/// commits during a rebalance, as Kafka does and librdkafka's mock cluster does not) and when the consumer
/// closes; offsets that were never stored are never committed, so their messages are read again by whoever
/// consumes the partition next.
///
/// Rebalances use the configured protocol: with the eager default every rebalance revokes the whole
/// assignment (`rd_kafka_assign`), with cooperative-sticky only the moving partitions
/// (`rd_kafka_incremental_assign`/`unassign`). They are reported on ``events``.
public final class KafkaConsumer: Sendable {
    private let client: RDKafkaClient
    private let core: ConsumerCore
    private let control: DispatchQueue
    /// For the slow offset-by-time search, so it never holds up commits.
    private let lookups: DispatchQueue
    private let configuration: KafkaConfiguration
    private let logger: Logger

    /// How long `rd_kafka_consumer_poll` waits before the poll thread looks for commands again.
    /// Commands also wake it at once (`rd_kafka_queue_yield`), so this only bounds a missed wake-up.
    static let pollTimeoutMilliseconds: Int32 = 100

    private init(client: RDKafkaClient, core: ConsumerCore, configuration: KafkaConfiguration, logger: Logger) {
        self.client = client
        self.core = core
        self.control = DispatchQueue(label: "consdb.kafka.consumer.control")
        self.lookups = DispatchQueue(label: "consdb.kafka.consumer.lookups")
        self.configuration = configuration
        self.logger = logger
    }

    deinit {
        // The poll thread holds its own references, closes the consumer and lets the handle go.
        core.requestCloseDetached()
        Self.wake(client)
    }

    /// Creates a consumer for `configuration.groupID` and starts its poll thread. It consumes nothing until
    /// ``subscribe(topics:)``.
    public static func make(configuration: KafkaConfiguration, logger: Logger = Logger(label: "consdb.kafka")) throws -> KafkaConsumer {
        guard let groupID = configuration.groupID, !groupID.isEmpty else {
            throw KafkaError(code: .invalidArgument, message: "a consumer needs a group ID (KAFKA_GROUP_ID)", operation: "create consumer")
        }
        var logger = logger
        logger[metadataKey: "kafka.group"] = "\(groupID)"
        let core = ConsumerCore(capacity: configuration.messageBufferCapacity, logger: logger)
        let context = RDKafkaCallbackContext(
            logger: logger,
            onRebalance: { handle, error, partitions in core.handleRebalance(handle, error, partitions) },
            onError: { error in core.emit(.error(error)) }
        )
        let client = try RDKafkaClient.make(RD_KAFKA_CONSUMER, properties: configuration.librdkafkaProperties(for: .consumer), context: context)
        // Everything (rebalances, errors, logs queued for the app) is served by rd_kafka_consumer_poll.
        try KafkaError.check(rd_kafka_poll_set_consumer(client.pointer), operation: "create consumer")
        let consumer = KafkaConsumer(client: client, core: core, configuration: configuration, logger: logger)
        let thread = Thread { Self.pollLoop(client: client, core: core) }
        thread.name = "consdb.kafka.consumer"
        thread.start()
        return consumer
    }

    // MARK: - Messages and events

    /// The consumed messages, in order within each partition. Iteration ends when the consumer closes or
    /// the iterating task is cancelled. Several tasks may iterate; each message goes to one of them.
    public var messages: KafkaMessages { KafkaMessages(core: core) }

    /// Rebalances and errors. A single-consumer stream keeping the newest 1024 events if nobody reads
    /// it; it finishes when the consumer closes.
    public var events: AsyncStream<KafkaConsumerEvent> { core.events }

    /// The partitions currently assigned to this consumer.
    public var assignment: Set<KafkaTopicPartition> { core.assignment }

    // MARK: - Subscription, pause, resume, seek (on the poll thread)

    /// Subscribes to `topics` (replacing any earlier subscription); the group then assigns partitions.
    public func subscribe(topics: [String]) async throws {
        try await onPollThread("subscribe") { handle in
            let list = RDKafkaTopicPartitionList(topics: topics)
            try KafkaError.check(rd_kafka_subscribe(handle, list.pointer), operation: "subscribe")
        }
    }

    /// Reads `offsets`' partitions from the given offsets, outside the group's rebalances (a replay by
    /// time: nothing is committed for them unless asked). Replaces the assignment; do not mix with
    /// ``subscribe(topics:)`` on the same consumer.
    public func assign(_ offsets: [KafkaTopicPartition: Int64]) async throws {
        try await onPollThread("assign") { [core] handle in
            let sorted = offsets.sorted { $0.key < $1.key }
            let list = RDKafkaTopicPartitionList(sorted.map { ($0.key, $0.value) })
            try KafkaError.check(rd_kafka_assign(handle, list.pointer), operation: "assign")
            core.assign(sorted.map(\.key), replacing: true)
        }
    }

    /// Stops fetching `partitions` until ``resume(_:)``. Messages of theirs already fetched are held back.
    /// A pause does not survive the partition being revoked.
    public func pause(_ partitions: [KafkaTopicPartition]) async throws {
        try await onPollThread("pause") { [core] handle in
            core.pause(Set(partitions))
            let list = RDKafkaTopicPartitionList(partitions)
            try KafkaError.check(rd_kafka_pause_partitions(handle, list.pointer), operation: "pause")
            if let error = list.firstError(operation: "pause") { throw error }
        }
    }

    /// Resumes fetching paused `partitions`, first handing out what was held back.
    public func resume(_ partitions: [KafkaTopicPartition]) async throws {
        try await onPollThread("resume") { [core] handle in
            core.resume(Set(partitions))
            let list = RDKafkaTopicPartitionList(partitions)
            try KafkaError.check(rd_kafka_resume_partitions(handle, list.pointer), operation: "resume")
            if let error = list.firstError(operation: "resume") { throw error }
        }
    }

    /// Moves an assigned partition's position: the next message handed out for it is the one at `offset`
    /// (or the first after it). Buffered messages of the partition are dropped. Committed offsets do not
    /// change. `offset` may also be ``KafkaOffset/beginning`` or ``KafkaOffset/end``.
    public func seek(_ partition: KafkaTopicPartition, to offset: Int64) async throws {
        // Only an assigned partition has a fetch position to move.
        guard assignment.contains(partition) else {
            throw KafkaError(code: .unknownPartition, message: "partition is not assigned to this consumer", operation: "seek",
                             topic: partition.topic, partition: partition.partition)
        }
        try await onPollThread("seek") { [core] handle in
            core.drop([partition], repositionedAt: offset)
            let list = RDKafkaTopicPartitionList([(partition, offset)])
            // Asynchronous seek (timeout 0): a blocking seek on the poll thread timed out under load on
            // the mock cluster. librdkafka versions its fetch queue, so messages fetched from the old
            // position are discarded; a later failure arrives as an `.error` event. The partition's
            // entry then reads _IN_PROGRESS, which means the seek was started.
            try KafkaError.check(rd_kafka_seek_partitions(handle, list.pointer, 0), operation: "seek")
            if let error = list.firstError(operation: "seek"), error.code != KafkaError.Code(RD_KAFKA_RESP_ERR__IN_PROGRESS) {
                throw error
            }
        }
    }

    // MARK: - Offsets (on the control queue)

    /// Records offsets to commit later with ``commitStoredOffsets()`` (or at a revocation or ``close()``).
    /// An offset is the NEXT offset to read: the processed message's offset + 1. Only assigned partitions
    /// take stored offsets.
    public func storeOffsets(_ offsets: [KafkaTopicPartition: Int64]) throws {
        try ensureRunning("store offsets")
        let list = RDKafkaTopicPartitionList(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        try KafkaError.check(rd_kafka_offsets_store(client.pointer, list.pointer), operation: "store offsets")
        if let error = list.firstError(operation: "store offsets") { throw error }
    }

    /// Stores the offset after `message`: it has been processed.
    public func store(_ message: KafkaMessage) throws {
        try storeOffsets([message.topicPartition: message.offset + 1])
    }

    /// Commits the stored offsets synchronously. Nothing stored is not an error.
    public func commitStoredOffsets() async throws {
        try await onControlQueue("commit") { handle in
            let error = rd_kafka_commit(handle, nil, 0)
            guard error != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
            try KafkaError.check(error, operation: "commit")
        }
    }

    /// Commits `offsets` synchronously: each is the NEXT offset to read (last processed offset + 1), where
    /// a new member of the group starts. Only commit offsets whose preceding messages' work is done.
    ///
    /// `metadata` is kept with each partition's offset (Kafka's commit metadata; ``committedWithMetadata(_:timeout:)``
    /// reads it back): e.g. what the committed offset guarantees about the data after it.
    public func commit(offsets: [KafkaTopicPartition: Int64], metadata: [KafkaTopicPartition: String] = [:]) async throws {
        guard !offsets.isEmpty else { return }
        try await onControlQueue("commit") { handle in
            let list = RDKafkaTopicPartitionList(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value, metadata[$0.key]) })
            try KafkaError.check(rd_kafka_commit(handle, list.pointer, 0), operation: "commit")
            if let error = list.firstError(operation: "commit") { throw error }
        }
    }

    /// The group's committed offsets (the next offset to read) for `partitions`; partitions with none are
    /// absent.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        return try await onControlQueue("committed") { handle in
            try Self.committed(handle, partitions, timeout: timeout)
        }
    }

    private static func committed(_ handle: OpaquePointer, _ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: Int64] {
        try committedElements(handle, partitions, timeout: timeout).mapValues(\.offset)
    }

    /// The group's committed offsets for `partitions` with the metadata committed with them ("" when none);
    /// partitions with no committed offset are absent.
    public func committedWithMetadata(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: KafkaCommittedOffset] {
        guard !partitions.isEmpty else { return [:] }
        return try await onControlQueue("committed") { handle in
            try Self.committedElements(handle, partitions, timeout: timeout).mapValues { KafkaCommittedOffset(offset: $0.offset, metadata: $0.metadata ?? "") }
        }
    }

    private static func committedElements(_ handle: OpaquePointer, _ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: RDKafkaTopicPartitionList.Element] {
        let list = RDKafkaTopicPartitionList(partitions)
        try KafkaError.check(rd_kafka_committed(handle, list.pointer, milliseconds(timeout)), operation: "committed")
        if let error = list.firstError(operation: "committed") { throw error }
        var result: [KafkaTopicPartition: RDKafkaTopicPartitionList.Element] = [:]
        for element in list.elements where element.offset >= 0 {
            result[element.topicPartition] = element
        }
        return result
    }

    /// Asks the partition leader for a partition's low and high watermarks.
    public func watermarkOffsets(topic: String, partition: Int32, timeout: Duration = .seconds(10)) async throws -> KafkaWatermarks {
        try await onControlQueue("watermarks") { handle in
            try Self.watermarks(handle, KafkaTopicPartition(topic: topic, partition: partition), timeout: timeout)
        }
    }

    private static func watermarks(_ handle: OpaquePointer, _ partition: KafkaTopicPartition, timeout: Duration) throws -> KafkaWatermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        try KafkaError.check(
            rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, milliseconds(timeout)),
            operation: "watermarks", topic: partition.topic, partition: partition.partition
        )
        return KafkaWatermarks(low: low, high: high)
    }

    /// How many partitions each of `topics` has, from the cluster's metadata; topics the cluster does not
    /// know are absent.
    public func partitionCounts(_ topics: [String], timeout: Duration = .seconds(10)) async throws -> [String: Int] {
        guard !topics.isEmpty else { return [:] }
        return try await onControlQueue("metadata") { handle in
            var counts: [String: Int] = [:]
            for topic in topics {
                guard let topicHandle = rd_kafka_topic_new(handle, topic, nil) else { continue }
                defer { rd_kafka_topic_destroy(topicHandle) }
                var metadata: UnsafePointer<rd_kafka_metadata>?
                try KafkaError.check(rd_kafka_metadata(handle, 0, topicHandle, &metadata, Self.milliseconds(timeout)), operation: "metadata", topic: topic)
                guard let metadata else { continue }
                defer { rd_kafka_metadata_destroy(metadata) }
                for index in 0..<Int(metadata.pointee.topic_cnt) {
                    let entry = metadata.pointee.topics[index]
                    guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, String(cString: entry.topic) == topic else { continue }
                    counts[topic] = Int(entry.partition_cnt)
                }
            }
            return counts
        }
    }

    /// The broker's answer to ListOffsets by time (`rd_kafka_offsets_for_times`): per partition, the first
    /// offset whose timestamp is at or after the given one (milliseconds since the epoch), or `nil` when the
    /// broker knows none. librdkafka's mock cluster answers `nil` for everything; see ``offsetForTime(_:atOrAfter:timeout:)``.
    public func offsetsForTimes(_ timestamps: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64?] {
        guard !timestamps.isEmpty else { return [:] }
        return try await onControlQueue("offsets for times") { handle in
            let list = RDKafkaTopicPartitionList(timestamps.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            try KafkaError.check(rd_kafka_offsets_for_times(handle, list.pointer, Self.milliseconds(timeout)), operation: "offsets for times")
            if let error = list.firstError(operation: "offsets for times") { throw error }
            var result: [KafkaTopicPartition: Int64?] = [:]
            for element in list.elements {
                result[element.topicPartition] = element.offset >= 0 ? element.offset : nil
            }
            return result
        }
    }

    /// The first offset in `partition` whose message timestamp is at or after `timestamp` (milliseconds
    /// since the epoch), or the high watermark if there is none: where to start a replay by time.
    ///
    /// Asks the broker first (``offsetsForTimes(_:timeout:)``). When it has no answer (librdkafka's mock
    /// cluster never has one), bisects the offsets between the watermarks on message timestamps, reading
    /// single messages with a short-lived, group-less reader of its own, which leaves this consumer's
    /// assignment and positions alone; it takes about log2(messages) reads. The bisection assumes
    /// timestamps do not decrease along the partition (true for broker time and for producers that stamp
    /// in order); otherwise it returns some offset where they cross `timestamp`.
    public func offsetForTime(_ partition: KafkaTopicPartition, atOrAfter timestamp: Int64, timeout: Duration = .seconds(30)) async throws -> Int64 {
        if let answer = try await offsetsForTimes([partition: timestamp], timeout: timeout)[partition], let answer {
            return answer
        }
        let configuration = configuration
        let logger = logger
        return try await onControlQueue("offset for time", queue: lookups) { handle in
            let watermarks = try Self.watermarks(handle, partition, timeout: timeout)
            guard watermarks.high > watermarks.low else { return watermarks.high }
            let reader = try PartitionReader(configuration: configuration, partition: partition, logger: logger)
            defer { reader.close() }
            return try OffsetBisection.firstOffset(atOrAfter: timestamp, low: watermarks.low, high: watermarks.high) { from, below in
                try reader.firstMessage(from: from, below: below, timeout: timeout)
            }
        }
    }

    /// Per assigned partition, how many messages are left to read: the high watermark (from the latest
    /// fetch response; asked of the broker when there is none yet) minus the position (after the last
    /// message handed out; else the committed offset; else where `auto.offset.reset` starts). Cheap enough
    /// for a metrics scrape once the partitions are being fetched.
    public func lag(timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: Int64] {
        let partitions = core.assignment.sorted()
        guard !partitions.isEmpty else { return [:] }
        let positions = core.handedOutPositions
        let reset = configuration.autoOffsetReset
        return try await onControlQueue("lag") { handle in
            let unknown = partitions.filter { positions[$0] == nil }
            let committed = unknown.isEmpty ? [:] : try Self.committed(handle, unknown, timeout: timeout)
            var lag: [KafkaTopicPartition: Int64] = [:]
            for partition in partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                let cached = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
                let watermarks = cached == RD_KAFKA_RESP_ERR_NO_ERROR && low >= 0 && high >= 0
                    ? KafkaWatermarks(low: low, high: high)
                    : try Self.watermarks(handle, partition, timeout: timeout)
                let position = positions[partition] ?? committed[partition] ?? (reset == .latest ? watermarks.high : watermarks.low)
                lag[partition] = max(0, watermarks.high - max(position, watermarks.low))
            }
            return lag
        }
    }

    // MARK: - Closing

    /// Commits stored offsets, leaves the group (`rd_kafka_consumer_close`, on the poll thread) and ends
    /// ``messages`` and ``events``. Returns when done; calling it again returns at once. Messages buffered
    /// but not handed out are dropped (their offsets were not committed).
    public func close() async {
        core.requestCloseDetached()
        Self.wake(client)
        await core.requestClose()
    }

    // MARK: - Running work

    private func ensureRunning(_ operation: String) throws {
        guard core.isRunning else { throw KafkaError.closed(operation) }
    }

    /// Runs `body` on the poll thread between polls.
    private func onPollThread<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let queued = core.enqueue { handle in continuation.resume(with: Result { try body(handle) }) }
            guard queued else {
                continuation.resume(throwing: KafkaError.closed(operation))
                return
            }
            Self.wake(client)
        }
    }

    /// Runs a blocking query or commit on the control queue (or `queue`).
    private func onControlQueue<T: Sendable>(
        _ operation: String, queue: DispatchQueue? = nil, _ body: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        try ensureRunning(operation)
        let client = client
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            (queue ?? control).async { continuation.resume(with: Result { try body(client.pointer) }) }
        }
    }

    /// Interrupts a `rd_kafka_consumer_poll` in progress (`rd_kafka_yield` does not reach the consumer queue).
    private static func wake(_ client: RDKafkaClient) {
        guard let queue = rd_kafka_queue_get_consumer(client.pointer) else { return }
        rd_kafka_queue_yield(queue)
        rd_kafka_queue_destroy(queue)
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let value = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, value))
    }

    // MARK: - The poll thread

    private static func pollLoop(client: RDKafkaClient, core: ConsumerCore) {
        let handle = client.pointer
        while true {
            let work = core.takeWork()
            for command in work.commands { command(handle) }
            if work.closing { break }
            if work.bufferFull { continue }
            guard let message = rd_kafka_consumer_poll(handle, pollTimeoutMilliseconds) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let error = message.pointee.err
            if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                core.deliver(KafkaMessage(copying: message))
            } else if error != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
                let failure = KafkaError(
                    error, operation: "consume", topic: topic,
                    partition: topic == nil ? nil : message.pointee.partition,
                    message: String(cString: rd_kafka_message_errstr(message))
                )
                core.logger.warning("consumer error", metadata: ["event": "kafka.consume_error", "code": "\(failure.code.name)", "topic": "\(topic ?? "")"])
                core.emit(.error(failure))
            }
        }
        core.commitStored(handle, operation: "commit on close")
        let error = rd_kafka_consumer_close(handle)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            core.logger.warning("closing the consumer failed", metadata: ["event": "kafka.close_error", "code": "\(KafkaError.Code(rawValue: error.rawValue).name)"])
        }
        core.finishClose()
        core.logger.debug("consumer closed", metadata: ["event": "kafka.consumer_closed"])
    }
}

extension ConsumerCore {
    /// The rebalance callback, on the poll thread inside `rd_kafka_consumer_poll`.
    func handleRebalance(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let partitions = RDKafkaTopicPartitionList.elements(of: list).map(\.topicPartition)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let failure: KafkaError?
            if cooperative {
                failure = rd_kafka_incremental_assign(handle, list).map { KafkaError(consuming: $0, operation: "assign") }
            } else {
                let code = rd_kafka_assign(handle, list)
                failure = code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code, operation: "assign")
            }
            assign(partitions, replacing: !cooperative)
            logger.info("partitions assigned", metadata: ["event": "kafka.assigned", "partitions": "\(partitions.map(\.description).joined(separator: ","))"])
            emit(.assigned(partitions))
            if let failure { emit(.error(failure)) }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            if !lost { commitStored(handle, operation: "commit on revoke") }
            let wasPaused = revoke(Set(partitions))
            if !wasPaused.isEmpty {
                let resumed = RDKafkaTopicPartitionList(wasPaused.sorted())
                _ = rd_kafka_resume_partitions(handle, resumed.pointer)
            }
            if cooperative {
                if let failure = rd_kafka_incremental_unassign(handle, list).map({ KafkaError(consuming: $0, operation: "unassign") }) {
                    emit(.error(failure))
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
            logger.info(lost ? "partitions lost" : "partitions revoked", metadata: [
                "event": lost ? "kafka.lost" : "kafka.revoked", "partitions": "\(partitions.map(\.description).joined(separator: ","))",
            ])
            emit(lost ? .lost(partitions) : .revoked(partitions))
        default:
            let failure = KafkaError(error, operation: "rebalance")
            logger.error("rebalance failed", metadata: ["event": "kafka.rebalance_error", "code": "\(failure.code.name)"])
            _ = revoke(assignment)
            _ = rd_kafka_assign(handle, nil)
            emit(.error(failure))
        }
    }

    /// Commits stored offsets synchronously; logs and reports failures (nothing stored is fine).
    func commitStored(_ handle: OpaquePointer, operation: String) {
        let error = rd_kafka_commit(handle, nil, 0)
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR, error != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
        let failure = KafkaError(error, operation: operation)
        logger.warning("committing stored offsets failed", metadata: ["event": "kafka.commit_error", "code": "\(failure.code.name)"])
        emit(.error(failure))
    }
}

/// Special offsets for ``KafkaConsumer/seek(_:to:)``.
/// A committed offset (the next offset to read) and the metadata committed with it.
public struct KafkaCommittedOffset: Sendable, Hashable {
    public var offset: Int64
    public var metadata: String

    public init(offset: Int64, metadata: String) {
        self.offset = offset
        self.metadata = metadata
    }
}

public enum KafkaOffset {
    /// The partition's first stored message.
    public static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    /// After the last message: only new messages.
    public static let end = Int64(RD_KAFKA_OFFSET_END)
}

/// The messages of a ``KafkaConsumer``.
public struct KafkaMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaMessage
    let core: ConsumerCore

    public struct AsyncIterator: AsyncIteratorProtocol {
        let core: ConsumerCore

        public mutating func next() async -> KafkaMessage? {
            await core.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(core: core)
    }
}
