@testable import Ingest
import Kafka
import Testing

/// The partitions held, their watermarks and the EFD time their data is complete from.
@Suite("assigned partitions")
struct AssignedPartitionsTests {
    private let a0 = KafkaTopicPartition(topic: "lsst.sal.A.t", partition: 0)
    private let a1 = KafkaTopicPartition(topic: "lsst.sal.A.t", partition: 1)
    private let b0 = KafkaTopicPartition(topic: "lsst.sal.B.t", partition: 0)

    @Test func theTopicWatermarkIsItsSlowestPartition() {
        var partitions = AssignedPartitions()
        partitions.add(a0, coveredFrom: 100, resumeOffset: 5)
        partitions.add(a1, coveredFrom: 200, resumeOffset: 0)
        #expect(partitions.assignment == [a0, a1])
        #expect(partitions[a0]?.resumeOffset == 5)
        #expect(partitions.watermark("lsst.sal.A.t") == -.infinity)
        partitions.noteSample(a0, time: 1000)
        #expect(partitions.watermark("lsst.sal.A.t") == -.infinity)
        partitions.noteSample(a1, time: 900)
        #expect(partitions.watermark("lsst.sal.A.t") == 900)
        // An older sample does not move a watermark back.
        partitions.noteSample(a1, time: 800)
        #expect(partitions[a1]?.watermark == 900)
        #expect(partitions.watermark("lsst.sal.B.t") == -.infinity)
        // A partition not held is not noted.
        partitions.noteSample(b0, time: 5000)
        #expect(partitions[b0] == nil)
    }

    @Test func theTopicIsCoveredFromItsLatestPartition() {
        var partitions = AssignedPartitions()
        partitions.add(a0, coveredFrom: 100, resumeOffset: 0)
        partitions.add(a1, coveredFrom: 200, resumeOffset: 0)
        #expect(partitions.coveredFrom("lsst.sal.A.t") == 200)
        partitions.dropped(a0, before: 300)
        #expect(partitions.coveredFrom("lsst.sal.A.t") == 300)
        // Dropping less than was dropped already changes nothing.
        partitions.dropped(a0, before: 250)
        #expect(partitions[a0]?.coveredFrom == 300)
        #expect(partitions.coveredFrom("lsst.sal.B.t") == .infinity)
    }

    @Test func ownsTheTopicsItHoldsWhole() {
        var partitions = AssignedPartitions()
        partitions.add(a0, coveredFrom: 0, resumeOffset: 0)
        partitions.add(a1, coveredFrom: 0, resumeOffset: 0)
        partitions.add(b0, coveredFrom: 0, resumeOffset: 0)
        partitions.updateOwnership(partitionCounts: ["lsst.sal.A.t": 2, "lsst.sal.B.t": 3])
        #expect(partitions.ownedTopics == ["lsst.sal.A.t"])
        // A topic missing from the counts is not owned.
        partitions.updateOwnership(partitionCounts: ["lsst.sal.B.t": 1])
        #expect(partitions.ownedTopics == ["lsst.sal.B.t"])
        partitions.updateOwnership(partitionCounts: ["lsst.sal.A.t": 2, "lsst.sal.B.t": 1])
        partitions.remove(a1)
        #expect(partitions.ownedTopics == ["lsst.sal.B.t"])
        #expect(partitions.assignment == [a0, b0])
    }

    @Test func commitMetadataCarriesThePromise() {
        #expect(AssignedPartitions.commitMetadata(coveredFrom: 1500.25) == "efd-covered-from=1500.25")
        #expect(AssignedPartitions.coveredFrom(commitMetadata: "efd-covered-from=1500.25") == 1500.25)
        #expect(AssignedPartitions.coveredFrom(commitMetadata: "efd-covered-from=-3") == -3)
        for text in ["", "efd-covered-from=", "efd-covered-from=abc", "efd-covered-from=inf", "efd-covered-from=nan", "covered-from=1", " efd-covered-from=1"] {
            #expect(AssignedPartitions.coveredFrom(commitMetadata: text) == nil, "\(text)")
        }
    }
}
