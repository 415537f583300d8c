import Foundation
import Kafka
import Testing
import TestSupport

/// Creating, failing and closing clients: bounded, deterministic, no hangs.
@Suite struct KafkaLifecycleTests {
    @Test func closingWhileAPollIsInFlightEndsTheStreams() async throws {
        let topic = uniqueName("close")
        try await withMockCluster(topics: [topic: 1]) { cluster in
            let consumer = try KafkaConsumer.make(configuration: mockConfiguration(cluster, group: uniqueName("group")), logger: testLogger)
            try await consumer.subscribe(topics: [topic])
            // A task waits for a message that never comes, while the poll thread polls.
            let reader = Task { () -> Int in
                var count = 0
                for await _ in consumer.messages { count += 1 }
                return count
            }
            let events = Task { () -> Int in
                var count = 0
                for await _ in consumer.events { count += 1 }
                return count
            }
            try await withDeadline(15, "close") { await consumer.close() }
            #expect(try await withDeadline(5, "the message stream to end") { await reader.value } == 0)
            _ = try await withDeadline(5, "the event stream to end") { await events.value }
            // Closing again returns at once; everything else now fails with a typed error.
            try await withDeadline(1, "a second close") { await consumer.close() }
            await #expect(throws: KafkaError.self) { try await consumer.subscribe(topics: [topic]) }
            await #expect(throws: KafkaError.self) { try await consumer.commitStoredOffsets() }
            #expect(throws: KafkaError.self) { try consumer.storeOffsets([KafkaTopicPartition(topic: topic, partition: 0): 1]) }
            var iterator = consumer.messages.makeAsyncIterator()
            #expect(await iterator.next() == nil)
        }
    }

    @Test func closingRightAfterCreationAndDroppingWithoutClose() async throws {
        try await withMockCluster { cluster in
            let consumer = try KafkaConsumer.make(configuration: mockConfiguration(cluster, group: uniqueName("group")), logger: testLogger)
            try await withDeadline(10, "close") { await consumer.close() }
            // Dropped without close: the poll thread closes and frees it by itself.
            _ = try KafkaConsumer.make(configuration: mockConfiguration(cluster, group: uniqueName("group")), logger: testLogger)
            _ = try KafkaProducer.make(configuration: mockConfiguration(cluster), logger: testLogger)
            let producer = try KafkaProducer.make(configuration: mockConfiguration(cluster), logger: testLogger)
            try await withDeadline(10, "producer close") { await producer.close() }
            await #expect(throws: KafkaError.self) { try await producer.send(topic: "t", value: [1]) }
        }
    }

    @Test func cancellingTheReadingTaskEndsItsIterationOnly() async throws {
        let topic = uniqueName("cancel")
        try await withMockCluster(topics: [topic: 1]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let consumer = consumers[0]
                try await consumer.subscribe(topics: [topic])
                let reader = Task { () -> Int in
                    var count = 0
                    for await _ in consumer.messages { count += 1 }
                    return count
                }
                reader.cancel()
                #expect(try await withDeadline(5, "the cancelled iteration to end") { await reader.value } == 0)
                // The consumer itself goes on.
                try await producer.send(topic: topic, value: Array("after".utf8))
                #expect(try await collect(consumer, count: 1).map(\.text) == ["after"])
            }
        }
    }

    @Test func unreachableBrokersGiveTypedErrorsInBoundedTime() async throws {
        // A loopback port bound and never listened on: connections are refused, and no other program can
        // take the port while the test runs.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:\(refusing.port)", groupID: uniqueName("group"))
        configuration.deliveryTimeout = .seconds(1)
        let consumer = try KafkaConsumer.make(configuration: configuration, logger: testLogger)
        let producer = try KafkaProducer.make(configuration: configuration, logger: testLogger)
        do {
            await #expect(throws: KafkaError.self) {
                try await withDeadline(10, "the watermark query to fail") {
                    try await consumer.watermarkOffsets(topic: "t", partition: 0, timeout: .seconds(1))
                }
            }
            await #expect {
                try await withDeadline(10, "the send to fail") { try await producer.send(topic: "t", value: [1]) }
            } throws: { error in
                (error as? KafkaError)?.code == .messageTimedOut
            }
            // A message still waiting when the producer closes fails at once instead of hanging.
            var patient = configuration
            patient.deliveryTimeout = .seconds(120)
            let slow = try KafkaProducer.make(configuration: patient, logger: testLogger)
            let pending = Task { try await slow.send(topic: "t", value: [2]) }
            try await withDeadline(10, "closing with a pending message") { await slow.close(timeout: .milliseconds(200)) }
            await #expect(throws: KafkaError.self) {
                try await withDeadline(5, "the pending send to fail") { try await pending.value }
            }
        } catch {
            Issue.record(error)
        }
        try await withDeadline(15, "closing clients of an unreachable cluster") {
            await consumer.close()
            await producer.close(timeout: .milliseconds(100))
        }
    }

    /// Refused while the configuration is checked, before any connection is tried (the broker address is
    /// never dialled).
    @Test func invalidConfigurationIsATypedError() {
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", groupID: "g")
        configuration.extraProperties = ["no.such.property": "1"]
        #expect(throws: KafkaError.self) { try KafkaConsumer.make(configuration: configuration, logger: testLogger) }
        #expect(throws: KafkaError.self) {
            try KafkaConsumer.make(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), logger: testLogger)
        }
        var badTimeout = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", groupID: "g")
        badTimeout.sessionTimeout = .zero
        #expect(throws: KafkaError.self) { try KafkaConsumer.make(configuration: badTimeout, logger: testLogger) }
    }

    @Test func mockClusterTopicsAndClose() async throws {
        let cluster = try KafkaMockCluster.start(brokers: 3, logger: testLogger)
        #expect(cluster.bootstrapServers.split(separator: ",").count == 3)
        #expect(cluster.bootstrapServers.hasPrefix("127.0.0.1:"))
        try await cluster.createTopic(uniqueName("t"), partitions: 6, replicationFactor: 3)
        await cluster.close()
        await cluster.close()
        await #expect(throws: KafkaError.self) { try await cluster.createTopic("late") }
        #expect(throws: KafkaError.self) { try KafkaMockCluster.start(brokers: 0) }
    }
}
