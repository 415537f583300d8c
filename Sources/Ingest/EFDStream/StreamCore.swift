import EFD
import Kafka
import TimeScales

/// The EFD stream's decisions as a value driven by events (DESIGN §5.5–5.7), after postgres-nio's
/// `PoolStateMachine`: which messages to take and what they add to the buffers, what a rebalance forgets
/// and where each partition is read from, which windows are ready and what their rows hold, which offsets
/// to commit with which promise, and which data nothing needs any more.
///
/// It performs no I/O and reads no clock: each event carries the time (`now`, wall-clock UTC unix seconds;
/// `uptime`, monotonic time since the worker started), and the worker performs what the answer asks (Kafka,
/// PostgreSQL, logs, metrics) and feeds the results back as events. The promise it keeps: an offset is
/// committed only when no window still to be written, or kept for late data, needs the messages below it.
/// A window leaves the pending set only through ``windowWritten(_:now:)``, ``windowRefused(_:now:)`` or
/// ``summarize(_:now:)`` finding nothing this replica may write.
///
/// The events live in extensions by concern: `StreamCore+Assignment`, `+Intake`, `+Windows`, `+Commit`.
struct StreamCore {
    let settings: EFDStreamSettings
    let engine: SummaryEngine
    var buffers: [String: TopicBuffer]
    /// Rows to buffers, packed fields unpacked.
    var intake: TopicIntake
    var partitions = AssignedPartitions()
    var samples = PartitionSamples()
    /// The offsets the broker accepted from this replica, per partition held.
    var committed: [KafkaTopicPartition: Int64] = [:]
    var windows = StreamWindows()
    var scratch = SampleSelection()
    /// When freed memory was last given back to the system (see `ProcessMemory`).
    var lastMemoryRelease: Duration = .zero
    /// When ConsDB was last read for windows; nil before the first read.
    var lastWindowRefresh: Duration?
    /// Topics of each column.
    let columnTopics: [String: [String]]
    /// How far before a window's start each column reads (its start offset, and the bucket a pre-aggregated
    /// window's start falls in).
    let columnReach: [String: Double]
    private let emptyBuffers: [String: TopicBuffer]

    init(engine: SummaryEngine, settings: EFDStreamSettings) {
        intake = TopicIntake(engine: engine, rowTimeToUTC: { LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: $0) })
        buffers = engine.makeBuffers()
        emptyBuffers = buffers
        self.engine = engine
        self.settings = settings
        var columnTopics: [String: [String]] = [:]
        var columnReach: [String: Double] = [:]
        for column in engine.config.columns {
            let lookBack = -(column.startOffsetHours ?? 0) * 3600
            let bucket = column.preAggregateInterval?.seconds ?? 0
            columnTopics[column.name] = column.topics.map(\.name)
            columnReach[column.name] = lookBack + bucket
        }
        self.columnTopics = columnTopics
        self.columnReach = columnReach
    }

    /// The fields to decode of each topic's messages, in the order ``sampleDecoded(_:offset:topic:time:row:now:)``
    /// takes them.
    var topicFields: [String: [String]] {
        Dictionary(uniqueKeysWithValues: engine.config.topicNames.compactMap { topic in intake.columns(topic).map { (topic, $0) } })
    }

    /// Memory held by the topic buffers.
    var bufferedBytes: Int { buffers.values.reduce(0) { $0 + $1.storageBytes } }

    func lookBack(_ topic: String) -> Double { engine.lookBack(topic: topic) }

    func bucketSlack(_ topic: String) -> Double { engine.bucketSlack(topic: topic) }

    /// Whether this replica may write `column` for a window that begins at `begin`: it holds every
    /// partition of every topic the column reads, and their data covers what the column reads before the
    /// window.
    func mayWrite(_ column: String, windowBegin begin: Double) -> Bool {
        guard let topics = columnTopics[column] else { return false }
        let reach = columnReach[column] ?? 0
        return topics.allSatisfy { partitions.ownedTopics.contains($0) && partitions.coveredFrom($0) <= begin - reach }
    }

    /// Forgets a partition: its samples, and (samples of partitions cannot be told apart in a topic's
    /// buffer) its whole topic's buffer.
    mutating func forget(_ partition: KafkaTopicPartition) {
        partitions.remove(partition)
        samples.forget([partition])
        committed[partition] = nil
        buffers[partition.topic] = emptyBuffers[partition.topic]
        let unpacked = PackedSeries.bufferName(topic: partition.topic)
        if emptyBuffers[unpacked] != nil { buffers[unpacked] = emptyBuffers[unpacked] }
        intake.reset(partition.topic)
    }
}
