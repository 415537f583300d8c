import Kafka
import Logging

/// Commits the ledger's committable offsets, one commit at a time: two commits in flight could reach the
/// broker out of order and move a partition's committed offset backwards.
actor OffsetCommitter {
    let consumer: KafkaConsumer
    let ledger: OffsetLedger
    let logger: Logger
    private var committing = false
    private var again = false

    init(consumer: KafkaConsumer, ledger: OffsetLedger, logger: Logger) {
        self.consumer = consumer
        self.ledger = ledger
        self.logger = logger
    }

    /// Commits what is committable now; a call made while a commit runs is folded into one more round.
    func commit() async {
        guard !committing else {
            again = true
            return
        }
        committing = true
        defer { committing = false }
        repeat {
            again = false
            // Only partitions this consumer owns: a revoked partition's next owner commits it.
            let owned = consumer.assignment
            let offsets = ledger.pendingCommits().filter { owned.contains($0.key) }
            guard !offsets.isEmpty else { continue }
            do {
                try await consumer.commit(offsets: offsets)
                ledger.committed(offsets)
            } catch {
                // The next finished event commits again; a lost commit only means a re-read after a restart.
                logger.warning("offset commit failed", metadata: ["event": "hinfo.commit_failed", "error": "\(error)"])
            }
        } while again
    }
}
