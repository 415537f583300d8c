import CRdKafka
import Foundation
import Logging

/// Finding where a partition reaches a time by bisecting its offsets on message timestamps, for brokers
/// that cannot answer ListOffsets by time (librdkafka's mock cluster).
enum OffsetBisection {
    /// A message found by a probe: its offset and timestamp (milliseconds).
    struct Probe: Equatable {
        var offset: Int64
        var timestamp: Int64
    }

    /// The smallest offset in `low..<high` whose message has a timestamp at or after `timestamp`, or
    /// `high` if none does, assuming timestamps do not decrease with offsets.
    ///
    /// `read(from, below)` returns the first message at an offset in `from..<below`, or `nil` if there is
    /// none (offsets may have gaps: compaction, transaction markers, retention). Each step halves the range,
    /// so it takes about log2(high - low) reads.
    static func firstOffset(atOrAfter timestamp: Int64, low: Int64, high: Int64, read: (Int64, Int64) throws -> Probe?) rethrows -> Int64 {
        var answer = high
        var lower = low
        var upper = high
        // Invariant: the answer is `answer` or an existing offset in lower..<upper.
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            guard let probe = try read(middle, upper), probe.offset < upper else {
                upper = middle  // nothing stored in middle..<upper
                continue
            }
            if probe.timestamp >= timestamp {
                answer = probe.offset
                upper = middle  // nothing stored in middle..<probe.offset
            } else {
                lower = probe.offset + 1
            }
        }
        return answer
    }
}

/// A short-lived consumer that reads single messages of one partition at chosen offsets, for
/// ``OffsetBisection``. It has a throwaway group ID, never joins the group and never commits; it only
/// assigns the partition at an offset and polls. Blocking: use it off the cooperative pool.
final class PartitionReader {
    private let client: RDKafkaClient
    private let partition: KafkaTopicPartition

    init(configuration: KafkaConfiguration, partition: KafkaTopicPartition, logger: Logger) throws {
        var properties = configuration.librdkafkaProperties(for: .consumer)
        properties["group.id"] = "consdb-offset-probe-\(UUID().uuidString.lowercased())"
        properties["enable.partition.eof"] = "true"
        properties["auto.offset.reset"] = "earliest"
        properties["queued.min.messages"] = "1"
        properties["fetch.wait.max.ms"] = "10"
        self.client = try RDKafkaClient.make(RD_KAFKA_CONSUMER, properties: properties, context: RDKafkaCallbackContext(logger: logger))
        self.partition = partition
        try KafkaError.check(rd_kafka_poll_set_consumer(client.pointer), operation: "create offset reader")
    }

    /// The first message at an offset in `from..<below`, or `nil` when the partition ends first.
    func firstMessage(from: Int64, below: Int64, timeout: Duration) throws -> OffsetBisection.Probe? {
        let handle = client.pointer
        let list = RDKafkaTopicPartitionList([(partition, from)])
        try KafkaError.check(rd_kafka_assign(handle, list.pointer), operation: "assign", topic: partition.topic, partition: partition.partition)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = rd_kafka_consumer_poll(handle, 100) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let raw = message.pointee
            guard raw.partition == partition.partition,
                  raw.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) == partition.topic
            else { continue }
            switch raw.err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                guard raw.offset >= from else { continue }  // from an earlier assignment
                if raw.offset >= below { return nil }
                let timestamp = KafkaTimestamp(message)?.milliseconds ?? Int64.min
                return OffsetBisection.Probe(offset: raw.offset, timestamp: timestamp)
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                guard raw.offset >= from else { continue }
                return nil
            default:
                throw KafkaError(
                    raw.err, operation: "read for offset search", topic: partition.topic, partition: partition.partition,
                    message: String(cString: rd_kafka_message_errstr(message))
                )
            }
        }
        throw KafkaError(code: .timedOut, message: "no message or partition end within the timeout", operation: "read for offset search", topic: partition.topic, partition: partition.partition)
    }

    /// Unassigns and closes the reader (it never joined a group, so this is quick).
    func close() {
        _ = rd_kafka_assign(client.pointer, nil)
        _ = rd_kafka_consumer_close(client.pointer)
    }
}
