import Avro
import EFD
import Kafka
import TimeScales

/// Everything the stream's processing loop owns.
struct StreamState {
    var decoder: TelemetryDecoder
    var buffers: [String: TopicBuffer]
    /// Rows to buffers, packed fields unpacked.
    var intake: TopicIntake
    var values: [Double] = []
    var partitions = AssignedPartitions()
    var samples = PartitionSamples()
    var committed: [KafkaTopicPartition: Int64] = [:]
    var windows = StreamWindows()
    var scratch = SampleSelection()
    /// When freed memory was last given back to the system (see `ProcessMemory`).
    var lastMemoryRelease = ContinuousClock.now
    /// Topics of each column.
    let columnTopics: [String: [String]]
    /// How far before a window's start each column reads (its start offset, and the bucket a pre-aggregated
    /// window's start falls in).
    let columnReach: [String: Double]
    private let emptyBuffers: [String: TopicBuffer]
    private let engine: SummaryEngine

    init(engine: SummaryEngine, registry: SchemaRegistryClient) {
        intake = TopicIntake(engine: engine, rowTimeToUTC: { LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: $0) })
        let intake = intake
        decoder = TelemetryDecoder(registry: registry, topicFields: Dictionary(uniqueKeysWithValues: engine.config.topicNames.compactMap { topic in
            intake.columns(topic).map { (topic, $0) }
        }))
        buffers = engine.makeBuffers()
        emptyBuffers = buffers
        self.engine = engine
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
