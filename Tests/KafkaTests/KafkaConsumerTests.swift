import Foundation
import Kafka
import Testing

/// Consumers and producers against librdkafka's mock cluster over TCP. Every test has its own cluster,
/// topics and groups.
@Suite struct KafkaConsumerTests {
    @Test func producesAndConsumesInOrderPerPartition() async throws {
        let topic = uniqueName("ordered")
        try await withMockCluster(topics: [topic: 3]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let consumer = consumers[0]
                // 300 messages, keyed, partitioned by key; the delivery reports say where each went.
                let outgoing = (0..<300).map { KafkaOutgoingMessage(topic: topic, key: Array("key-\($0 % 17)".utf8), value: Array("v\($0)".utf8)) }
                let reports = try await producer.send(outgoing)
                #expect(reports.count == 300)
                #expect(Set(reports.map(\.partition)).count == 3, "keys spread over the partitions")
                for partition in Int32(0)..<3 {
                    let offsets = reports.filter { $0.partition == partition }.map(\.offset)
                    #expect(offsets == Array(0..<Int64(offsets.count)), "partition \(partition) got contiguous offsets in send order")
                }

                try await consumer.subscribe(topics: [topic])
                let messages = try await collect(consumer, count: 300)
                let byPartition = Dictionary(grouping: messages, by: \.partition)
                for (partition, received) in byPartition {
                    let sent = zip(outgoing, reports).filter { $0.1.partition == partition }
                    #expect(received.map(\.offset) == sent.map(\.1.offset), "in offset order")
                    #expect(received.map(\.value) == sent.map(\.0.value), "values at the reported offsets")
                    #expect(received.map(\.key) == sent.map(\.0.key))
                }
                #expect(consumer.assignment == partitions(topic, 3))
                #expect(try await consumer.partitionCounts([topic]) == [topic: 3])
                #expect(try await consumer.lag() == Dictionary(uniqueKeysWithValues: partitions(topic, 3).map { ($0, 0) }))
            }
        }
    }

    @Test func newMemberResumesAtTheCommittedOffset() async throws {
        let topic = uniqueName("resume")
        let group = uniqueName("group")
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        try await withMockCluster(topics: [topic: 1]) { cluster in
            try await withClients(cluster, consumers: [group]) { consumers, producer in
                try await producer.send(numbered(topic, partition: 0, 0..<20))
                let first = consumers[0]
                try await first.subscribe(topics: [topic])
                let head = try await collect(first, count: 10)
                #expect(head.map(\.offset) == Array(0..<10))
                // Committed offset = the next one to read.
                try await first.commit(offsets: [partition: head.last!.offset + 1], metadata: [partition: "covers=1764000000.25"])
                #expect(try await first.committed([partition]) == [partition: 10])
            }
            // The first consumer is closed; a new member of the group starts where it committed.
            try await withClients(cluster, consumers: [group]) { consumers, _ in
                let second = consumers[0]
                // The metadata committed with the offset comes back with it, to any member.
                #expect(try await second.committedWithMetadata([partition]) == [partition: KafkaCommittedOffset(offset: 10, metadata: "covers=1764000000.25")])
                try await second.subscribe(topics: [topic])
                let tail = try await collect(second, count: 10)
                #expect(tail.map(\.offset) == Array(10..<20), "nothing lost, nothing repeated")
                #expect(tail.map(\.text) == (10..<20).map { "m-\($0)" })
            }
        }
    }

    @Test func onlyStoredOffsetsAreCommittedAtCloseTheRestIsRedelivered() async throws {
        let topic = uniqueName("redeliver")
        let group = uniqueName("group")
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        try await withMockCluster(topics: [topic: 1]) { cluster in
            try await withClients(cluster, consumers: [group]) { consumers, producer in
                try await producer.send(numbered(topic, partition: 0, 0..<10))
                let consumer = consumers[0]
                try await consumer.subscribe(topics: [topic])
                let all = try await collect(consumer, count: 10)
                // Work finished for the first five only.
                for message in all.prefix(5) { try consumer.store(message) }
                #expect(try await consumer.committed([partition]).isEmpty, "storing does not commit")
            }
            // close() committed the stored offset (5) and nothing beyond it.
            try await withClients(cluster, consumers: [group]) { consumers, _ in
                let consumer = consumers[0]
                try await consumer.subscribe(topics: [topic])
                let again = try await collect(consumer, count: 5)
                #expect(again.map(\.offset) == Array(5..<10))
                #expect(try await consumer.committed([partition]) == [partition: 5])
            }
        }
    }

    @Test func uncommittedMessagesAreRedelivered() async throws {
        let topic = uniqueName("uncommitted")
        let group = uniqueName("group")
        try await withMockCluster(topics: [topic: 2]) { cluster in
            try await withClients(cluster, consumers: [group]) { consumers, producer in
                try await producer.send(numbered(topic, partition: 0, 0..<6) + numbered(topic, partition: 1, 6..<12))
                try await consumers[0].subscribe(topics: [topic])
                _ = try await collect(consumers[0], count: 12)
            }
            try await withClients(cluster, consumers: [group]) { consumers, _ in
                try await consumers[0].subscribe(topics: [topic])
                let again = try await collect(consumers[0], count: 12)
                #expect(Set(again.map(\.text)) == Set((0..<12).map { "m-\($0)" }))
            }
        }
    }

    @Test func twoMembersSplitPartitionsAndSeeEveryMessageOnce() async throws {
        let topic = uniqueName("split")
        let group = uniqueName("group")
        let all = partitions(topic, 4)
        try await withMockCluster(topics: [topic: 4]) { cluster in
            try await withClients(cluster, consumers: [group, group]) { consumers, producer in
                let (first, second) = (consumers[0], consumers[1])
                try await first.subscribe(topics: [topic])
                try await waitUntil("the first member owns all partitions", consumers: [first]) { first.assignment == all }
                // The first member processes a first batch and stores its offsets (no explicit commit).
                let before = (0..<4).flatMap { numbered(topic, partition: Int32($0), ($0 * 10)..<($0 * 10 + 10), prefix: "old") }
                try await producer.send(before)
                for message in try await collect(first, count: 40) { try first.store(message) }

                // A second member joins: the eager rebalance revokes everything from the first, which
                // tries to commit what it stored before giving the partitions up (Kafka accepts that
                // commit; the mock refuses it with REBALANCE_IN_PROGRESS, so the old batch may come again).
                try await second.subscribe(topics: [topic])
                try await waitForSplit([first, second], covering: all)
                let owners = [first.assignment, second.assignment]

                let after = (0..<4).flatMap { numbered(topic, partition: Int32($0), ($0 * 10)..<($0 * 10 + 10), prefix: "new") }
                try await producer.send(after)
                let received = try await collectUntil([first, second]) { received in
                    received.filter { $0.message.text.hasPrefix("new") }.count >= 40
                }
                let new = received.filter { $0.message.text.hasPrefix("new") }.map(\.message.text)
                #expect(new.count == 40)
                #expect(Set(new) == Set(after.map { String(decoding: $0.value, as: UTF8.self) }), "the new batch, once each")
                for (member, message) in received {
                    #expect(owners[member].contains(message.topicPartition), "\(message.topicPartition) went to its owner")
                }
                // At least once: an old message seen again is seen in full partition runs, never a gap.
                let old = Dictionary(grouping: received.map(\.message).filter { $0.text.hasPrefix("old") }, by: \.partition)
                for (_, messages) in old {
                    #expect(messages.map(\.offset) == Array(0..<10))
                }
            }
        }
    }

    @Test func cooperativeStickyMembersSplitPartitions() async throws {
        let topic = uniqueName("cooperative")
        let group = uniqueName("group")
        let all = partitions(topic, 4)
        try await withMockCluster(topics: [topic: 4]) { cluster in
            try await withClients(cluster, consumers: [group, group], configure: { $0.assignmentStrategy = .cooperativeSticky }) { consumers, producer in
                let (first, second) = (consumers[0], consumers[1])
                try await first.subscribe(topics: [topic])
                try await waitUntil("the first member owns all partitions", consumers: [first]) { first.assignment == all }
                try await second.subscribe(topics: [topic])
                try await waitForSplit([first, second], covering: all)
                try await producer.send((0..<4).flatMap { numbered(topic, partition: Int32($0), ($0 * 5)..<($0 * 5 + 5)) })
                async let firstShare = collect(first, count: 5 * first.assignment.count)
                async let secondShare = collect(second, count: 5 * second.assignment.count)
                let (a, b) = try await (firstShare, secondShare)
                #expect(Set((a + b).map(\.text)) == Set((0..<20).map { "m-\($0)" }))
            }
        }
    }

    @Test func pauseHoldsBackAPartitionAndResumeRestartsIt() async throws {
        let topic = uniqueName("pause")
        try await withMockCluster(topics: [topic: 2]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let consumer = consumers[0]
                let paused = KafkaTopicPartition(topic: topic, partition: 0)
                try await consumer.subscribe(topics: [topic])
                try await producer.send(numbered(topic, partition: 0, 0..<1) + numbered(topic, partition: 1, 1..<2))
                _ = try await collect(consumer, count: 2)

                // Five more for partition 0 (some may already be fetched or buffered when it pauses),
                // then one for partition 1: with partition 0 paused, partition 1's comes first.
                try await producer.send(numbered(topic, partition: 0, 10..<15))
                try await consumer.pause([paused])
                try await producer.send(numbered(topic, partition: 1, 20..<21))
                let next = try await collect(consumer, count: 1)
                #expect(next.map(\.text) == ["m-20"], "nothing from the paused partition")

                try await consumer.resume([paused])
                let resumed = try await collect(consumer, count: 5)
                #expect(resumed.map(\.offset) == Array(1..<6), "resumed exactly where it paused, in order")
                #expect(resumed.allSatisfy { $0.topicPartition == paused })
            }
        }
    }

    @Test func seekRereadsAndLagFollowsThePosition() async throws {
        let topic = uniqueName("seek")
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        try await withMockCluster(topics: [topic: 1]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let consumer = consumers[0]
                try await producer.send(numbered(topic, partition: 0, 0..<10))
                try await consumer.subscribe(topics: [topic])
                _ = try await collect(consumer, count: 10)
                #expect(try await consumer.lag() == [partition: 0])

                try await consumer.seek(partition, to: 3)
                let reread = try await collect(consumer, count: 2)
                #expect(reread.map(\.offset) == [3, 4])
                #expect(try await consumer.lag() == [partition: 5])

                try await consumer.seek(partition, to: KafkaOffset.beginning)
                #expect(try await collect(consumer, count: 1).map(\.offset) == [0])

                await #expect(throws: KafkaError.self) {
                    try await consumer.seek(KafkaTopicPartition(topic: topic, partition: 7), to: 0)
                }
            }
        }
    }

    @Test func watermarkOffsets() async throws {
        let topic = uniqueName("watermarks")
        try await withMockCluster(topics: [topic: 2]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let consumer = consumers[0]
                try await producer.send(numbered(topic, partition: 0, 0..<7))
                #expect(try await consumer.watermarkOffsets(topic: topic, partition: 0) == KafkaWatermarks(low: 0, high: 7))
                #expect(try await consumer.watermarkOffsets(topic: topic, partition: 1) == KafkaWatermarks(low: 0, high: 0))
                await #expect(throws: KafkaError.self) {
                    try await consumer.watermarkOffsets(topic: topic, partition: 9, timeout: .seconds(2))
                }
            }
        }
    }

    @Test func offsetForTimeBisectsOnMessageTimestamps() async throws {
        let topic = uniqueName("bytime")
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let empty = KafkaTopicPartition(topic: topic, partition: 1)
        try await withMockCluster(topics: [topic: 2]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let consumer = consumers[0]
                let base: Int64 = 1_700_000_000_000
                let reports = try await producer.send((0..<50).map {
                    KafkaOutgoingMessage(topic: topic, value: Array("t\($0)".utf8), partition: 0, timestamp: base + 10 * Int64($0))
                })
                #expect(reports.map(\.offset) == Array(0..<50))

                // The mock cluster cannot answer by time (DESIGN §7); the bisection can.
                let native = try await consumer.offsetsForTimes([partition: base + 240])
                #expect(native[partition] == Optional<Int64>.none)

                for (timestamp, expected) in [(base - 1, 0), (base, 0), (base + 235, 24), (base + 240, 24), (base + 241, 25), (base + 490, 49), (base + 491, 50)] as [(Int64, Int64)] {
                    #expect(try await consumer.offsetForTime(partition, atOrAfter: timestamp) == expected, "at \(timestamp - base)")
                }
                #expect(try await consumer.offsetForTime(empty, atOrAfter: base) == 0)
                #expect(consumer.assignment.isEmpty, "the search left the consumer alone")
            }
        }
    }

    @Test func nullKeysEmptyValuesAndHeadersRoundTrip() async throws {
        let topic = uniqueName("shapes")
        try await withMockCluster(topics: [topic: 1]) { cluster in
            try await withClients(cluster, consumers: [uniqueName("group")]) { consumers, producer in
                let headers = [
                    KafkaHeader(key: "a", value: [1, 2]), KafkaHeader(key: "b", value: nil),
                    KafkaHeader(key: "a", value: [3]), KafkaHeader(key: "c", value: []),
                ]
                let sent = [
                    KafkaOutgoingMessage(topic: topic, key: nil, value: [], partition: 0, timestamp: 1_000),
                    KafkaOutgoingMessage(topic: topic, key: [0, 255], value: Array(repeating: 7, count: 100_000), headers: headers, partition: 0),
                    KafkaOutgoingMessage(topic: topic, key: [9], value: [0], partition: 0),
                ]
                try await producer.send(sent)
                try await consumers[0].subscribe(topics: [topic])
                let received = try await collect(consumers[0], count: 3)
                #expect(received[0].key == nil)
                #expect(received[0].value == [])
                #expect(received[0].headers == [])
                #expect(received[0].timestamp == KafkaTimestamp(milliseconds: 1_000, kind: .createTime))
                #expect(received[1].key == [0, 255])
                #expect(received[1].value == sent[1].value)
                #expect(received[1].headers == headers)
                #expect(received[2].value == [0])
            }
        }
    }
}
