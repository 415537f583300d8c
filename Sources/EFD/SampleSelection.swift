// Gathering one column's samples for one window (fields, subset filter, pre-aggregation,
// NaN rows) into reusable contiguous scratch buffers that SummaryFunction evaluates.

/// A column's `subset_field`/`subset_value`: keep only samples whose subset field equals
/// one of the values (e.g. `salIndex` 110, or any of 103 and 113).
///
/// The comparison is numeric (`==`): NaN (subset field absent) never matches. The
/// reference compares strings instead (`astype(str)` on both sides), which agrees for
/// integer fields but not always: if any row of its query result lacks the subset field,
/// pandas makes the column float, `str(110.0)` is `"110.0"`, and `"110"` matches nothing.
/// We do not reproduce that.
public struct SubsetFilter: Sendable, Hashable {
    /// The subset field's column in the `TopicBuffer`.
    public let field: Int
    /// The accepted values.
    public let values: [Double]

    /// Keeps samples whose `field` equals any of `values` (a list `subset_value`).
    public init(field: Int, values: [Double]) {
        self.field = field
        self.values = values
    }

    /// Keeps samples whose `field` equals `value` (a scalar `subset_value`).
    public init(field: Int, value: Double) {
        self.init(field: field, values: [value])
    }

    /// Whether a sample with this subset-field value is kept. Linear: configs list at most
    /// three values.
    public func accepts(_ value: Double) -> Bool {
        for v in values where v == value { return true }
        return false
    }
}

/// What to do with a sample whose chosen fields are only partly NaN.
public enum IncompleteRowPolicy: Sendable, Hashable {
    /// Drop the whole sample if any chosen field is NaN: the reference (`dropna()` on the
    /// column's fields before the function). For a multi-field `mean` this means one
    /// sensor's NaN also removes the other sensors' values at that time.
    case dropRow
    /// Keep every non-NaN value on its own; only samples with every field NaN are dropped.
    case keepValues
}

/// Reusable scratch space holding one column's samples for one window: a time column and
/// one value column per chosen field, contiguous, ready for `SummaryFunction`.
///
/// Gathering copies (O(samples in the window)); after the first few windows the storage
/// has grown to the largest window and nothing more is allocated. Keep one selection per
/// worker thread and reuse it for every (window, column).
///
/// The subset field is a filter, not a value: leave it out of `fields` (the reference
/// removes it from the column's field list before summarizing, and configs list it).
public struct SampleSelection: Sendable {
    /// Column c (0 = times, 1 + f = field f) lives at `c·capacity ..< c·capacity + count`.
    private var storage: [Double] = []
    private var capacity = 0
    /// Scratch for the storage indices of filtered samples.
    private var rowScratch: [Int] = []

    /// The number of fields of the last gather.
    public private(set) var fieldCount = 0
    /// The number of samples (or buckets) selected.
    public private(set) var count = 0

    /// An empty selection; storage grows on the first gathers.
    public init() {}

    /// Selects the samples in `range` of `buffer` (logical indices, clamped).
    ///
    /// - Parameters:
    ///   - fields: column indices of the fields to summarize, in order (the first one is
    ///     what `mostRecentValue` and the fit read).
    ///   - subset: the column's subset filter, if any.
    ///   - incompleteRows: `.dropRow` is the reference.
    /// - Precondition: every index in `fields` and `subset?.field` is a column of `buffer`
    ///   (they come from `TopicBuffer.column(named:)`; a bad one is a programming error).
    public mutating func gather(
        from buffer: TopicBuffer,
        in range: Range<Int>,
        fields: [Int],
        subset: SubsetFilter? = nil,
        incompleteRows: IncompleteRowPolicy = .dropRow
    ) {
        copy(from: buffer, range: buffer.physicalRange(range), fields: fields, subset: subset)
        dropRows(incompleteRows)
    }

    /// Selects a window's samples: those with begin ≤ time ≤ end or, with
    /// `preAggregation`, the buckets that start in the window (see `PreAggregation` for
    /// exactly which samples they cover). The subset filter applies to the raw samples
    /// before bucketing; the incomplete-row policy to the buckets after.
    ///
    /// The reference filters by subset after InfluxDB has bucketed (it aggregates the
    /// subset field too); no reference config combines the two, and filtering first is
    /// the meaningful order.
    public mutating func gather(
        from buffer: TopicBuffer,
        window: SampleWindow,
        fields: [Int],
        subset: SubsetFilter? = nil,
        preAggregation: PreAggregation? = nil,
        incompleteRows: IncompleteRowPolicy = .dropRow
    ) {
        guard let preAggregation else {
            gather(
                from: buffer, in: buffer.range(from: window.begin, through: window.end),
                fields: fields, subset: subset, incompleteRows: incompleteRows)
            return
        }
        guard let span = preAggregation.span(for: window) else {
            copy(from: buffer, range: 0..<0, fields: fields, subset: nil)
            return
        }
        let range = buffer.range(from: span.sampleFrom, before: span.sampleBefore)
        copy(from: buffer, range: buffer.physicalRange(range), fields: fields, subset: subset)
        aggregate(preAggregation, buckets: span.buckets)
        dropRows(incompleteRows)
    }

    /// Calls `body` with the selected times and one buffer per field, valid only inside.
    public func withBuffers<R>(
        _ body: (
            _ times: UnsafeBufferPointer<Double>, _ fields: UnsafeBufferPointer<UnsafeBufferPointer<Double>>
        ) -> R
    ) -> R {
        let fieldCount = fieldCount
        let capacity = capacity
        let count = count
        return storage.withUnsafeBufferPointer { all in
            withUnsafeTemporaryAllocation(of: UnsafeBufferPointer<Double>.self, capacity: fieldCount) { list in
                for f in 0..<fieldCount {
                    let base = (f + 1) * capacity
                    list.initializeElement(at: f, to: UnsafeBufferPointer(rebasing: all[base..<(base + count)]))
                }
                return body(UnsafeBufferPointer(rebasing: all[0..<count]), UnsafeBufferPointer(list))
            }
        }
    }

    /// Evaluates a summary function over the selection (`SummaryFunction
    /// .evaluate(times:fields:)` semantics for several fields). Allocation-free.
    public func evaluate(_ function: SummaryFunction) -> Double? {
        withBuffers { times, fields in function.evaluate(times: times, fields: fields) }
    }

    /// A copy of the selected times (for tests and debugging).
    public var times: [Double] { withBuffers { times, _ in Array(times) } }

    /// A copy of one selected field's values (for tests and debugging).
    public func values(field: Int) -> [Double] { withBuffers { _, fields in Array(fields[field]) } }

    // MARK: - Steps

    /// Copies the rows of `range` (storage indices) that pass `subset` into the scratch.
    private mutating func copy(from buffer: TopicBuffer, range: Range<Int>, fields: [Int], subset: SubsetFilter?) {
        for f in fields { precondition(f >= 0 && f < buffer.fieldCount, "field index \(f) out of range") }
        let rowCount: Int
        if let subset {
            precondition(subset.field >= 0 && subset.field < buffer.fieldCount, "subset field out of range")
            rowScratch.removeAll(keepingCapacity: true)
            rowScratch.reserveCapacity(range.count)
            buffer.columnStorage[subset.field].withUnsafeBufferPointer { column in
                if subset.values.count == 1 {
                    let accepted = subset.values[0]  // the usual single salIndex
                    for i in range where column[i] == accepted { rowScratch.append(i) }
                } else {
                    for i in range where subset.accepts(column[i]) { rowScratch.append(i) }
                }
            }
            rowCount = rowScratch.count
        } else {
            rowCount = range.count
        }
        reserve(rows: rowCount, fields: fields.count)
        fieldCount = fields.count
        count = rowCount

        let capacity = capacity
        let contiguous = subset == nil
        let rows = rowScratch
        storage.withUnsafeMutableBufferPointer { out in
            guard rowCount > 0, let destination = out.baseAddress else { return }
            func copyColumn(_ source: UnsafeBufferPointer<Double>, to column: Int) {
                guard let from = source.baseAddress else { return }
                let target = destination + column * capacity
                if contiguous {
                    target.update(from: from + range.lowerBound, count: rowCount)
                } else {
                    rows.withUnsafeBufferPointer { rows in
                        for j in 0..<rowCount { target[j] = from[rows[j]] }
                    }
                }
            }
            buffer.timeStorage.withUnsafeBufferPointer { copyColumn($0, to: 0) }
            for (c, f) in fields.enumerated() {
                buffer.columnStorage[f].withUnsafeBufferPointer { copyColumn($0, to: c + 1) }
            }
        }
    }

    /// Replaces the raw samples by their buckets, in place: bucket w is written at index w,
    /// which is never past the first sample of its run, so unread samples are intact.
    private mutating func aggregate(_ preAggregation: PreAggregation, buckets: ClosedRange<Int64>) {
        let capacity = capacity
        let fieldCount = fieldCount
        let count = count
        var written = 0
        storage.withUnsafeMutableBufferPointer { out in
            let times = UnsafeBufferPointer(rebasing: out[0..<count])
            preAggregation.forEachBucket(times: times, buckets: buckets) { bucket, run in
                for c in 0..<fieldCount {
                    let base = (c + 1) * capacity
                    let column = UnsafeBufferPointer(rebasing: out[base..<(base + count)])
                    // Read the whole run before writing its bucket (at index ≤ run start).
                    let value = PreAggregation.statistic(
                        preAggregation.statistic, values: column, times: times, run: run)
                    out[base + written] = value
                }
                out[written] = preAggregation.bucketStart(bucket)
                written += 1
            }
        }
        self.count = written
    }

    /// Removes, in place, the rows the policy rejects.
    ///
    /// First a column-by-column scan for the first NaN (contiguous, four lanes at a time);
    /// selections without NaN, the common case, end there. Rows from the first NaN on are
    /// then checked and compacted row by row.
    private mutating func dropRows(_ policy: IncompleteRowPolicy) {
        let capacity = capacity
        let fieldCount = fieldCount
        let count = count
        guard fieldCount > 0, count > 0 else { return }
        var kept = 0
        storage.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            var firstIncomplete = count
            for c in 1...fieldCount {
                firstIncomplete = Self.firstNaN(in: base + c * capacity, count: firstIncomplete)
            }
            kept = firstIncomplete
            guard firstIncomplete < count else { return }
            for row in firstIncomplete..<count {
                var present = 0
                for c in 1...fieldCount where !base[c * capacity + row].isNaN { present += 1 }
                let keep = policy == .dropRow ? present == fieldCount : present > 0
                guard keep else { continue }
                if kept != row {
                    for c in 0...fieldCount { base[c * capacity + kept] = base[c * capacity + row] }
                }
                kept += 1
            }
        }
        self.count = kept
    }

    /// The index of the first NaN among `values[0..<count]`, or `count`.
    private static func firstNaN(in values: UnsafeMutablePointer<Double>, count: Int) -> Int {
        var i = 0
        while i + 8 <= count {
            let a = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD4<Double>.self)
            let b = UnsafeRawPointer(values + i + 4).loadUnaligned(as: SIMD4<Double>.self)
            if any((a .!= a) .| (b .!= b)) { break }
            i += 8
        }
        while i < count {
            if values[i].isNaN { return i }
            i += 1
        }
        return count
    }

    /// Makes room for `rows` samples of `fields` fields. Contents are not preserved: every
    /// gather rewrites them.
    private mutating func reserve(rows: Int, fields: Int) {
        var newCapacity = capacity
        if rows > newCapacity { newCapacity = Swift.max(rows, capacity * 2, 64) }
        let needed = (fields + 1) * newCapacity
        if newCapacity != capacity || storage.count < needed {
            capacity = newCapacity
            storage = Array(repeating: 0, count: needed)
        }
    }
}
