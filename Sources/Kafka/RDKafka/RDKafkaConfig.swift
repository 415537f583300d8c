import CRdKafka

/// Owns an `rd_kafka_conf_t` until `rd_kafka_new` takes it.
final class RDKafkaConfig {
    /// `nil` once handed over to `rd_kafka_new`.
    private var pointer: OpaquePointer?

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    /// A configuration with `properties` set (in key order, so failures are reproducible).
    /// A rejected property becomes a `KafkaError` naming the property; librdkafka's message, which repeats
    /// the value, is kept only for properties that cannot be secrets.
    static func make(properties: [String: String]) throws -> RDKafkaConfig {
        let config = RDKafkaConfig(pointer: rd_kafka_conf_new())
        for key in properties.keys.sorted() {
            try config.set(key, properties[key]!)
        }
        return config
    }

    func set(_ key: String, _ value: String) throws {
        guard let pointer else { preconditionFailure("configuration already used") }
        var buffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &buffer, buffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            let detail = Self.mayBeSecret(key)
                ? "invalid value for configuration property \(key)"
                : buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(
                code: .invalidArgument,
                message: result == RD_KAFKA_CONF_UNKNOWN ? "unknown configuration property \(key)" : detail,
                operation: "configure \(key)"
            )
        }
    }

    static func mayBeSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "key", "sasl", "token", "credential"].contains { lowered.contains($0) }
    }

    /// Registers the callbacks `context` needs and makes it the configuration's opaque pointer.
    /// The client that is made from this configuration must keep `context` alive.
    func install(_ context: RDKafkaCallbackContext) {
        guard let pointer else { preconditionFailure("configuration already used") }
        rd_kafka_conf_set_opaque(pointer, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(pointer, RDKafkaCallbackContext.logCallback)
        rd_kafka_conf_set_error_cb(pointer, RDKafkaCallbackContext.errorCallback)
        if context.onRebalance != nil {
            rd_kafka_conf_set_rebalance_cb(pointer, RDKafkaCallbackContext.rebalanceCallback)
        }
        if context.onDelivery != nil {
            rd_kafka_conf_set_dr_msg_cb(pointer, RDKafkaCallbackContext.deliveryCallback)
        }
    }

    /// Hands the configuration over; `rd_kafka_new` owns it if it succeeds, so call `restore` if it fails.
    func take() -> OpaquePointer {
        guard let pointer else { preconditionFailure("configuration already used") }
        self.pointer = nil
        return pointer
    }

    /// Takes the configuration back after `rd_kafka_new` failed (it then still belongs to the caller).
    func restore(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }
}
