import Kafka

// Events of the consumer group: the assignment changed; where each partition taken on is read from; the
// cluster's partition counts (which topics this replica owns whole).
extension StreamCore {
    /// What a change of assignment asks of the worker: for each partition of `added`, read its committed
    /// offset, pass it to ``resumePoint(_:committed:now:)`` and report where reading resumed with
    /// ``partitionResumed(_:coveredFrom:offset:)``; then ask the partition counts of `topics` for
    /// ``partitionCountsLearned(_:)``.
    struct Reassignment: Equatable {
        var revoked: Set<KafkaTopicPartition>
        /// Partitions kept whose topic lost a partition: their topic's buffer was dropped, so they are read
        /// again from their committed offset.
        var reread: Set<KafkaTopicPartition>
        /// Partitions to take on: the new ones and `reread`.
        var added: Set<KafkaTopicPartition>
        /// The topics of the new assignment.
        var topics: [String]
    }

    /// Where a partition taken on is read from.
    enum ResumePoint: Equatable {
        /// From its committed offset, trusting its data from `coveredFrom` (the commit's promise); `seek`
        /// when the consumer reads on past it (a partition read again after its topic lost a partition).
        case committed(offset: Int64, coveredFrom: Double, seek: Bool)
        /// Never committed by the group: from the first offset at or after `coveredFrom` (the oldest time a
        /// window still to be learned may need), looked up by time and sought to.
        case time(coveredFrom: Double)

        var coveredFrom: Double {
            switch self {
            case .committed(_, let coveredFrom, _), .time(let coveredFrom): coveredFrom
            }
        }

        /// The time to look the offset up at, in milliseconds (the broker's timestamps).
        var lookupMilliseconds: Int64 { Int64(coveredFrom * 1000) }
    }

    /// The topics of the assignment split between replicas, after ``partitionCountsLearned(_:)``.
    struct Ownership: Equatable {
        var owned: Set<String>
        /// Topics of which this replica holds some partitions but not all: their columns are written by none.
        var split: Set<String>
    }

    /// The group gave this replica `assignment`. Revoked partitions are forgotten (with their topics'
    /// buffers, so the topics' other partitions are read again from their committed offsets).
    mutating func assignmentChanged(to assignment: Set<KafkaTopicPartition>) -> Reassignment {
        let previous = partitions.assignment
        let revoked = previous.subtracting(assignment)
        let touched = Set(revoked.map(\.topic))
        let reread = assignment.intersection(previous).filter { touched.contains($0.topic) }
        for partition in revoked.union(reread) { forget(partition) }
        let added = assignment.subtracting(previous).union(reread)
        return Reassignment(revoked: revoked, reread: reread, added: added, topics: Array(Set(assignment.map(\.topic))))
    }

    /// Where `partition` (of the last ``Reassignment``'s `added`) is read from: its committed offset, with
    /// the EFD time committed with it (an offset committed without the promise, by another program,
    /// promises nothing older than `now`); never committed, the oldest time a window still to be learned
    /// may need, not the start of the topic's retention.
    func resumePoint(_ partition: KafkaTopicPartition, committed commit: KafkaCommittedOffset?, reread: Bool, now: Double) -> ResumePoint {
        if let commit {
            let coveredFrom = AssignedPartitions.coveredFrom(commitMetadata: commit.metadata) ?? now
            return .committed(offset: commit.offset, coveredFrom: coveredFrom, seek: reread)
        }
        return .time(coveredFrom: now - settings.reopenHorizon.seconds - settings.discoveryHorizon.seconds - lookBack(partition.topic))
    }

    /// Reading of `partition` resumes at `offset`, its data complete from `coveredFrom`.
    mutating func partitionResumed(_ partition: KafkaTopicPartition, coveredFrom: Double, offset: Int64) {
        partitions.add(partition, coveredFrom: coveredFrom, resumeOffset: offset)
    }

    /// The cluster's partition count of each topic assigned: this replica owns the topics it holds whole.
    mutating func partitionCountsLearned(_ counts: [String: Int]) -> Ownership {
        partitions.updateOwnership(partitionCounts: counts)
        let topics = Set(partitions.assignment.map(\.topic))
        return Ownership(owned: partitions.ownedTopics, split: topics.subtracting(partitions.ownedTopics))
    }
}
