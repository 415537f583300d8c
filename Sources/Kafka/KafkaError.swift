import CRdKafka

/// An error from librdkafka or from this wrapper, with where it happened.
///
/// `description` is redacted: it names the error code, its fixed librdkafka explanation and the context
/// (operation, topic, partition), never librdkafka's free-form message, which can carry broker addresses,
/// user names or configuration values. `debugDescription` (`String(reflecting:)`) has everything.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A librdkafka error code (`rd_kafka_resp_err_t`), named as librdkafka names it
    /// (`rd_kafka_err2name`): `_TRANSPORT`, `_TIMED_OUT`, `UNKNOWN_TOPIC_OR_PART`, ...
    /// Names with a leading underscore are client-side errors; the others come from the broker.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The numeric `rd_kafka_resp_err_t` value.
        public let rawValue: Int32

        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        init(_ error: rd_kafka_resp_err_t) {
            self.rawValue = error.rawValue
        }

        /// librdkafka's name for the code, e.g. `_TIMED_OUT`.
        public var name: String {
            String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
        }

        /// librdkafka's fixed human-readable explanation of the code.
        public var explanation: String {
            String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: rawValue)))
        }

        public var description: String { name }

        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        public static let noOffset = Code(RD_KAFKA_RESP_ERR__NO_OFFSET)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
    }

    public var code: Code
    /// librdkafka's message (or ours); may name brokers or configuration values, so it is only in
    /// `debugDescription`.
    public var message: String
    /// What was being done: `commit`, `produce`, `seek`, `configure`, ...
    public var operation: String
    public var topic: String?
    public var partition: Int32?

    public init(code: Code, message: String, operation: String, topic: String? = nil, partition: Int32? = nil) {
        self.code = code
        self.message = message
        self.operation = operation
        self.topic = topic
        self.partition = partition
    }

    init(_ error: rd_kafka_resp_err_t, operation: String, topic: String? = nil, partition: Int32? = nil, message: String? = nil) {
        let code = Code(error)
        self.init(code: code, message: message ?? code.explanation, operation: operation, topic: topic, partition: partition)
    }

    /// Takes over an `rd_kafka_error_t` (and destroys it).
    init(consuming error: OpaquePointer, operation: String, topic: String? = nil, partition: Int32? = nil) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: Code(rd_kafka_error_code(error)), message: String(cString: rd_kafka_error_string(error)),
            operation: operation, topic: topic, partition: partition
        )
    }

    /// The wrapper's own error for a call on a consumer or producer that has been closed.
    static func closed(_ operation: String) -> KafkaError {
        KafkaError(code: .state, message: "the client is closed", operation: operation)
    }

    private var context: String {
        var parts = ["operation: \(operation)"]
        if let topic { parts.append("topic: \(topic)") }
        if let partition { parts.append("partition: \(partition)") }
        return parts.joined(separator: ", ")
    }

    public var description: String {
        "KafkaError(\(code.name): \(code.explanation); \(context))"
    }

    public var debugDescription: String {
        "KafkaError(\(code.name) [\(code.rawValue)]: \(message); \(context))"
    }
}
