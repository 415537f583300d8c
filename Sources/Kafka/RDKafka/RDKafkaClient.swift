import CRdKafka
import Foundation

/// Owns one `rd_kafka_t`. `deinit` destroys it; consumers must have been closed
/// (`rd_kafka_consumer_close`) on their poll thread before the last reference goes.
final class RDKafkaClient: @unchecked Sendable {
    // @unchecked Sendable: the pointer is immutable and librdkafka's API is thread-safe for every call
    // this module makes on it; calls that must not run concurrently (polling, closing) are confined to
    // the owner's poll thread by the owner.
    let pointer: OpaquePointer
    /// Kept so the callbacks' opaque pointer stays valid until `rd_kafka_destroy` has returned.
    private let context: RDKafkaCallbackContext

    private init(pointer: OpaquePointer, context: RDKafkaCallbackContext) {
        self.pointer = pointer
        self.context = context
    }

    deinit {
        // rd_kafka_destroy joins librdkafka's threads, which can take long (a broker thread finishing a
        // request) or, with librdkafka 2.0.2, for ever (a consumer closed after a subscribed topic vanished
        // from the metadata). A thread of its own keeps that off Swift's cooperative pool, and off the
        // main thread, so a process can still exit.
        let handle = DestroyedHandle(pointer: pointer, context: context)
        let thread = Thread {
            rd_kafka_destroy(handle.pointer)
            withExtendedLifetime(handle.context) {}
        }
        thread.name = "consdb.kafka.destroy"
        thread.start()
    }

    /// What the destroying thread takes over: nothing else uses either any more.
    private struct DestroyedHandle: @unchecked Sendable {
        let pointer: OpaquePointer
        let context: RDKafkaCallbackContext
    }

    static func make(_ type: rd_kafka_type_t, properties: [String: String], context: RDKafkaCallbackContext) throws -> RDKafkaClient {
        let config = try RDKafkaConfig.make(properties: properties)
        config.install(context)
        var buffer = [CChar](repeating: 0, count: 512)
        let conf = config.take()
        guard let pointer = rd_kafka_new(type, conf, &buffer, buffer.count) else {
            config.restore(conf)
            throw KafkaError(
                code: .invalidArgument, message: buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) },
                operation: type == RD_KAFKA_CONSUMER ? "create consumer" : "create producer"
            )
        }
        return RDKafkaClient(pointer: pointer, context: context)
    }

    var name: String { String(cString: rd_kafka_name(pointer)) }
}

/// Owns an `rd_kafka_topic_partition_list_t` built from Swift values.
final class RDKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// A list of partitions with offsets (`RD_KAFKA_OFFSET_INVALID` where none applies).
    init(_ entries: [(KafkaTopicPartition, Int64)]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))
        for (topicPartition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(pointer, topicPartition.topic, topicPartition.partition)
            element?.pointee.offset = offset
        }
    }

    /// A list of partitions with offsets and commit metadata (copied into memory the list frees).
    convenience init(_ entries: [(KafkaTopicPartition, Int64, String?)]) {
        self.init(entries.map { ($0.0, $0.1) })
        for (index, entry) in entries.enumerated() {
            guard let metadata = entry.2, !metadata.isEmpty, let elements = pointer.pointee.elems else { continue }
            let bytes = Array(metadata.utf8)
            // rd_kafka_topic_partition_list_destroy frees the metadata with free().
            guard let copy = malloc(bytes.count) else { continue }
            bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            elements[index].metadata = copy
            elements[index].metadata_size = bytes.count
        }
    }

    convenience init(_ partitions: some Sequence<KafkaTopicPartition>) {
        self.init(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
    }

    /// Topics for `rd_kafka_subscribe` (partition unassigned).
    convenience init(topics: [String]) {
        self.init(topics.map { (KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), Int64(RD_KAFKA_OFFSET_INVALID)) })
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    struct Element {
        var topicPartition: KafkaTopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
        /// The commit metadata (committed offsets only), as UTF-8 text.
        var metadata: String?
    }

    var elements: [Element] { Self.elements(of: pointer) }

    /// Copies a list librdkafka owns (e.g. in a rebalance callback).
    static func elements(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [Element] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map { index in
            let element = elements[index]
            return Element(
                topicPartition: KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition),
                offset: element.offset, error: element.err,
                metadata: element.metadata.flatMap { bytes in
                    element.metadata_size > 0
                        ? String(decoding: UnsafeRawBufferPointer(start: bytes, count: element.metadata_size), as: UTF8.self) : nil
                }
            )
        }
    }

    /// The first per-partition error, as a `KafkaError` for `operation`.
    func firstError(operation: String) -> KafkaError? {
        elements.first { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }.map {
            KafkaError($0.error, operation: operation, topic: $0.topicPartition.topic, partition: $0.topicPartition.partition)
        }
    }
}

extension KafkaError {
    /// Throws for anything but `RD_KAFKA_RESP_ERR_NO_ERROR`.
    static func check(_ error: rd_kafka_resp_err_t, operation: String, topic: String? = nil, partition: Int32? = nil) throws {
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw KafkaError(error, operation: operation, topic: topic, partition: partition)
    }

    /// Throws (and destroys) a non-nil `rd_kafka_error_t`.
    static func check(_ error: OpaquePointer?, operation: String) throws {
        guard let error else { return }
        throw KafkaError(consuming: error, operation: operation)
    }
}

extension KafkaMessage {
    /// Copies a message out of librdkafka (the caller still destroys it).
    init(copying message: UnsafePointer<rd_kafka_message_t>) {
        let raw = message.pointee
        let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        let value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                ))
                index += 1
            }
        }
        self.init(
            topic: topic, partition: raw.partition, offset: raw.offset, key: key, value: value,
            timestamp: KafkaTimestamp(message), headers: headers
        )
    }
}

extension KafkaTimestamp {
    init?(_ message: UnsafePointer<rd_kafka_message_t>) {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: self.init(milliseconds: milliseconds, kind: .createTime)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: self.init(milliseconds: milliseconds, kind: .logAppendTime)
        default: return nil
        }
    }
}
