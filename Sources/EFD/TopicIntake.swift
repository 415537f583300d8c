// From one decoded telemetry row to the engine's buffers: the topic's own columns, and its packed fields
// unpacked. Shared by every source of rows (Kafka messages, InfluxDB answers).

/// What a reader must ask of each topic's rows, and where each value goes.
///
/// A topic's row is read as `columns(topic)`: first the topic buffer's fields (`SummaryEngine.topicFields`),
/// then, for a packed topic, `cRIO_timestamp` and every element of its packed fields
/// (`PackedSeries.readColumns`), each name once (a field both read plainly and packed is read once).
public struct TopicIntake: Sendable {
    struct Layout: Sendable {
        var columns: [String]
        var plainCount: Int
        /// Positions in `columns` of the packed timestamp and elements, in `PackedSeries.readColumns` order.
        var packedPositions: [Int]
    }

    private let layouts: [String: Layout]
    private let rowTimeToUTC: @Sendable (Double) -> Double
    private var unpackers: [String: PackedSeriesUnpacker]
    private var packedRow: [Double] = []

    /// - Parameter rowTimeToUTC: converts a packed row's `cRIO_timestamp` (TAI unix seconds) to the buffers'
    ///   scale (UTC unix seconds); the caller owns the leap-second table.
    public init(engine: SummaryEngine, rowTimeToUTC: @escaping @Sendable (Double) -> Double) {
        var layouts: [String: Layout] = [:]
        for (topic, fields) in engine.topicFields {
            var columns = fields
            var positions: [Int] = []
            if let bases = engine.packedFields[topic] {
                var position = Dictionary(fields.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                for name in PackedSeries.readColumns(bases: bases) {
                    if let existing = position[name] {
                        positions.append(existing)
                    } else {
                        position[name] = columns.count
                        positions.append(columns.count)
                        columns.append(name)
                    }
                }
            }
            layouts[topic] = Layout(columns: columns, plainCount: fields.count, packedPositions: positions)
        }
        self.layouts = layouts
        self.rowTimeToUTC = rowTimeToUTC
        self.unpackers = engine.makeUnpackers()
    }

    /// The columns to read of `topic`'s rows, in the order `append` expects them; nil for a topic the
    /// engine does not read.
    public func columns(_ topic: String) -> [String]? { layouts[topic]?.columns }

    /// Whether `topic` has packed fields.
    public func isPacked(_ topic: String) -> Bool { !(layouts[topic]?.packedPositions.isEmpty ?? true) }

    /// Adds one row of `topic` read as `columns(topic)`, at `time` (UTC unix seconds): its plain fields to
    /// the topic's buffer, its packed fields to the unpacker. Nothing is added when it throws. Returns the
    /// number of field values taken (plain fields, and the packed elements the row holds).
    ///
    /// - Throws: `IntakeError` for a topic the engine does not read, a row of the wrong length, a
    ///   non-finite time, or a packed row without a usable `cRIO_timestamp`.
    @discardableResult
    public mutating func append(topic: String, time: Double, row: [Double], into buffers: inout [String: TopicBuffer]) throws(IntakeError) -> Int {
        guard let layout = layouts[topic] else { throw .unknownTopic(topic) }
        guard row.count == layout.columns.count else { throw .rowLength(expected: layout.columns.count, got: row.count) }
        guard time.isFinite else { throw .nonFiniteTime(time) }
        var rowTime = 0.0
        if !layout.packedPositions.isEmpty {
            packedRow.removeAll(keepingCapacity: true)
            for position in layout.packedPositions { packedRow.append(row[position]) }
            guard packedRow[0].isFinite, packedRow[0] > 0 else { throw .noPackedTime(packedRow[0]) }
            rowTime = rowTimeToUTC(packedRow[0])
            guard rowTime.isFinite else { throw .noPackedTime(packedRow[0]) }
        }
        let plain: Result<Void, TopicBufferError> = row.withUnsafeBufferPointer { values in
            Result { () throws(TopicBufferError) in
                try buffers[topic]?.append(time: time, values: UnsafeBufferPointer(rebasing: values[0..<layout.plainCount]))
            }
        }
        do { try plain.get() } catch { throw .buffer(error) }
        guard !layout.packedPositions.isEmpty else { return layout.plainCount }
        let name = PackedSeries.bufferName(topic: topic)
        do {
            try unpackers[topic]?.add(rowTime: rowTime, elements: packedRow[1...], into: &buffers[name, default: TopicBuffer(fields: [])])
        } catch { throw .buffer(error) }
        return layout.plainCount + packedRow.dropFirst().count { !$0.isNaN }
    }

    /// Writes every packed topic's held row: the end of a batch read.
    public mutating func flush(into buffers: inout [String: TopicBuffer]) {
        flushHeld(through: .infinity, into: &buffers)
    }

    /// Writes the held rows at or before `time` (a window ending then is about to be summarized: no row that
    /// would give them their spacing has come, so they take the last one).
    public mutating func flushHeld(through time: Double, into buffers: inout [String: TopicBuffer]) {
        // Plain copies in and out: the optimizer of Swift 6.3 crashed on the in-place form (`unpackers[topic]?
        // .flush(into: &buffers[...])` inside a loop over the keys) in release builds.
        let due = unpackers.filter { $0.value.heldTime.map { $0 <= time } ?? false }.map(\.key)
        for topic in due {
            guard var unpacker = unpackers.removeValue(forKey: topic) else { continue }
            let name = PackedSeries.bufferName(topic: topic)
            // Taken out of the dictionary so that the append does not copy the whole buffer.
            var buffer = buffers.removeValue(forKey: name) ?? TopicBuffer(fields: unpacker.bases)
            // Only a non-finite row time can fail, and `add` refused those.
            try? unpacker.flush(into: &buffer)
            buffers[name] = buffer
            unpackers[topic] = unpacker
        }
    }

    /// Forgets what is held for `topic` (its data is to be read again).
    public mutating func reset(_ topic: String) {
        unpackers[topic]?.reset()
    }
}

/// Why a row could not be added.
public enum IntakeError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownTopic(String)
    case rowLength(expected: Int, got: Int)
    case nonFiniteTime(Double)
    case noPackedTime(Double)
    case buffer(TopicBufferError)

    public var description: String {
        switch self {
        case .unknownTopic(let topic): "topic \(topic) is not in the config"
        case .rowLength(let expected, let got): "a row of \(got) values where \(expected) were read"
        case .nonFiniteTime(let time): "the row's time \(time) is not finite"
        case .noPackedTime(let time): "a packed row without a usable \(PackedSeries.timestampField) (\(time))"
        case .buffer(let error): "\(error)"
        }
    }
}
