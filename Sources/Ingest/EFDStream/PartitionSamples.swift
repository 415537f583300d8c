import Kafka

/// For each partition, the (EFD time, offset) of the samples still buffered, in offset order: what
/// decides the offset to commit, the lowest one still needed by any window.
struct PartitionSamples {
    private var entries: [KafkaTopicPartition: (times: [Double], offsets: [Int64], head: Int)] = [:]
    /// The next offset after the last message seen (all of whose samples may be dropped).
    private(set) var nextOffset: [KafkaTopicPartition: Int64] = [:]

    mutating func record(_ partition: KafkaTopicPartition, time: Double, offset: Int64) {
        entries[partition, default: ([], [], 0)].times.append(time)
        entries[partition, default: ([], [], 0)].offsets.append(offset)
        nextOffset[partition] = max(nextOffset[partition] ?? 0, offset + 1)
    }

    /// Notes a message that carried no sample (rejected): it is done with.
    mutating func skip(_ partition: KafkaTopicPartition, offset: Int64) {
        nextOffset[partition] = max(nextOffset[partition] ?? 0, offset + 1)
    }

    /// The offset to commit so that every sample at or after `neededFrom` (EFD time) is read again after a
    /// restart: the lowest offset of such a sample, or the next offset when none is buffered.
    func committable(_ partition: KafkaTopicPartition, neededFrom: Double) -> Int64? {
        guard let next = nextOffset[partition] else { return nil }
        guard let entry = entries[partition] else { return next }
        var lowest = next
        for index in entry.head..<entry.times.count where entry.times[index] >= neededFrom {
            lowest = min(lowest, entry.offsets[index])
        }
        return lowest
    }

    /// Forgets samples below `offset` (committed and no longer buffered).
    mutating func drop(_ partition: KafkaTopicPartition, below offset: Int64) {
        guard var entry = entries[partition] else { return }
        while entry.head < entry.offsets.count, entry.offsets[entry.head] < offset { entry.head += 1 }
        if entry.head > 4096, entry.head * 2 > entry.offsets.count {
            entry.times.removeFirst(entry.head)
            entry.offsets.removeFirst(entry.head)
            entry.head = 0
        }
        entries[partition] = entry
    }

    mutating func forget(_ partitions: [KafkaTopicPartition]) {
        for partition in partitions {
            entries[partition] = nil
            nextOffset[partition] = nil
        }
    }

    var partitions: [KafkaTopicPartition] { Array(nextOffset.keys) }
}
