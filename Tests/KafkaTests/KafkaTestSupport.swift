import Foundation
import Kafka
import Logging
import Testing
import TestSupport

/// A name no other test uses (tests run in parallel and may share nothing).
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// librdkafka's log lines and ours; KAFKA_TEST_LOG_LEVEL (default error) shows more.
let testLogger: Logger = {
    var logger = Logger(label: "kafka-tests")
    logger.logLevel = ProcessInfo.processInfo.environment["KAFKA_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

/// Client settings for the mock cluster: fast fetches (DESIGN §7), short sessions.
func mockConfiguration(_ cluster: KafkaMockCluster, group: String? = nil) -> KafkaConfiguration {
    var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group)
    configuration.fetchWaitMax = .milliseconds(10)
    configuration.sessionTimeout = .seconds(6)
    configuration.heartbeatInterval = .milliseconds(500)
    configuration.linger = .milliseconds(1)
    return configuration
}

/// The next `count` messages of `consumer`.
func collect(_ consumer: KafkaConsumer, count: Int, within seconds: Double = 30) async throws -> [KafkaMessage] {
    let messages = try await withDeadline(seconds, "\(count) messages") {
        var messages: [KafkaMessage] = []
        guard count > 0 else { return messages }
        for await message in consumer.messages {
            messages.append(message)
            if messages.count == count { break }
        }
        return messages
    }
    try #require(messages.count == count, "the consumer stopped after \(messages.count) of \(count) messages")
    return messages
}

/// Reads from several consumers at once until `done` holds for what they received together; returns
/// (index of the consumer, message) in arrival order.
func collectUntil(
    _ consumers: [KafkaConsumer], within seconds: Double = 30,
    _ done: @escaping @Sendable ([(member: Int, message: KafkaMessage)]) -> Bool
) async throws -> [(member: Int, message: KafkaMessage)] {
    let collector = Collector()
    try await withDeadline(seconds, "messages from \(consumers.count) consumers") {
        await withTaskGroup(of: Void.self) { group in
            for (member, consumer) in consumers.enumerated() {
                group.addTask {
                    for await message in consumer.messages {
                        if await collector.add(member, message, done) { return }
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
    let received = await collector.received
    try #require(done(received), "the consumers stopped first")
    return received
}

actor Collector {
    var received: [(member: Int, message: KafkaMessage)] = []

    func add(_ member: Int, _ message: KafkaMessage, _ done: ([(member: Int, message: KafkaMessage)]) -> Bool) -> Bool {
        received.append((member, message))
        return done(received)
    }
}

/// Waits, reading the consumers' events, until `condition` holds.
func waitUntil(_ what: String, within seconds: Double = 30, consumers: [KafkaConsumer], _ condition: @escaping @Sendable () -> Bool) async throws {
    try await withDeadline(seconds, what) {
        if condition() { return }
        let met = await withTaskGroup(of: Bool.self) { group in
            for consumer in consumers {
                group.addTask {
                    for await _ in consumer.events where condition() { return true }
                    return false
                }
            }
            var met = false
            for await result in group where result {
                met = true
                group.cancelAll()
            }
            return met || condition()
        }
        try #require(met, "events ended before \(what)")
    }
}

/// Waits until the consumers' assignments are disjoint, non-empty and together cover `partitions`.
func waitForSplit(_ consumers: [KafkaConsumer], covering partitions: Set<KafkaTopicPartition>) async throws {
    try await waitUntil("an assignment split over \(consumers.count) consumers", consumers: consumers) {
        let assignments = consumers.map(\.assignment)
        let union = assignments.reduce(into: Set<KafkaTopicPartition>()) { $0.formUnion($1) }
        return union == partitions && assignments.allSatisfy { !$0.isEmpty }
            && assignments.map(\.count).reduce(0, +) == partitions.count
    }
}

func partitions(_ topic: String, _ count: Int) -> Set<KafkaTopicPartition> {
    Set((0..<Int32(count)).map { KafkaTopicPartition(topic: topic, partition: $0) })
}

/// Messages whose values are "prefix-i" (i in `range`) into one partition.
func numbered(_ topic: String, partition: Int32, _ range: Range<Int>, prefix: String = "m") -> [KafkaOutgoingMessage] {
    range.map { KafkaOutgoingMessage(topic: topic, key: Array("k\($0)".utf8), value: Array("\(prefix)-\($0)".utf8), partition: partition) }
}

extension KafkaMessage {
    var text: String { String(decoding: value, as: UTF8.self) }
}

/// Runs `body` with a fresh mock cluster and a topic per entry of `topics` (name: partitions), and closes
/// the cluster on every path.
func withMockCluster<T>(
    brokers: Int = 1, topics: [String: Int] = [:],
    _ body: (KafkaMockCluster) async throws -> T
) async throws -> T {
    let cluster = try KafkaMockCluster.start(brokers: brokers, logger: testLogger)
    do {
        for (topic, count) in topics {
            try await cluster.createTopic(topic, partitions: count)
        }
        let result = try await body(cluster)
        await cluster.close()
        return result
    } catch {
        await cluster.close()
        throw error
    }
}

/// Runs `body` with consumers and a producer that are closed on every path, before the cluster.
func withClients<T>(
    _ cluster: KafkaMockCluster, consumers groups: [String], configure: (inout KafkaConfiguration) -> Void = { _ in },
    _ body: ([KafkaConsumer], KafkaProducer) async throws -> T
) async throws -> T {
    var consumers: [KafkaConsumer] = []
    let producer = try KafkaProducer.make(configuration: mockConfiguration(cluster), logger: testLogger)
    do {
        for group in groups {
            var configuration = mockConfiguration(cluster, group: group)
            configure(&configuration)
            consumers.append(try KafkaConsumer.make(configuration: configuration, logger: testLogger))
        }
        let result = try await body(consumers, producer)
        for consumer in consumers { await consumer.close() }
        await producer.close()
        return result
    } catch {
        for consumer in consumers { await consumer.close() }
        await producer.close()
        throw error
    }
}
