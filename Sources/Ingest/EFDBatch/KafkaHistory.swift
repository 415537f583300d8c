import Avro
import EFD
import Foundation
import Kafka
import Synchronization

/// EFD history replayed from Kafka (`--source kafka`), for telemetry still retained there: per topic and
/// task, each partition is read from the first offset stamped at or after the task's start (the broker's
/// offsets-for-times, or a bisection on message timestamps where the broker has no answer) up to a
/// message stamped past its end, or the partition's end. Messages are decoded as the stream decodes them
/// (registry, `private_efdStamp`), and only samples whose EFD time is in the range are kept. Undecodable
/// messages are skipped here (the stream dead-letters them).
public actor KafkaHistory: TelemetryHistory {
    let consumer: KafkaConsumer
    let registry: SchemaRegistryClient
    /// Kafka timestamps are the producer's clock, EFD times SAL's: read this much beyond the range on
    /// both sides so that no sample in it is missed.
    let slack: Double
    /// A read that gets no message for this long while messages remain fails (transient: retried).
    let stall: Duration

    /// - Parameter consumer: a consumer of its own (a group that never commits); this replaces its assignment.
    public init(consumer: KafkaConsumer, registry: SchemaRegistryClient, slack: Double = 60, stall: Duration = .seconds(30)) {
        self.consumer = consumer
        self.registry = registry
        self.slack = slack
        self.stall = stall
    }

    /// A replay that stopped getting messages, or a topic the cluster does not have.
    public struct ReplayError: Error, CustomStringConvertible {
        public var description: String
    }

    public func fieldNames(topic: String) async throws -> Set<String>? { nil }

    public func read(topic: String, from: Double, through: Double, into buffer: inout TopicBuffer) async throws -> HistoryReadStats {
        let started = ContinuousClock.now
        guard let count = try await consumer.partitionCounts([topic])[topic], count > 0 else { return HistoryReadStats() }
        var starts: [KafkaTopicPartition: Int64] = [:]
        var ends: [KafkaTopicPartition: Int64] = [:]
        for index in 0..<count {
            let partition = KafkaTopicPartition(topic: topic, partition: Int32(index))
            let high = try await consumer.watermarkOffsets(topic: topic, partition: Int32(index)).high
            let start = try await consumer.offsetForTime(partition, atOrAfter: Int64(((from - slack) * 1000).rounded(.down)))
            if start < high {
                starts[partition] = start
                ends[partition] = high
            }
        }
        guard !starts.isEmpty else { return HistoryReadStats() }
        try await consumer.assign(starts)
        let replayed = try await replay(topic: topic, fields: buffer.fieldNames, ends: ends, from: from, through: through)
        for row in replayed.rows {
            try row.values.withUnsafeBufferPointer { try buffer.append(time: row.time, values: $0) }
        }
        var stats = HistoryReadStats(rows: replayed.rows.count, bytes: replayed.bytes, parsing: replayed.decoding)
        stats.waiting = ContinuousClock.now - started - replayed.decoding
        return stats
    }

    private struct Replayed: Sendable {
        var rows: [(time: Double, values: [Double])] = []
        var bytes = 0
        var decoding: Duration = .zero
    }

    /// Reads the assigned partitions until each is past `through + slack` or at its end; fails when no
    /// message comes for `stall`.
    private func replay(topic: String, fields: [String], ends: [KafkaTopicPartition: Int64], from: Double, through: Double) async throws -> Replayed {
        let consumer = consumer
        let registry = registry
        let stopAfter = Int64(((through + slack) * 1000).rounded(.up))
        let lastProgress = LastProgress()
        let stall = stall
        return try await withThrowingTaskGroup(of: Replayed?.self) { group in
            group.addTask {
                var result = Replayed()
                var open = ends
                var decoder = TelemetryDecoder(registry: registry, topicFields: [topic: fields])
                var values: [Double] = []
                for await message in consumer.messages {
                    lastProgress.mark()
                    let partition = message.topicPartition
                    guard let end = open[partition] else { continue }
                    if message.offset >= end - 1 || (message.timestamp?.milliseconds ?? 0) > stopAfter { open[partition] = nil }
                    if (message.timestamp?.milliseconds ?? Int64.min) <= stopAfter {
                        let decoding = ContinuousClock.now
                        result.bytes += message.value.count
                        if let time = try? await decoder.decode(topic: topic, message: message.value, into: &values), time >= from, time <= through {
                            result.rows.append((time, values))
                        }
                        result.decoding += ContinuousClock.now - decoding
                    }
                    if open.isEmpty { return result }
                }
                throw CancellationError()
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    if ContinuousClock.now - lastProgress.time > stall { return nil }
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw ReplayError(description: "replaying \(topic) from Kafka: no message for \(stall) while some remained")
            }
            return result
        }
    }
}

/// When the replay last got a message (shared by the reading task and its watchdog).
private final class LastProgress: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func mark() { instant.withLock { $0 = ContinuousClock.now } }
    var time: ContinuousClock.Instant { instant.withLock { $0 } }
}
