@testable import Ingest
import Kafka
import Testing

/// Per partition, the (EFD time, offset) of buffered samples: the lowest offset still needed.
@Suite("partition samples")
struct PartitionSamplesTests {
    private let partition = KafkaTopicPartition(topic: "lsst.sal.A.t", partition: 0)

    @Test func committableIsTheLowestOffsetOfASampleStillNeeded() {
        var samples = PartitionSamples()
        #expect(samples.committable(partition, neededFrom: 0) == nil)
        // Times need not follow offsets: offset 1 is older than offset 0.
        samples.record(partition, time: 10, offset: 0)
        samples.record(partition, time: 5, offset: 1)
        samples.record(partition, time: 20, offset: 2)
        #expect(samples.committable(partition, neededFrom: 5) == 0)
        #expect(samples.committable(partition, neededFrom: 6) == 0)
        #expect(samples.committable(partition, neededFrom: 11) == 2)
        // Nothing needed: one past the last message.
        #expect(samples.committable(partition, neededFrom: 21) == 3)
        #expect(samples.nextOffset[partition] == 3)
    }

    @Test func skippedMessagesAreDoneWith() {
        var samples = PartitionSamples()
        samples.skip(partition, offset: 7)
        #expect(samples.committable(partition, neededFrom: 0) == 8)
        samples.record(partition, time: 1, offset: 8)
        samples.skip(partition, offset: 9)
        #expect(samples.committable(partition, neededFrom: 0) == 8)
        #expect(samples.committable(partition, neededFrom: 2) == 10)
        // An older offset seen again does not move the next offset back.
        samples.skip(partition, offset: 3)
        #expect(samples.nextOffset[partition] == 10)
    }

    @Test func droppedSamplesNoLongerHoldTheCommit() {
        var samples = PartitionSamples()
        for offset in 0..<10_000 { samples.record(partition, time: Double(offset), offset: Int64(offset)) }
        samples.drop(partition, below: 5000)
        // Samples 0..<5000 are gone even though they match.
        #expect(samples.committable(partition, neededFrom: 0) == 5000)
        #expect(samples.committable(partition, neededFrom: 7000.5) == 7001)
        // Past the compaction threshold (more than 4096 dropped, and more than half): still exact.
        samples.drop(partition, below: 9000)
        #expect(samples.committable(partition, neededFrom: 0) == 9000)
        samples.record(partition, time: 0.5, offset: 10_000)
        #expect(samples.committable(partition, neededFrom: 0) == 9000)
        #expect(samples.committable(partition, neededFrom: 0.5) == 9000)
        #expect(samples.committable(partition, neededFrom: 9999.5) == 10_001)
    }

    @Test func forgottenPartitionsAreGone() {
        var samples = PartitionSamples()
        let other = KafkaTopicPartition(topic: "lsst.sal.A.t", partition: 1)
        samples.record(partition, time: 1, offset: 4)
        samples.record(other, time: 1, offset: 6)
        #expect(Set(samples.partitions) == [partition, other])
        samples.forget([partition])
        #expect(samples.partitions == [other])
        #expect(samples.committable(partition, neededFrom: 0) == nil)
        #expect(samples.nextOffset[partition] == nil)
    }
}
