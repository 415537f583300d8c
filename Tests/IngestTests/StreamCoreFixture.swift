import EFD
@testable import Ingest
import Kafka
import Testing

/// A small config for the stream core's tests: one plain topic per concern, so expected values can be
/// worked out by hand. Topic A: `a_mean`; B: `b_mean`; C: `c_max_10s`, pre-aggregated in 10 s buckets
/// (a bucket slack of 10 s); D: `d_recent`, reading one hour before the window (a look-back of 3600 s).
enum StreamCoreFixture {
    static let config = """
        version: 1.0.0
        columns:
        - name: a_mean
          tables: [exposure_efd]
          function: mean
          topics: [{name: lsst.sal.A.t, fields: [{name: x}]}]
        - name: b_mean
          tables: [exposure_efd]
          function: mean
          topics: [{name: lsst.sal.B.t, fields: [{name: y}]}]
        - name: c_max_10s
          tables: [exposure_efd]
          function: max
          pre_aggregate_interval: 10s
          topics: [{name: lsst.sal.C.t, fields: [{name: z}]}]
        - name: d_recent
          tables: [exposure_efd]
          function: most_recent_value
          start_offset: -1
          topics: [{name: lsst.sal.D.t, fields: [{name: w}]}]
        """

    static let a0 = KafkaTopicPartition(topic: "lsst.sal.A.t", partition: 0)
    static let a1 = KafkaTopicPartition(topic: "lsst.sal.A.t", partition: 1)
    static let b0 = KafkaTopicPartition(topic: "lsst.sal.B.t", partition: 0)
    static let c0 = KafkaTopicPartition(topic: "lsst.sal.C.t", partition: 0)
    static let d0 = KafkaTopicPartition(topic: "lsst.sal.D.t", partition: 0)

    /// The default settings: lateness 5 s, maximum wait 60 s, discovery and re-open horizons 600 s each,
    /// polling every 5 s.
    static func core(_ settings: EFDStreamSettings = EFDStreamSettings()) throws -> StreamCore {
        StreamCore(engine: SummaryEngine(config: try EFDConfig.parse(config)), settings: settings)
    }

    static func exposure(_ id: Int64, _ begin: Double, _ end: Double) -> ObservationWindow {
        ObservationWindow(kind: .exposure, id: id, dayObs: 20260101, seqNum: Int(id), span: SampleWindow(begin: begin, end: end))
    }
}

extension StreamCore {
    /// Takes on `assignment` as the worker does: every new partition read from `offset`, its data complete
    /// from `coveredFrom`, the cluster holding `counts` partitions per topic.
    @discardableResult
    mutating func take(_ assignment: Set<KafkaTopicPartition>, coveredFrom: Double = 0, offset: Int64 = 0,
                       counts: [String: Int]) -> Ownership {
        let change = assignmentChanged(to: assignment)
        for partition in change.added.sorted() { partitionResumed(partition, coveredFrom: coveredFrom, offset: offset) }
        return partitionCountsLearned(counts)
    }

    /// Ingests one single-field sample as the worker does; records an issue when it is not buffered.
    @discardableResult
    mutating func sample(_ partition: KafkaTopicPartition, offset: Int64, time: Double, value: Double, now: Double,
                         sourceLocation: SourceLocation = #_sourceLocation) -> SampleOutcome {
        guard admits(partition, offset: offset) else {
            Issue.record("offset \(offset) of \(partition) not admitted", sourceLocation: sourceLocation)
            return .rejected("not admitted")
        }
        let outcome = sampleDecoded(partition, offset: offset, time: time, row: [value], now: now)
        if outcome != .buffered(values: 1) { Issue.record("sample not buffered: \(outcome)", sourceLocation: sourceLocation) }
        return outcome
    }

    /// The written columns of a ready window, by name.
    mutating func rows(_ ready: ReadyWindow, now: Double) -> [String: Double?]? {
        guard case .upsert(let summary) = summarize(ready, now: now) else { return nil }
        return Dictionary(uniqueKeysWithValues: summary.columns.map { ($0.name, $0.value) })
    }
}
