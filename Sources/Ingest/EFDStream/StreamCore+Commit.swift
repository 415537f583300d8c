import EFD
import Kafka

// Events of the commit: what to commit (and drop) at a tick, and what the broker accepted.
extension StreamCore {
    /// What to commit after a tick.
    struct CommitPlan: Equatable {
        /// Per partition, the lowest offset still needed, where it moved past the last commit.
        var offsets: [KafkaTopicPartition: Int64] = [:]
        /// The promise committed with each offset (``AssignedPartitions/commitMetadata(coveredFrom:)``).
        var metadata: [KafkaTopicPartition: String] = [:]
        /// Give freed memory back to the system (at most every 10 s).
        var releaseMemory = false
    }

    /// The offsets to commit at `now` (`uptime` since the worker started) on the partitions the consumer
    /// holds (`assignment`), and the data dropped because nothing needs it any more.
    ///
    /// Per partition: windows not known yet may still need data back to the discovery horizon (before the
    /// topic's watermark, less its look-back and bucket); windows kept (pending, or closed but open to late
    /// data, and recomputed after a restart) from their start minus the look-back. The offset committed is
    /// the lowest of a sample still needed, so a restart reads every such sample again; samples and buffer
    /// data before that time are dropped. Report the broker's answer with ``offsetsCommitted(_:)``.
    mutating func commitDue(now: Double, uptime: Duration, assignment: Set<KafkaTopicPartition>) -> CommitPlan {
        let horizon = settings.discoveryHorizon.seconds
        var plan = CommitPlan()
        for partition in samples.partitions where assignment.contains(partition) && partitions[partition] != nil {
            let topic = partition.topic
            let lookBack = lookBack(topic) + bucketSlack(topic)
            let watermark = partitions.watermark(topic)
            var neededFrom = (watermark.isFinite ? watermark : now) - horizon - lookBack
            if let begin = windows.earliestKeptBegin { neededFrom = min(neededFrom, begin - lookBack) }
            guard let offset = samples.committable(partition, neededFrom: neededFrom) else { continue }
            samples.drop(partition, below: offset)
            buffers[topic]?.dropSamples(before: neededFrom)
            buffers[PackedSeries.bufferName(topic: topic)]?.dropSamples(before: neededFrom)
            partitions.dropped(partition, before: neededFrom)
            if offset > committed[partition] ?? -1 {
                plan.offsets[partition] = offset
                plan.metadata[partition] = AssignedPartitions.commitMetadata(coveredFrom: partitions[partition]!.coveredFrom)
            }
        }
        if uptime - lastMemoryRelease >= .seconds(10) {
            lastMemoryRelease = uptime
            plan.releaseMemory = true
        }
        return plan
    }

    /// The broker accepted `offsets`. (A failed commit needs no event: the next tick commits again.)
    mutating func offsetsCommitted(_ offsets: [KafkaTopicPartition: Int64]) {
        for (partition, offset) in offsets { committed[partition] = offset }
    }
}
