import Kafka

// Events of the messages: which to decode, and what a decoded (or undecodable) message adds.
extension StreamCore {
    /// What became of a decoded message.
    enum SampleOutcome: Equatable {
        /// Buffered: this many field values taken.
        case buffered(values: Int)
        /// Not usable (it goes to the dead-letter table with this reason); the message is done with.
        case rejected(String)
    }

    /// A sample from further than this in the future (seconds past `now`) would move the watermark past
    /// windows whose data has not come yet.
    static let futureTolerance = 300.0

    /// Whether the message at `offset` of `partition` is to be decoded: not when the partition was revoked
    /// since it was fetched, or the message was read already (handed out again after a seek or a rebalance).
    func admits(_ partition: KafkaTopicPartition, offset: Int64) -> Bool {
        guard let assigned = partitions[partition] else { return false }
        return offset >= samples.nextOffset[partition] ?? assigned.resumeOffset
    }

    /// The message at `offset` could not be decoded (it goes to the dead-letter table): it is done with.
    mutating func messageRejected(_ partition: KafkaTopicPartition, offset: Int64) {
        samples.skip(partition, offset: offset)
    }

    /// A message of `partition` decoded to its EFD time (UTC unix seconds) and `row` (``topicFields``
    /// order), received at `now`. A sample inside a window already summarized (or behind the partition's
    /// watermark) re-opens the closed windows it falls in.
    mutating func sampleDecoded(_ partition: KafkaTopicPartition, offset: Int64, time: Double, row: [Double], now: Double) -> SampleOutcome {
        let topic = partition.topic
        guard time <= now + Self.futureTolerance else {
            samples.skip(partition, offset: offset)
            return .rejected("private_efdStamp \(time) is more than 5 minutes in the future")
        }
        let taken: Int
        do {
            taken = try intake.append(topic: topic, time: time, row: row, into: &buffers)
        } catch {
            samples.skip(partition, offset: offset)
            return .rejected(error.description)
        }
        samples.record(partition, time: time, offset: offset)
        let watermark = partitions[partition]?.watermark ?? -.infinity
        partitions.noteSample(partition, time: time)
        if time < watermark - 1 || windows.entries.values.contains(where: { $0.closedAt != nil }) {
            windows.noteLateSample(at: time, lookBack: lookBack(topic), slack: bucketSlack(topic), now: now)
        }
        return .buffered(values: taken)
    }
}
