import CRdKafka
import Logging

/// What librdkafka's C callbacks reach through the configuration's opaque pointer.
///
/// Immutable after creation. The client made with it keeps it alive until `rd_kafka_destroy` has
/// returned, so no callback can outlive it. Log and error callbacks may run on librdkafka's own threads;
/// rebalance and delivery callbacks run inside `rd_kafka_consumer_poll` / `rd_kafka_poll`, i.e. on the
/// client's poll thread.
final class RDKafkaCallbackContext: Sendable {
    typealias RebalanceHandler = @Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void
    typealias DeliveryHandler = @Sendable (UnsafePointer<rd_kafka_message_t>) -> Void
    typealias ErrorHandler = @Sendable (KafkaError) -> Void

    let logger: Logger
    let onRebalance: RebalanceHandler?
    let onDelivery: DeliveryHandler?
    let onError: ErrorHandler?

    init(logger: Logger, onRebalance: RebalanceHandler? = nil, onDelivery: DeliveryHandler? = nil, onError: ErrorHandler? = nil) {
        self.logger = logger
        self.onRebalance = onRebalance
        self.onDelivery = onDelivery
        self.onError = onError
    }

    private static func context(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbackContext? {
        opaque.map { Unmanaged<RDKafkaCallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// librdkafka's log lines (syslog levels) into swift-log instead of stderr.
    static let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { handle, level, facility, text in
        guard let handle, let context = context(rd_kafka_opaque(handle)) else { return }
        let swiftLevel: Logger.Level = switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
        context.logger.log(level: swiftLevel, "\(text.map { String(cString: $0) } ?? "")", metadata: [
            "event": "kafka.librdkafka",
            "facility": "\(facility.map { String(cString: $0) } ?? "")",
            "client": "\(String(cString: rd_kafka_name(handle)))",
        ])
    }

    static let errorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { handle, code, reason, opaque in
        guard let context = context(opaque) else { return }
        let error = KafkaError(
            code: KafkaError.Code(rawValue: code), message: reason.map { String(cString: $0) } ?? "", operation: "client"
        )
        context.logger.warning("librdkafka reported an error", metadata: [
            "event": "kafka.error", "code": "\(error.code.name)",
            "client": "\(handle.map { String(cString: rd_kafka_name($0)) } ?? "")",
        ])
        context.onError?(error)
    }

    static let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = { handle, error, partitions, opaque in
        guard let handle, let partitions, let context = context(opaque), let handler = context.onRebalance else { return }
        handler(handle, error, partitions)
    }

    static let deliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, opaque in
        guard let message, let context = context(opaque), let handler = context.onDelivery else { return }
        handler(message)
    }
}
