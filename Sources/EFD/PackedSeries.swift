// packed_series: unpacking rows that carry N consecutive samples (name0…name(N−1)) into one time series.

/// Unpacking of "packed" telemetry (FACTS §10; efd-client `merge_packed_time_series`, copied
/// by the reference's `InfluxDbDao`): one row holds N samples `base0 … base(N−1)` of a
/// quantity, and a reference timestamp field (`cRIO_timestamp`, TAI unix seconds of the
/// row's first sample). Example: `lsst.sal.ATMCS.mount_AzEl_Encoders`, 100 samples per row
/// at 100 Hz.
///
/// Sample i of row r has time `t_r + i·dt_r`; the output is row-major (row 0's samples,
/// then row 1's, …), which is time order whenever rows are at least N·dt apart.
///
/// What the reference does, verified against its code (`_merge_packed_time_series`):
/// - `dt = (t₁ − t₀) / N` from the FIRST TWO ROWS of whatever the query returned, used for
///   every row (`Spacing.firstTwoRows`); `dt = 0` when the query returned one row, so all N
///   samples then share the row's time. Irregular spacing is not looked at: a gap between
///   the first two rows (a dropped message) stretches every row's samples, and rows closer
///   than N·dt give overlapping, unsorted times (the reference does not sort; its window
///   filter is a mask, so order does not matter there, but `most_recent_value` would take
///   the last row's last sample).
/// - Because dt depends on where the query interval starts, the same row unpacks
///   differently in different batch tasks. A stream has no "first two rows" at all, so
///   `Spacing.eachRow` (the gap to the next row) or `Spacing.fixed` (the nominal rate) is
///   the robust choice there.
/// - Times are TAI and converted to UTC (`Time(…, format="unix_tai").utc`), then passed
///   through ISO strings with millisecond precision, so reference sample times are rounded
///   to 1 ms. Callers convert row times to the scale they want before unpacking; we do not
///   round.
/// - Only the first three base fields of a topic group are unpacked (`base_fields[0:3]`),
///   and no `subset_field` filter is applied on the packed path.
public enum PackedSeries {
    /// The field holding a packed row's reference time: TAI unix seconds of its first sample.
    public static let timestampField = "cRIO_timestamp"
    /// How many elements of each packed field the readers ask for (`base0 … base999`). A message holds
    /// fewer (ATMCS encoders: 100); the elements it lacks read as NaN and are not counted.
    public static let maximumElements = 1000

    /// The key of the buffer holding a packed topic's unpacked samples, next to the topic's own buffer.
    /// Not a valid topic name (it has a space), so it cannot collide with one.
    public static func bufferName(topic: String) -> String { topic + " unpacked" }

    /// The flattened names a reader asks of a packed topic for `bases`: the timestamp field, then
    /// `maximumElements` elements of each base in turn.
    public static func readColumns(bases: [String]) -> [String] {
        [timestampField] + bases.flatMap { base in (0..<maximumElements).map { "\(base)\($0)" } }
    }

    /// How the spacing dt between the samples of a row is chosen.
    public enum Spacing: Sendable, Hashable {
        /// The reference: (t₁ − t₀)/N from the first two rows, for all rows; 0 for one row.
        case firstTwoRows
        /// Per row: (t_{r+1} − t_r)/N; the last row reuses the previous row's dt (0 if there
        /// is only one row).
        case eachRow
        /// A known sample period in seconds (e.g. 0.01 for 100 Hz).
        case fixed(seconds: Double)
    }

    /// Why unpacking refused its input.
    public enum Failure: Error, Sendable, Hashable {
        /// An element column does not have one value per row.
        case elementCountMismatch(element: Int, expected: Int, got: Int)
        /// No element columns (N = 0).
        case noElements
    }

    /// Unpacks rows into a time series, appending to `times` and `values` after emptying
    /// them (capacity kept, so reused arrays do not allocate).
    ///
    /// - Parameters:
    ///   - rowTimes: each row's reference time (already in the caller's time scale).
    ///   - elements: N columns, element i of every row (`base0` … `base(N−1)`), each with
    ///     `rowTimes.count` values. NaN values are carried through (summaries ignore them).
    ///   - spacing: how dt is chosen; `.firstTwoRows` is the reference.
    /// - Throws: `Failure` for mismatched lengths or no elements; outputs are then empty.
    ///
    /// A non-finite row time makes that row's sample times non-finite; `TopicBuffer.append`
    /// refuses those samples, so such rows are dropped there, loudly.
    public static func unpack(
        rowTimes: UnsafeBufferPointer<Double>,
        elements: UnsafeBufferPointer<UnsafeBufferPointer<Double>>,
        spacing: Spacing,
        times: inout [Double],
        values: inout [Double]
    ) throws(Failure) {
        times.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        let n = elements.count
        guard n > 0 else { throw .noElements }
        for (i, column) in elements.enumerated() where column.count != rowTimes.count {
            throw .elementCountMismatch(element: i, expected: rowTimes.count, got: column.count)
        }
        let rows = rowTimes.count
        times.reserveCapacity(rows * n)
        values.reserveCapacity(rows * n)
        let firstDt = rows > 1 ? (rowTimes[1] - rowTimes[0]) / Double(n) : 0
        var previousDt = 0.0
        for r in 0..<rows {
            let dt: Double
            switch spacing {
            case .firstTwoRows:
                dt = firstDt
            case .eachRow:
                dt = r + 1 < rows ? (rowTimes[r + 1] - rowTimes[r]) / Double(n) : previousDt
                previousDt = dt
            case .fixed(let seconds):
                dt = seconds
            }
            let t = rowTimes[r]
            for i in 0..<n {
                // t + i·dt, exactly the reference's expression (not a running sum, which
                // would accumulate rounding along the row).
                times.append(t + Double(i) * dt)
                values.append(elements[i][r])
            }
        }
    }

    /// Array convenience for `unpack(rowTimes:elements:spacing:times:values:)`.
    public static func unpack(
        rowTimes: [Double], elements: [[Double]], spacing: Spacing = .firstTwoRows
    ) throws(Failure) -> (times: [Double], values: [Double]) {
        var times: [Double] = []
        var values: [Double] = []
        // Open every element column as a buffer without copying: recursion nests one
        // `withUnsafeBufferPointer` per column.
        let result: Result<Void, Failure> = rowTimes.withUnsafeBufferPointer { rowBuffer in
            withBuffers(of: elements[...], opened: []) { columns in
                columns.withUnsafeBufferPointer { columnBuffer in
                    Result { () throws(Failure) in
                        try unpack(
                            rowTimes: rowBuffer, elements: columnBuffer, spacing: spacing,
                            times: &times, values: &values)
                    }
                }
            }
        }
        try result.get()
        return (times, values)
    }

    private static func withBuffers<R>(
        of arrays: ArraySlice<[Double]>,
        opened: [UnsafeBufferPointer<Double>],
        _ body: ([UnsafeBufferPointer<Double>]) -> R
    ) -> R {
        guard let first = arrays.first else { return body(opened) }
        return first.withUnsafeBufferPointer { buffer in
            withBuffers(of: arrays.dropFirst(), opened: opened + [buffer], body)
        }
    }
}
