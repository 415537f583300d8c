import Kafka

/// The partitions the consumer group has given this replica, and what the stream knows of each: where its
/// reading resumed and from which EFD time its data is complete. A window is summarized only from topics
/// whose data covers it, so a replica that takes a partition over (after a restart or a rebalance) never
/// overwrites a row with the part of its data it happens to have (DESIGN §5.5, §5.7).
struct AssignedPartitions {
    struct Partition {
        /// Every sample of the partition at or after this EFD time (UTC unix seconds) is, or will be, in the
        /// buffer: the time the reading resumed from, raised as older data is dropped.
        var coveredFrom: Double
        /// The first offset to read; messages below it (fetched before a seek, or handed out again) are
        /// not ingested.
        var resumeOffset: Int64
        /// The latest EFD time read.
        var watermark = -Double.infinity
    }

    private(set) var partitions: [KafkaTopicPartition: Partition] = [:]
    /// Topics this replica holds every partition of: only their columns are written.
    private(set) var ownedTopics: Set<String> = []

    var assignment: Set<KafkaTopicPartition> { Set(partitions.keys) }

    subscript(_ partition: KafkaTopicPartition) -> Partition? { partitions[partition] }

    mutating func add(_ partition: KafkaTopicPartition, coveredFrom: Double, resumeOffset: Int64) {
        partitions[partition] = Partition(coveredFrom: coveredFrom, resumeOffset: resumeOffset)
    }

    mutating func remove(_ partition: KafkaTopicPartition) {
        partitions[partition] = nil
        ownedTopics.remove(partition.topic)
    }

    /// Sets the owned topics from the cluster's partition counts.
    mutating func updateOwnership(partitionCounts: [String: Int]) {
        var held: [String: Int] = [:]
        for partition in partitions.keys { held[partition.topic, default: 0] += 1 }
        ownedTopics = Set(held.filter { partitionCounts[$0.key] == $0.value }.keys)
    }

    mutating func noteSample(_ partition: KafkaTopicPartition, time: Double) {
        guard let current = partitions[partition]?.watermark, time > current else { return }
        partitions[partition]!.watermark = time
    }

    /// Data older than `time` is dropped from the partition's buffer.
    mutating func dropped(_ partition: KafkaTopicPartition, before time: Double) {
        guard let current = partitions[partition]?.coveredFrom, time > current else { return }
        partitions[partition]!.coveredFrom = time
    }

    /// The latest EFD time read on every partition of `topic` (the lowest partition watermark).
    func watermark(_ topic: String) -> Double {
        partitions.filter { $0.key.topic == topic }.map(\.value.watermark).min() ?? -.infinity
    }

    /// The EFD time from which `topic`'s data is complete on every partition held.
    func coveredFrom(_ topic: String) -> Double {
        partitions.filter { $0.key.topic == topic }.map(\.value.coveredFrom).max() ?? .infinity
    }

    /// Commit metadata: the committed offset's promise that the messages after it hold every sample at or
    /// after this EFD time. The replica that reads on from it (after a restart or rebalance) trusts windows
    /// from then on.
    static func commitMetadata(coveredFrom: Double) -> String {
        "efd-covered-from=\(coveredFrom)"
    }

    static func coveredFrom(commitMetadata text: String) -> Double? {
        guard text.hasPrefix("efd-covered-from="), let value = Double(text.dropFirst("efd-covered-from=".count)), value.isFinite else { return nil }
        return value
    }
}
