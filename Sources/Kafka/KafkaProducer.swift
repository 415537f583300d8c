import CRdKafka
import Dispatch
import Foundation
import Logging

/// A producer whose sends return the broker's delivery report.
///
/// Sending only enqueues into librdkafka (non-blocking); a dedicated thread runs `rd_kafka_poll`, which
/// serves the delivery reports, and each report resumes the task waiting for it (messages carry a
/// per-message id as their opaque). `flush` runs on a dispatch queue. Nothing blocks the cooperative pool.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient
    private let core: ProducerCore
    private let control: DispatchQueue
    private let deliveryTimeout: Duration

    private init(client: RDKafkaClient, core: ProducerCore, deliveryTimeout: Duration) {
        self.client = client
        self.core = core
        self.control = DispatchQueue(label: "consdb.kafka.producer.control")
        self.deliveryTimeout = deliveryTimeout
    }

    deinit {
        // The poll thread holds its own references, flushes and lets the handle go.
        core.requestCloseDetached(timeout: .seconds(10))
        rd_kafka_yield(client.pointer)
    }

    public static func make(configuration: KafkaConfiguration, logger: Logger = Logger(label: "consdb.kafka")) throws -> KafkaProducer {
        let core = ProducerCore(logger: logger)
        let context = RDKafkaCallbackContext(logger: logger, onDelivery: { message in core.handleDelivery(message) })
        let client = try RDKafkaClient.make(RD_KAFKA_PRODUCER, properties: configuration.librdkafkaProperties(for: .producer), context: context)
        let producer = KafkaProducer(client: client, core: core, deliveryTimeout: configuration.deliveryTimeout)
        let thread = Thread { Self.pollLoop(client: client, core: core) }
        thread.name = "consdb.kafka.producer"
        thread.start()
        return producer
    }

    /// Sends one message and waits for its delivery report. `timestamp` is milliseconds since the epoch
    /// (`nil`: now); `partition` `nil` lets the partitioner choose. Throws the delivery error, e.g.
    /// `_MSG_TIMED_OUT` after the configuration's delivery timeout. Cancelling the task does not recall a
    /// message already handed to librdkafka; the call still waits for its report.
    @discardableResult
    public func send(
        topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [],
        partition: Int32? = nil, timestamp: Int64? = nil
    ) async throws -> KafkaDeliveryReport {
        try await send([KafkaOutgoingMessage(topic: topic, key: key, value: value, headers: headers, partition: partition, timestamp: timestamp)])[0]
    }

    /// Sends messages in order (the order is kept within each partition) and waits for all their delivery
    /// reports, which it returns in the same order. If any delivery fails, throws the first failure once
    /// every report is in.
    @discardableResult
    public func send(_ messages: [KafkaOutgoingMessage]) async throws -> [KafkaDeliveryReport] {
        var ids: [UInt] = []
        ids.reserveCapacity(messages.count)
        var enqueueError: Error?
        let deadline = ContinuousClock.now + deliveryTimeout
        outer: for message in messages {
            while true {
                let result = core.produce(client.pointer, message)
                switch result {
                case .success(let id):
                    ids.append(id)
                    continue outer
                case .failure(let error) where error.code == .queueFull && ContinuousClock.now < deadline:
                    // librdkafka's queue is full: give the poll thread time to deliver.
                    try? await Task.sleep(for: .milliseconds(5))
                case .failure(let error):
                    enqueueError = error
                    break outer
                }
            }
        }
        var reports: [KafkaDeliveryReport] = []
        var firstFailure: Error?
        for id in ids {
            do {
                reports.append(try await core.report(for: id))
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        if let error = firstFailure ?? enqueueError { throw error }
        return reports
    }

    /// Waits until every message sent so far is delivered (or failed); throws `_TIMED_OUT` if that takes
    /// longer than `timeout`.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let client = client
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            control.async {
                continuation.resume(with: Result {
                    try KafkaError.check(rd_kafka_flush(client.pointer, KafkaConsumer.milliseconds(timeout)), operation: "flush")
                })
            }
        }
    }

    /// Flushes for up to `timeout`, fails what is still undelivered (`_PURGE_QUEUE`/`_PURGE_INFLIGHT`),
    /// and stops. Later sends throw. Calling it again returns at once.
    public func close(timeout: Duration = .seconds(10)) async {
        core.requestCloseDetached(timeout: timeout)
        rd_kafka_yield(client.pointer)
        await core.waitUntilClosed()
    }

    private static func pollLoop(client: RDKafkaClient, core: ProducerCore) {
        let handle = client.pointer
        while core.isRunning {
            _ = rd_kafka_poll(handle, 100)
        }
        let timeout = core.closeTimeout
        if rd_kafka_flush(handle, KafkaConsumer.milliseconds(timeout)) != RD_KAFKA_RESP_ERR_NO_ERROR {
            core.logger.warning("undelivered messages at close", metadata: ["event": "kafka.producer_purge", "count": "\(rd_kafka_outq_len(handle))"])
            _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            // Serves the purged messages' reports.
            _ = rd_kafka_flush(handle, 1000)
        }
        core.finishClose()
    }
}

/// The producer state shared by sending tasks and the poll thread (delivery reports).
final class ProducerCore: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is only touched with `lock` held.
    private let lock = NSLock()
    private var nextID: UInt = 1
    private var waiting: [UInt: CheckedContinuation<KafkaDeliveryReport, Error>] = [:]
    private var arrived: [UInt: Result<KafkaDeliveryReport, KafkaError>] = [:]
    private var running = true
    private var closed = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var requestedCloseTimeout: Duration = .seconds(10)
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    var isRunning: Bool {
        lock.withLock { running }
    }

    var closeTimeout: Duration {
        lock.withLock { requestedCloseTimeout }
    }

    /// Enqueues a message with a fresh id (under the lock, so nothing is produced after close begins).
    func produce(_ handle: OpaquePointer, _ message: KafkaOutgoingMessage) -> Result<UInt, KafkaError> {
        lock.lock()
        defer { lock.unlock() }
        guard running else { return .failure(KafkaError.closed("produce")) }
        let id = nextID
        if let error = Self.produce(handle, message, id: id) { return .failure(error) }
        nextID += 1
        return .success(id)
    }

    /// Waits for the report of message `id` (which may already have arrived).
    func report(for id: UInt) async throws -> KafkaDeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let result = arrived.removeValue(forKey: id) {
                lock.unlock()
                continuation.resume(with: result)
            } else if closed {
                lock.unlock()
                continuation.resume(throwing: KafkaError.closed("delivery report"))
            } else {
                waiting[id] = continuation
                lock.unlock()
            }
        }
    }

    /// The delivery-report callback, on the poll thread.
    func handleDelivery(_ message: UnsafePointer<rd_kafka_message_t>) {
        let raw = message.pointee
        let id = UInt(bitPattern: raw._private)
        let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let result: Result<KafkaDeliveryReport, KafkaError>
        if raw.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            result = .success(KafkaDeliveryReport(topic: topic, partition: raw.partition, offset: raw.offset, timestamp: KafkaTimestamp(message)))
        } else {
            result = .failure(KafkaError(raw.err, operation: "deliver", topic: topic, partition: raw.partition == RD_KAFKA_PARTITION_UA ? nil : raw.partition))
        }
        lock.lock()
        if let continuation = waiting.removeValue(forKey: id) {
            lock.unlock()
            continuation.resume(with: result)
        } else {
            arrived[id] = result
            lock.unlock()
        }
    }

    func requestCloseDetached(timeout: Duration) {
        lock.withLock {
            if running { requestedCloseTimeout = timeout }
            running = false
        }
    }

    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if closed {
                lock.unlock()
                continuation.resume()
            } else {
                closeWaiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// After the poll thread flushed and purged: fails any report that never came, wakes closers.
    func finishClose() {
        lock.lock()
        closed = true
        let orphans = waiting
        waiting = [:]
        let closers = closeWaiters
        closeWaiters = []
        lock.unlock()
        for continuation in orphans.values { continuation.resume(throwing: KafkaError(code: .destroyed, message: "the producer closed before the delivery report", operation: "deliver")) }
        for continuation in closers { continuation.resume() }
    }

    /// `rd_kafka_produceva` with copied key, value and headers, and `id` as the message opaque.
    private static func produce(_ handle: OpaquePointer, _ message: KafkaOutgoingMessage, id: UInt) -> KafkaError? {
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                let error: rd_kafka_resp_err_t
                if let value = header.value {
                    error = value.withUnsafeBytes { bytes in
                        rd_kafka_header_add(headers, header.key, -1, bytes.baseAddress ?? Self.emptyBytes, bytes.count)
                    }
                } else {
                    error = rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    rd_kafka_headers_destroy(headers)
                    return KafkaError(error, operation: "produce", topic: message.topic)
                }
            }
        }
        let failure: OpaquePointer? = message.topic.withCString { topic in
            message.value.withUnsafeBytes { value in
                withOptionalBytes(message.key) { key in
                    var arguments: [rd_kafka_vu_t] = []
                    var entry = rd_kafka_vu_t()
                    entry.vtype = RD_KAFKA_VTYPE_TOPIC
                    entry.u.cstr = topic
                    arguments.append(entry)
                    entry = rd_kafka_vu_t()
                    entry.vtype = RD_KAFKA_VTYPE_VALUE
                    // A non-null pointer for an empty value: empty, not null.
                    entry.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress ?? Self.emptyBytes)
                    entry.u.mem.size = value.count
                    arguments.append(entry)
                    if let key {
                        entry = rd_kafka_vu_t()
                        entry.vtype = RD_KAFKA_VTYPE_KEY
                        entry.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress ?? Self.emptyBytes)
                        entry.u.mem.size = key.count
                        arguments.append(entry)
                    }
                    if let partition = message.partition {
                        entry = rd_kafka_vu_t()
                        entry.vtype = RD_KAFKA_VTYPE_PARTITION
                        entry.u.i32 = partition
                        arguments.append(entry)
                    }
                    if let timestamp = message.timestamp {
                        entry = rd_kafka_vu_t()
                        entry.vtype = RD_KAFKA_VTYPE_TIMESTAMP
                        entry.u.i64 = timestamp
                        arguments.append(entry)
                    }
                    if let headers {
                        entry = rd_kafka_vu_t()
                        entry.vtype = RD_KAFKA_VTYPE_HEADERS
                        entry.u.headers = headers
                        arguments.append(entry)
                    }
                    entry = rd_kafka_vu_t()
                    entry.vtype = RD_KAFKA_VTYPE_OPAQUE
                    entry.u.ptr = UnsafeMutableRawPointer(bitPattern: id)
                    arguments.append(entry)
                    entry = rd_kafka_vu_t()
                    entry.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    entry.u.i = RD_KAFKA_MSG_F_COPY
                    arguments.append(entry)
                    return rd_kafka_produceva(handle, arguments, arguments.count)
                }
            }
        }
        guard let failure else { return nil }
        // On failure the headers still belong to us.
        if let headers { rd_kafka_headers_destroy(headers) }
        return KafkaError(consuming: failure, operation: "produce", topic: message.topic, partition: message.partition)
    }

    /// A valid address for zero-length data (librdkafka treats a null pointer as a null value).
    /// nonisolated(unsafe): written once at initialization, never written through (librdkafka copies 0 bytes).
    nonisolated(unsafe) private static let emptyBytes = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))
}

private func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
