// Unpacking packed rows as they arrive, one at a time, for the stream and the batch runs alike.

/// Turns the rows of one packed topic (DESIGN §5.4, FACTS §10) into samples of its unpacked buffer, as
/// they come.
///
/// A row carries N samples of each base field and the time of its first sample; sample i is at
/// `t + i·dt`. The reference takes dt from the first two rows its query returned, which makes the same row
/// unpack differently in different queries. Here dt is the gap to the next row divided by N (the
/// `PackedSeries.Spacing.eachRow` rule), so a row is the same in the stream and in any batch interval: a
/// row is held until the next one arrives, and `flush(into:)` writes the last one with the previous dt.
///
/// N is the longest row seen so far (elements past a message's array read as NaN), so a row whose last
/// elements are genuinely NaN does not shorten the spacing. A row older than the held one (late, or a
/// duplicate) is written at once with the last dt.
public struct PackedSeriesUnpacker: Sendable {
    /// The base field names, in the unpacked buffer's column order.
    public let bases: [String]
    /// N: elements per row, the longest row seen (0 before any).
    public private(set) var elementCount = 0
    private var held: (time: Double, elements: [Double])?
    private var lastSpacing = 0.0
    private var sample: [Double]

    public init(bases: [String]) {
        self.bases = bases
        sample = Array(repeating: .nan, count: bases.count)
    }

    /// Takes one row. `elements` holds `PackedSeries.maximumElements` values per base, base after base (the
    /// reader's order after the timestamp); `rowTime` is the row's first-sample time in the buffer's scale
    /// (UTC unix seconds). Writes the samples that became complete into `buffer`.
    ///
    /// - Throws: `TopicBufferError.nonFiniteTime` for a non-finite `rowTime` (nothing is changed) or
    ///   `.fieldCountMismatch` when `elements` does not have the expected length.
    public mutating func add(rowTime: Double, elements: ArraySlice<Double>, into buffer: inout TopicBuffer) throws(TopicBufferError) {
        let width = PackedSeries.maximumElements
        guard elements.count == bases.count * width else {
            throw .fieldCountMismatch(expected: bases.count * width, got: elements.count)
        }
        guard rowTime.isFinite else { throw .nonFiniteTime(rowTime) }
        var length = 0
        for b in 0..<bases.count {
            let start = elements.startIndex + b * width
            if let last = elements[start..<(start + width)].lastIndex(where: { !$0.isNaN }) {
                length = max(length, last - start + 1)
            }
        }
        elementCount = max(elementCount, length)
        let row = (time: rowTime, elements: Array(elements))
        guard let previous = held else {
            held = row
            return
        }
        if rowTime > previous.time {
            if elementCount > 0 { lastSpacing = (rowTime - previous.time) / Double(elementCount) }
            try write(previous, spacing: lastSpacing, into: &buffer)
            held = row
        } else {
            try write(row, spacing: lastSpacing, into: &buffer)
        }
    }

    /// The time of the row held for its spacing, if any.
    public var heldTime: Double? { held?.time }

    /// Writes the held row (with the last spacing) and forgets it: the end of a batch query, or a window
    /// closing on a topic that has stopped.
    public mutating func flush(into buffer: inout TopicBuffer) throws(TopicBufferError) {
        guard let row = held else { return }
        held = nil
        try write(row, spacing: lastSpacing, into: &buffer)
    }

    /// Forgets the held row and what was learned of the spacing (the topic's data is read again).
    public mutating func reset() {
        held = nil
        elementCount = 0
        lastSpacing = 0
    }

    private mutating func write(_ row: (time: Double, elements: [Double]), spacing: Double, into buffer: inout TopicBuffer) throws(TopicBufferError) {
        let width = PackedSeries.maximumElements
        for i in 0..<elementCount {
            for b in 0..<bases.count { sample[b] = row.elements[b * width + i] }
            // t + i·dt, as the reference computes it (not a running sum).
            try buffer.append(time: row.time + Double(i) * spacing, values: sample)
        }
    }
}
