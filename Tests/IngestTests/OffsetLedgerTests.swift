@testable import Ingest
import Kafka
import Testing

/// Which offsets may be committed when messages finish out of order: never past one still in progress.
@Suite("offset ledger")
struct OffsetLedgerTests {
    private let p0 = KafkaTopicPartition(topic: "lsst.ATHeaderService.logevent_largeFileObjectAvailable", partition: 0)
    private let p1 = KafkaTopicPartition(topic: "lsst.ATHeaderService.logevent_largeFileObjectAvailable", partition: 1)

    @Test func neverCommitsPastAMessageInProgress() {
        let ledger = OffsetLedger()
        #expect(ledger.pendingCommits().isEmpty)
        for offset in Int64(5)...7 { ledger.begin(p0, offset: offset) }
        #expect(ledger.inProgressCount == 3)
        // Nothing finished, but nothing below 5 is in progress either: 5 may be committed.
        #expect(ledger.pendingCommits() == [p0: 5])
        // 6 finished before 5: still 5.
        ledger.finish(p0, offset: 6)
        #expect(ledger.pendingCommits() == [p0: 5])
        ledger.finish(p0, offset: 5)
        #expect(ledger.pendingCommits() == [p0: 7])
        ledger.committed([p0: 7])
        #expect(ledger.pendingCommits().isEmpty)
        ledger.finish(p0, offset: 7)
        #expect(ledger.pendingCommits() == [p0: 8])
        #expect(ledger.inProgressCount == 0)
    }

    @Test func partitionsAreIndependent() {
        let ledger = OffsetLedger()
        ledger.begin(p0, offset: 10)
        ledger.begin(p1, offset: 3)
        ledger.finish(p1, offset: 3)
        #expect(ledger.pendingCommits() == [p0: 10, p1: 4])
    }

    @Test func anAbandonedMessageHoldsTheCommit() {
        let ledger = OffsetLedger()
        ledger.begin(p0, offset: 1)
        ledger.begin(p0, offset: 2)
        ledger.finish(p0, offset: 2)
        // 1 never finishes (its write failed, or the worker stopped while it waited).
        #expect(ledger.pendingCommits() == [p0: 1])
        ledger.committed([p0: 1])
        #expect(ledger.pendingCommits().isEmpty)
    }

    @Test func finishingWhatWasNotBegunChangesNothing() {
        let ledger = OffsetLedger()
        ledger.finish(p0, offset: 9)
        #expect(ledger.pendingCommits().isEmpty)
        ledger.begin(p0, offset: 4)
        ledger.finish(p0, offset: 9)
        #expect(ledger.pendingCommits() == [p0: 4])
    }

    @Test func theBrokersAnswerNeverMovesACommitBack() {
        let ledger = OffsetLedger()
        ledger.begin(p0, offset: 1)
        ledger.finish(p0, offset: 1)
        ledger.committed([p0: 2])
        ledger.committed([p0: 1])
        #expect(ledger.pendingCommits().isEmpty)
        // Offsets of partitions never seen are not noted.
        ledger.committed([p1: 5])
        ledger.begin(p1, offset: 0)
        #expect(ledger.pendingCommits() == [p1: 0])
    }

    @Test func forgettingALostPartitionKeepsWhatIsInProgress() {
        let ledger = OffsetLedger()
        for (partition, offset) in [(p0, Int64(1)), (p1, 7), (p1, 8)] { ledger.begin(partition, offset: offset) }
        ledger.finish(p1, offset: 8)
        ledger.finish(p0, offset: 1)
        ledger.committed(ledger.pendingCommits().filter { $0.key == p0 })
        ledger.forget([p0, p1])
        // p0 had nothing in progress: gone. p1 keeps 7 in progress (of a new assignment, perhaps), its
        // finished 8 and any commit forgotten.
        #expect(ledger.pendingCommits() == [p1: 7])
        ledger.finish(p1, offset: 7)
        #expect(ledger.pendingCommits() == [p1: 8])
        ledger.begin(p0, offset: 0)
        #expect(ledger.pendingCommits() == [p0: 0, p1: 8])
    }
}
