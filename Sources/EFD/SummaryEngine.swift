/// Which rows a window's summary fills: exposure rows (`exposure_efd`, `exposure_efd_unpivoted`) or visit
/// rows (`visit1_efd`, `visit1_efd_unpivoted`).
public enum WindowKind: String, Sendable, Hashable {
    case exposure, visit

    var pivotedTable: EFDTable { self == .exposure ? .exposure : .visit }
    var unpivotedTable: EFDTable { self == .exposure ? .exposureUnpivoted : .visitUnpivoted }
}

/// One window's results: a value (or nil: NULL) for every pivoted column of its table, in config order,
/// and one row per field of every unpivoted column.
public struct WindowSummary: Sendable, Equatable {
    public var columns: [(name: String, value: Double?)]
    public var unpivoted: [(property: String, field: String, value: Double?)]

    public static func == (lhs: WindowSummary, rhs: WindowSummary) -> Bool {
        lhs.columns.map(\.name) == rhs.columns.map(\.name) && lhs.columns.map(\.value) == rhs.columns.map(\.value)
            && lhs.unpivoted.map(\.property) == rhs.unpivoted.map(\.property) && lhs.unpivoted.map(\.field) == rhs.unpivoted.map(\.field)
            && lhs.unpivoted.map(\.value) == rhs.unpivoted.map(\.value)
    }

    public func value(_ column: String) -> Double?? {
        columns.first { $0.name == column }.map(\.value)
    }
}

/// The summarization engine (DESIGN §5.4): a config compiled against the columns of per-topic sample
/// buffers, evaluated for one window at a time. The stream and the batch runs fill buffers differently
/// and call the same engine, so they compute the same rows.
public struct SummaryEngine: Sendable {
    public let config: EFDConfig
    /// The fields each topic's buffer must hold, in buffer column order: every field a column reads and
    /// every subset field. Every topic of the config has an entry (empty when only packed columns read it).
    public let topicFields: [String: [String]]
    /// The packed topics (DESIGN §5.4): per topic, the base names of its packed fields (`azimuthCalculatedAngle`
    /// for `azimuthCalculatedAngle0…99`). Their unpacked samples live in the buffer named
    /// `PackedSeries.bufferName(topic:)`, with one column per base name, filled by a `PackedSeriesUnpacker`.
    public let packedFields: [String: [String]]
    private let plans: [ColumnPlan]
    private let reach: [String: (lookBack: Double, bucket: Double)]

    /// A config column resolved to buffer columns.
    struct ColumnPlan: Sendable {
        var column: EFDColumn
        /// Per topic read: its name, the buffer columns of the values (subset field excluded), the field
        /// names, and the subset filter.
        var sources: [(topic: String, fields: [Int], names: [String], subset: SubsetFilter?)]
        var preAggregation: PreAggregation?
    }

    public init(config: EFDConfig) {
        self.config = config
        var fields: [String: [String]] = [:]
        var packed: [String: [String]] = [:]
        func slot(_ table: inout [String: [String]], _ topic: String, _ field: String) -> Int {
            if let index = table[topic, default: []].firstIndex(of: field) { return index }
            table[topic, default: []].append(field)
            return table[topic]!.count - 1
        }
        var plans: [ColumnPlan] = []
        for column in config.columns {
            var sources: [(topic: String, fields: [Int], names: [String], subset: SubsetFilter?)] = []
            for topic in column.topics {
                // The reference lists the subset field among the fields but summarizes the others.
                let names = topic.fields.filter { $0 != column.subsetField }
                if fields[topic.name] == nil { fields[topic.name] = [] }
                if column.packedSeries {
                    // The reference applies no subset filter on the packed path.
                    let indices = names.map { slot(&packed, topic.name, $0) }
                    sources.append((PackedSeries.bufferName(topic: topic.name), indices, names, nil))
                    continue
                }
                let indices = names.map { slot(&fields, topic.name, $0) }
                let subset = column.subsetField.map { SubsetFilter(field: slot(&fields, topic.name, $0), values: column.subsetValues) }
                sources.append((topic.name, indices, names, subset))
            }
            let preAggregation = column.preAggregateInterval.flatMap { interval in
                column.function.preAggregationStatistic.map { PreAggregation(interval: interval, statistic: $0) }
            }
            plans.append(ColumnPlan(column: column, sources: sources, preAggregation: preAggregation))
        }
        self.topicFields = fields
        self.packedFields = packed
        self.plans = plans
        var reach: [String: (lookBack: Double, bucket: Double)] = [:]
        for column in config.columns {
            for topic in column.topics {
                let current = reach[topic.name] ?? (0, 0)
                reach[topic.name] = (max(current.lookBack, -(column.startOffsetHours ?? 0) * 3600),
                                     max(current.bucket, column.preAggregateInterval?.seconds ?? 0))
            }
        }
        self.reach = reach
    }

    /// Empty buffers with the columns this engine reads: one per topic, and one more per packed topic for
    /// its unpacked samples.
    public func makeBuffers() -> [String: TopicBuffer] {
        var buffers = topicFields.mapValues { TopicBuffer(fields: $0) }
        for (topic, bases) in packedFields { buffers[PackedSeries.bufferName(topic: topic)] = TopicBuffer(fields: bases) }
        return buffers
    }

    /// Empty unpackers for the packed topics, keyed by topic.
    public func makeUnpackers() -> [String: PackedSeriesUnpacker] {
        packedFields.mapValues { PackedSeriesUnpacker(bases: $0) }
    }

    /// The longest look-back of any column (hours, ≥ 0): how much older data a buffer must keep.
    public var longestLookBackHours: Double {
        -(config.columns.compactMap(\.startOffsetHours).min() ?? 0)
    }

    /// How far before a window's begin `topic`'s samples are read (seconds, ≥ 0): the longest start offset of
    /// a column that reads it.
    public func lookBack(topic: String) -> Double { reach[topic]?.lookBack ?? 0 }

    /// How far past a window's end `topic`'s samples can count (seconds, ≥ 0): pre-aggregated columns keep
    /// the buckets that start in the window, so samples up to one bucket past the end.
    public func bucketSlack(topic: String) -> Double { reach[topic]?.bucket ?? 0 }

    /// Summarizes `window` (UTC unix seconds, both ends included) for the exposure or visit tables.
    /// Topics without a buffer count as empty (their columns are NULL). `scratch` is reused between calls.
    public func summarize(_ window: SampleWindow, kind: WindowKind, buffers: [String: TopicBuffer], scratch: inout SampleSelection) -> WindowSummary {
        var summary = WindowSummary(columns: [], unpivoted: [])
        for plan in plans {
            let column = plan.column
            let extended = column.startOffsetHours.map { window.extended(startOffsetHours: $0) } ?? window
            if column.tables.contains(kind.pivotedTable) {
                summary.columns.append((column.name, value(plan, window: extended, buffers: buffers, scratch: &scratch)))
            }
            if column.tables.contains(kind.unpivotedTable) {
                for source in plan.sources {
                    for (field, name) in zip(source.fields, source.names) {
                        let value = evaluate(column.function, topic: source.topic, fields: [field], subset: source.subset,
                                             preAggregation: plan.preAggregation, window: extended, buffers: buffers, scratch: &scratch)
                        summary.unpivoted.append((column.name, name, value))
                    }
                }
            }
        }
        return summary
    }

    private func value(_ plan: ColumnPlan, window: SampleWindow, buffers: [String: TopicBuffer], scratch: inout SampleSelection) -> Double? {
        if plan.sources.count == 1, let source = plan.sources.first {
            return evaluate(plan.column.function, topic: source.topic, fields: source.fields, subset: source.subset,
                            preAggregation: plan.preAggregation, window: window, buffers: buffers, scratch: &scratch)
        }
        // Several topics (no reference config has one): their samples are pooled into one series in time
        // order, every field's values in turn, and the function applies to the pool.
        var pooled: [(time: Double, value: Double)] = []
        for source in plan.sources {
            guard let buffer = buffers[source.topic] else { continue }
            scratch.gather(from: buffer, window: window, fields: source.fields, subset: source.subset, preAggregation: plan.preAggregation)
            scratch.withBuffers { times, fields in
                for field in fields {
                    for index in 0..<times.count { pooled.append((times[index], field[index])) }
                }
            }
        }
        pooled.sort { $0.time < $1.time }
        return plan.column.function.evaluate(times: pooled.map(\.time), values: pooled.map(\.value))
    }

    private func evaluate(_ function: SummaryFunction, topic: String, fields: [Int], subset: SubsetFilter?, preAggregation: PreAggregation?,
                          window: SampleWindow, buffers: [String: TopicBuffer], scratch: inout SampleSelection) -> Double? {
        guard let buffer = buffers[topic], !fields.isEmpty else { return nil }
        scratch.gather(from: buffer, window: window, fields: fields, subset: subset, preAggregation: preAggregation)
        return scratch.evaluate(function)
    }
}
