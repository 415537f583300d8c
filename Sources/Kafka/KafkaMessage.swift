/// One partition of one topic.
public struct KafkaTopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: KafkaTopicPartition, rhs: KafkaTopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A record header. Kafka allows repeated keys and null values; order is kept.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// A message timestamp in milliseconds since the Unix epoch, and what set it.
public struct KafkaTimestamp: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Set by the producer (explicitly, or the time of sending).
        case createTime
        /// Set by the broker when it appended the message (topic setting `message.timestamp.type`).
        case logAppendTime
    }

    public var milliseconds: Int64
    public var kind: Kind

    public init(milliseconds: Int64, kind: Kind) {
        self.milliseconds = milliseconds
        self.kind = kind
    }
}

/// A consumed message, copied out of librdkafka.
public struct KafkaMessage: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// `nil` for a null key.
    public var key: [UInt8]?
    /// Empty for an empty or null value.
    public var value: [UInt8]
    /// `nil` when the message carries none (old message format).
    public var timestamp: KafkaTimestamp?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8],
        timestamp: KafkaTimestamp?, headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}

/// Where the producer's broker stored a message.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The broker's log-append time if it returned one, else the message's create time. (librdkafka's
    /// mock cluster always returns a log-append time of 1234.)
    public var timestamp: KafkaTimestamp?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: KafkaTimestamp?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }
}

/// A message to produce.
public struct KafkaOutgoingMessage: Sendable, Hashable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// `nil` lets the partitioner choose (by key hash, or at random for a null key).
    public var partition: Int32?
    /// Milliseconds since the Unix epoch; `nil` for the time of sending.
    public var timestamp: Int64?

    public init(
        topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [],
        partition: Int32? = nil, timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
        self.timestamp = timestamp
    }
}

/// A partition's low and high watermarks: the first offset still stored and the offset the next
/// message will get. The partition holds `high - low` messages (fewer if some were compacted).
public struct KafkaWatermarks: Sendable, Hashable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}

/// Something that happened to a consumer, apart from messages.
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// The group gave this consumer these partitions (with the eager protocol: the whole new
    /// assignment; with cooperative-sticky: the partitions added).
    case assigned([KafkaTopicPartition])
    /// The group took these partitions away in an orderly rebalance. Offsets stored before the revocation
    /// were committed first (Kafka accepts commits while a rebalance is in progress; librdkafka's mock
    /// cluster refuses them with REBALANCE_IN_PROGRESS, reported as an `.error`, and the next owner then
    /// reads those messages again). Buffered messages of theirs not yet handed out were dropped.
    case revoked([KafkaTopicPartition])
    /// The partitions were lost (this member was thrown out of the group, e.g. after a session timeout);
    /// nothing was committed for them.
    case lost([KafkaTopicPartition])
    /// An error librdkafka reported; most are transient (brokers down) and retried by librdkafka.
    case error(KafkaError)
}
