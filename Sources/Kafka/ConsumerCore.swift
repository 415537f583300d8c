import CRdKafka
import Foundation
import Logging

/// The state a consumer's poll thread shares with the application's tasks: the buffer of polled messages
/// not yet handed out, paused partitions and their held-back messages, the assignment, the commands
/// waiting for the poll thread, and the lifecycle.
///
/// The poll thread is the only one that calls librdkafka's polling, pausing, seeking and closing
/// functions; the application reaches it by queueing commands. Messages already polled for a partition
/// that is then paused are held back and handed out, in order, after it is resumed; those of a partition
/// that is sought or revoked are dropped (they are read again from the new position or by the new owner).
final class ConsumerCore: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is only touched with `condition` locked.
    typealias Command = @Sendable (OpaquePointer) -> Void

    enum Lifecycle { case running, closing, closed }

    private let condition = NSCondition()
    private var buffer = MessageQueue()
    private var heldBack: [KafkaTopicPartition: [KafkaMessage]] = [:]
    private var paused: Set<KafkaTopicPartition> = []
    private var assigned: Set<KafkaTopicPartition> = []
    /// Per partition, the offset after the last message handed to the application.
    private var handedOut: [KafkaTopicPartition: Int64] = [:]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<KafkaMessage?, Never>)] = []
    private var nextWaiterID: UInt64 = 0
    private var commands: [Command] = []
    private var lifecycle = Lifecycle.running
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []

    let capacity: Int
    let logger: Logger
    let events: AsyncStream<KafkaConsumerEvent>
    private let eventSink: AsyncStream<KafkaConsumerEvent>.Continuation

    init(capacity: Int, logger: Logger) {
        self.capacity = max(1, capacity)
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(of: KafkaConsumerEvent.self, bufferingPolicy: .bufferingNewest(1024))
    }

    func emit(_ event: KafkaConsumerEvent) {
        eventSink.yield(event)
    }

    // MARK: - Application side

    /// The next message, waiting for one; `nil` once the consumer is closing or the task is cancelled.
    func next() async -> KafkaMessage? {
        let id: UInt64
        switch poll() {
        case .message(let message): return message
        case .finished: return nil
        case .wait(let waiterID): id = waiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<KafkaMessage?, Never>) in
                wait(id, continuation)
            }
        } onCancel: {
            cancelWaiter(id)
        }
    }

    private enum PollResult {
        case message(KafkaMessage)
        case finished
        case wait(UInt64)
    }

    private func poll() -> PollResult {
        condition.lock()
        defer { condition.unlock() }
        if let message = popLocked() { return .message(message) }
        guard lifecycle == .running else { return .finished }
        nextWaiterID += 1
        return .wait(nextWaiterID)
    }

    private func wait(_ id: UInt64, _ continuation: CheckedContinuation<KafkaMessage?, Never>) {
        condition.lock()
        if let message = popLocked() {
            condition.unlock()
            continuation.resume(returning: message)
        } else if lifecycle != .running || Task.isCancelled {
            condition.unlock()
            continuation.resume(returning: nil)
        } else {
            waiters.append((id, continuation))
            condition.unlock()
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        condition.lock()
        let index = waiters.firstIndex { $0.id == id }
        let waiter = index.map { waiters.remove(at: $0) }
        condition.unlock()
        waiter?.continuation.resume(returning: nil)
    }

    private func popLocked() -> KafkaMessage? {
        guard let message = buffer.popFirst() else { return nil }
        handedOut[message.topicPartition] = message.offset + 1
        condition.broadcast()
        return message
    }

    /// Queues `command` for the poll thread; false once the consumer is closing.
    func enqueue(_ command: @escaping Command) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard lifecycle == .running else { return false }
        commands.append(command)
        condition.broadcast()
        return true
    }

    /// Asks the poll thread to close, and waits until it has (at once if it already has).
    func requestClose() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            addCloseWaiter(continuation)
        }
    }

    private func addCloseWaiter(_ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if lifecycle == .closed {
            condition.unlock()
            continuation.resume()
            return
        }
        lifecycle = .closing
        closeWaiters.append(continuation)
        condition.broadcast()
        condition.unlock()
    }

    /// Asks the poll thread to close without waiting (from `deinit`).
    func requestCloseDetached() {
        condition.lock()
        if lifecycle == .running { lifecycle = .closing }
        condition.broadcast()
        condition.unlock()
    }

    var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return lifecycle == .running
    }

    var assignment: Set<KafkaTopicPartition> {
        condition.lock()
        defer { condition.unlock() }
        return assigned
    }

    /// The offset after the last message handed out, per partition handed anything since assignment.
    var handedOutPositions: [KafkaTopicPartition: Int64] {
        condition.lock()
        defer { condition.unlock() }
        return handedOut
    }

    // MARK: - Poll thread side

    /// Waits while the buffer is full and there is nothing else to do; returns the queued commands and
    /// whether to close.
    func takeWork() -> (commands: [Command], closing: Bool, bufferFull: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while commands.isEmpty && lifecycle == .running && buffer.count >= capacity {
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        let taken = commands
        commands = []
        return (taken, lifecycle != .running, buffer.count >= capacity)
    }

    /// Hands a polled message to a waiting task, or buffers it (held back if its partition is paused).
    func deliver(_ message: KafkaMessage) {
        let partition = message.topicPartition
        condition.lock()
        if paused.contains(partition) {
            heldBack[partition, default: []].append(message)
            condition.unlock()
            return
        }
        if !waiters.isEmpty, buffer.isEmpty {
            let waiter = waiters.removeFirst()
            handedOut[partition] = message.offset + 1
            condition.unlock()
            waiter.continuation.resume(returning: message)
            return
        }
        buffer.append(message)
        condition.unlock()
    }

    /// Marks partitions paused and holds back their buffered messages. Call before pausing them in
    /// librdkafka.
    func pause(_ partitions: Set<KafkaTopicPartition>) {
        condition.lock()
        defer { condition.unlock() }
        paused.formUnion(partitions)
        for message in buffer.removeAll(where: { partitions.contains($0.topicPartition) }) {
            heldBack[message.topicPartition, default: []].append(message)
        }
    }

    /// Un-pauses partitions and hands out their held-back messages first. Call before resuming them in
    /// librdkafka, so nothing newer can overtake.
    func resume(_ partitions: Set<KafkaTopicPartition>) {
        condition.lock()
        paused.subtract(partitions)
        for partition in partitions.sorted() {
            for message in heldBack.removeValue(forKey: partition) ?? [] {
                buffer.append(message)
            }
        }
        let handOff = handOffLocked()
        condition.unlock()
        for (continuation, message) in handOff { continuation.resume(returning: message) }
    }

    private func handOffLocked() -> [(CheckedContinuation<KafkaMessage?, Never>, KafkaMessage)] {
        var handOff: [(CheckedContinuation<KafkaMessage?, Never>, KafkaMessage)] = []
        while !waiters.isEmpty, let message = buffer.popFirst() {
            handedOut[message.topicPartition] = message.offset + 1
            handOff.append((waiters.removeFirst().continuation, message))
        }
        return handOff
    }

    /// Drops the buffered and held-back messages of `partitions` (before a seek): the application next
    /// sees the partition from the new position.
    func drop(_ partitions: Set<KafkaTopicPartition>, repositionedAt offset: Int64?) {
        condition.lock()
        defer { condition.unlock() }
        _ = buffer.removeAll { partitions.contains($0.topicPartition) }
        for partition in partitions {
            heldBack[partition] = nil
            handedOut[partition] = offset.flatMap { $0 >= 0 ? $0 : nil }
        }
        condition.broadcast()
    }

    /// Records a new assignment (`replacing` for the eager protocol).
    func assign(_ partitions: [KafkaTopicPartition], replacing: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if replacing {
            release(Set(assigned).subtracting(partitions))
        }
        assigned.formUnion(partitions)
    }

    /// Forgets revoked partitions: drops their messages, un-pauses them. Returns those that were paused.
    func revoke(_ partitions: Set<KafkaTopicPartition>) -> Set<KafkaTopicPartition> {
        condition.lock()
        defer { condition.unlock() }
        let wasPaused = paused.intersection(partitions)
        release(partitions)
        return wasPaused
    }

    private func release(_ partitions: Set<KafkaTopicPartition>) {
        assigned.subtract(partitions)
        paused.subtract(partitions)
        _ = buffer.removeAll { partitions.contains($0.topicPartition) }
        for partition in partitions {
            heldBack[partition] = nil
            handedOut[partition] = nil
        }
        condition.broadcast()
    }

    /// After the poll thread closed the consumer: ends the message and event streams and wakes everyone.
    func finishClose() {
        condition.lock()
        lifecycle = .closed
        let waiting = waiters
        let closing = closeWaiters
        waiters = []
        closeWaiters = []
        buffer = MessageQueue()
        heldBack = [:]
        assigned = []
        commands = []
        condition.broadcast()
        condition.unlock()
        for waiter in waiting { waiter.continuation.resume(returning: nil) }
        for continuation in closing { continuation.resume() }
        eventSink.finish()
    }
}

/// A FIFO of messages: an array with a moving head, compacted when the consumed prefix is large.
struct MessageQueue {
    private var storage: [KafkaMessage] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ message: KafkaMessage) {
        storage.append(message)
    }

    mutating func popFirst() -> KafkaMessage? {
        guard head < storage.count else { return nil }
        let message = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return message
    }

    /// Removes the matching messages and returns them in order.
    mutating func removeAll(where matches: (KafkaMessage) -> Bool) -> [KafkaMessage] {
        var removed: [KafkaMessage] = []
        var kept: [KafkaMessage] = []
        for message in storage[head...] {
            if matches(message) { removed.append(message) } else { kept.append(message) }
        }
        if !removed.isEmpty {
            storage = kept
            head = 0
        }
        return removed
    }
}
