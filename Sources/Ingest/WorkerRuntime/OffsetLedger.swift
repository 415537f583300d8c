import Kafka
import Synchronization

/// Which offsets may be committed when messages of a partition finish out of order.
///
/// A message is *begun* when work on it starts and *finished* once its rows (or its dead-letter row) are
/// committed. The committable offset of a partition is the lowest offset still in progress, or one past
/// the highest finished when none is: every message below it is done, so a restart from there loses
/// nothing. A message that was begun and abandoned (shutdown while it waited) stays in progress, holding
/// the commit below it.
public final class OffsetLedger: Sendable {
    private struct Partition {
        var inProgress = Set<Int64>()
        var nextAfterFinished: Int64?
        var committed: Int64?
    }

    private let state = Mutex<[KafkaTopicPartition: Partition]>([:])

    public init() {}

    public func begin(_ partition: KafkaTopicPartition, offset: Int64) {
        state.withLock { _ = $0[partition, default: Partition()].inProgress.insert(offset) }
    }

    public func finish(_ partition: KafkaTopicPartition, offset: Int64) {
        state.withLock { partitions in
            guard partitions[partition]?.inProgress.remove(offset) != nil else { return }
            let next = offset + 1
            if next > partitions[partition]!.nextAfterFinished ?? .min { partitions[partition]!.nextAfterFinished = next }
        }
    }

    /// Forgets what was finished and committed on partitions this consumer no longer owns (revoked or
    /// lost). Messages still in progress stay: the revocation may be seen after messages of a new
    /// assignment of the same partition were begun, and dropping those would let a later commit pass them.
    /// Keeping too much only holds commits back; the committer also skips partitions not owned.
    public func forget(_ lost: [KafkaTopicPartition]) {
        state.withLock { partitions in
            for partition in lost {
                guard var entry = partitions[partition] else { continue }
                entry.nextAfterFinished = nil
                entry.committed = nil
                partitions[partition] = entry.inProgress.isEmpty ? nil : entry
            }
        }
    }

    /// Offsets that can be committed and have not been yet.
    public func pendingCommits() -> [KafkaTopicPartition: Int64] {
        state.withLock { partitions in
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for (partition, entry) in partitions {
                guard let target = entry.inProgress.min() ?? entry.nextAfterFinished else { continue }
                if target > entry.committed ?? .min { offsets[partition] = target }
            }
            return offsets
        }
    }

    /// Notes offsets the broker accepted.
    public func committed(_ offsets: [KafkaTopicPartition: Int64]) {
        state.withLock { partitions in
            for (partition, offset) in offsets where partitions[partition] != nil {
                partitions[partition]!.committed = max(offset, partitions[partition]!.committed ?? .min)
            }
        }
    }

    /// Messages in progress, over all partitions.
    public var inProgressCount: Int {
        state.withLock { $0.values.reduce(0) { $0 + $1.inProgress.count } }
    }
}
