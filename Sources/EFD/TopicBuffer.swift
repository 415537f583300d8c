// Columnar, time-ordered samples of one EFD topic: the input of the summarization engine.

/// Why a sample was refused by `TopicBuffer.append`.
public enum TopicBufferError: Error, Sendable, Hashable {
    /// The row has `got` values but the buffer has `expected` fields.
    case fieldCountMismatch(expected: Int, got: Int)
    /// The time is NaN or infinite; such a sample cannot be placed in time order.
    case nonFiniteTime(Double)
}

/// The samples of one topic, one `Double` column per field plus a time column, kept sorted
/// by time.
///
/// - Times are UTC unix seconds (the EFD's time index, DESIGN §5.3).
/// - Order: appends in time order are O(1) amortized (the common case: Kafka delivers a
///   partition in order). A late sample is inserted at its place (binary search, then an
///   O(n) shift of every column), after any samples with the same time, so equal times
///   keep arrival order and `mostRecentValue` picks the sample that arrived last.
/// - Missing values are NaN (a field absent from a message, or a subset field not set).
/// - Memory: `dropSamples(before:)` forgets old samples. It only advances a start offset;
///   the storage is compacted (into storage a quarter larger than what is kept) when more than
///   a quarter of it is dead, so dropping is O(1) amortized per sample, memory stays within
///   about 1.5 times what is retained, and indices stay valid until the next mutation.
///
/// Indices (`Range<Int>`) are logical: 0 is the oldest retained sample.
public struct TopicBuffer: Sendable {
    /// The field names, in column order.
    public let fieldNames: [String]
    private let fieldIndex: [String: Int]
    /// Physical storage; logical index i lives at `head + i`. Readable in the module so
    /// that `SampleSelection` can gather without per-element accessor overhead.
    private(set) var timeStorage: [Double] = []
    private(set) var columnStorage: [[Double]]
    private(set) var head = 0

    /// A buffer with one column per field name. A repeated name gets its own column but
    /// `column(named:)` finds the first one.
    public init(fields: [String]) {
        fieldNames = fields
        var index: [String: Int] = [:]
        for (i, name) in fields.enumerated() where index[name] == nil { index[name] = i }
        fieldIndex = index
        columnStorage = Array(repeating: [], count: fields.count)
    }

    /// The number of retained samples.
    public var count: Int { timeStorage.count - head }
    /// Whether no sample is retained.
    public var isEmpty: Bool { count == 0 }
    /// The number of fields (value columns).
    public var fieldCount: Int { fieldNames.count }

    /// The column index of a field, or `nil` if the topic has no such field.
    public func column(named name: String) -> Int? { fieldIndex[name] }

    /// The time of sample `index` (logical, `0..<count`).
    public func time(at index: Int) -> Double { timeStorage[head + index] }

    /// The value of `field` at sample `index` (logical, `0..<count`).
    public func value(at index: Int, field: Int) -> Double { columnStorage[field][head + index] }

    /// Bytes of sample storage allocated (times and every column, capacity included): what the buffer
    /// costs in memory, for metrics.
    public var storageBytes: Int {
        (timeStorage.capacity + columnStorage.reduce(0) { $0 + $1.capacity }) * MemoryLayout<Double>.stride
    }

    /// The oldest retained time.
    public var firstTime: Double? { isEmpty ? nil : timeStorage[head] }
    /// The newest retained time.
    public var lastTime: Double? { isEmpty ? nil : timeStorage.last }

    /// A copy of the retained times (for inspection and tests; the engine uses
    /// `withColumn` or `SampleSelection`).
    public var times: [Double] { Array(timeStorage[head...]) }

    /// A copy of one field's retained values (for inspection and tests).
    public func values(field: Int) -> [Double] { Array(columnStorage[field][head...]) }

    // MARK: - Appending

    /// Makes room for `count` retained samples in every column, so that appending up to that many
    /// (in time order) does not reallocate. Only an optimization.
    public mutating func reserveCapacity(_ count: Int) {
        let wanted = head + Swift.max(count, 0)
        timeStorage.reserveCapacity(wanted)
        for field in columnStorage.indices { columnStorage[field].reserveCapacity(wanted) }
    }

    /// Adds one sample; `values` are in field order.
    ///
    /// Throws, leaving the buffer unchanged, for a wrong number of values or a non-finite
    /// time: both come from message data, which must never crash a worker.
    public mutating func append(time: Double, values: UnsafeBufferPointer<Double>) throws(TopicBufferError) {
        guard values.count == columnStorage.count else {
            throw .fieldCountMismatch(expected: columnStorage.count, got: values.count)
        }
        guard time.isFinite else { throw .nonFiniteTime(time) }
        if let last = timeStorage.last, head < timeStorage.count, time < last {
            // Late sample: after every retained sample with time ≤ `time`.
            let position = head + upperBound(time)
            timeStorage.insert(time, at: position)
            for field in columnStorage.indices { columnStorage[field].insert(values[field], at: position) }
        } else {
            timeStorage.append(time)
            for field in columnStorage.indices { columnStorage[field].append(values[field]) }
        }
    }

    /// `append(time:values:)` with the values in an array.
    public mutating func append(time: Double, values: [Double]) throws(TopicBufferError) {
        // The closure can only throw TopicBufferError; Result carries it out typed.
        let result: Result<Void, TopicBufferError> = values.withUnsafeBufferPointer { buffer in
            Result { () throws(TopicBufferError) in try append(time: time, values: buffer) }
        }
        try result.get()
    }

    // MARK: - Selecting

    /// The samples with `from ≤ time ≤ through` (both ends included, as the reference's
    /// `time >= begin AND time <= end`). Empty if `from > through` or either bound is NaN.
    public func range(from: Double, through: Double) -> Range<Int> {
        guard from <= through else { return 0..<0 }
        let lower = lowerBound(from)
        return lower..<Swift.max(lower, upperBound(through))
    }

    /// The samples with `from ≤ time < before` (used for pre-aggregation buckets, which are
    /// half-open). Empty if `from >= before` or either bound is NaN.
    public func range(from: Double, before: Double) -> Range<Int> {
        guard from < before else { return 0..<0 }
        let lower = lowerBound(from)
        return lower..<Swift.max(lower, lowerBound(before))
    }

    /// Calls `body` with the times and one field's values of the samples in `range`,
    /// without copying. `range` is clamped to `0..<count`. The buffers are valid only
    /// inside `body`.
    ///
    /// - Precondition: `field` is a valid column index (it comes from `column(named:)`).
    public func withColumn<R>(
        _ field: Int,
        in range: Range<Int>,
        _ body: (_ times: UnsafeBufferPointer<Double>, _ values: UnsafeBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        let physical = physicalRange(range)
        return try timeStorage.withUnsafeBufferPointer { times in
            try columnStorage[field].withUnsafeBufferPointer { values in
                try body(
                    UnsafeBufferPointer(rebasing: times[physical]),
                    UnsafeBufferPointer(rebasing: values[physical]))
            }
        }
    }

    /// Evaluates `function` over one field's samples in `window`, without copying: the
    /// fast path for the common column (one field, no subset filter, no pre-aggregation).
    /// Use `SampleSelection` for the others.
    public func evaluate(_ function: SummaryFunction, field: Int, window: SampleWindow) -> Double? {
        withColumn(field, in: range(from: window.begin, through: window.end)) { times, values in
            function.evaluate(times: times, values: values)
        }
    }

    /// The logical indices in `range` whose `subset.field` value matches the filter.
    /// Allocates the result; `SampleSelection` is the allocation-free path.
    public func filteredIndices(in range: Range<Int>, subset: SubsetFilter) -> [Int] {
        let physical = physicalRange(range)
        let column = columnStorage[subset.field]
        return physical.filter { subset.accepts(column[$0]) }.map { $0 - head }
    }

    // MARK: - Forgetting

    /// Forgets every sample with `time < before` (memory bound for the stream). O(1)
    /// amortized per forgotten sample; see the type's comment.
    public mutating func dropSamples(before: Double) {
        guard !before.isNaN else { return }
        let dropped = lowerBound(before)
        guard dropped > 0 else { return }
        head += dropped
        if head == timeStorage.count {
            timeStorage.removeAll(keepingCapacity: true)
            for field in columnStorage.indices { columnStorage[field].removeAll(keepingCapacity: true) }
            head = 0
        } else if head * 4 > timeStorage.count {
            compact()
        }
    }

    /// Moves the retained samples to the front of fresh storage with half as much room to grow: a stream's
    /// buffers hold a steady amount, so this keeps them at about 1.5 times what they retain, where
    /// `removeFirst` would keep the doubled capacity of array growth (up to 4 times with the dead part).
    /// Copying a quarter's worth of dead samples' survivors is amortized over the quarter dropped.
    private mutating func compact() {
        let retained = timeStorage.count - head
        // Compaction comes when a quarter of the storage is dead: a third more than is retained. Half more
        // room means the arrays are not grown (doubled) between compactions.
        let capacity = retained + retained / 2 + 16
        timeStorage = Self.moved(timeStorage, from: head, capacity: capacity)
        for field in columnStorage.indices { columnStorage[field] = Self.moved(columnStorage[field], from: head, capacity: capacity) }
        head = 0
    }

    private static func moved(_ storage: [Double], from start: Int, capacity: Int) -> [Double] {
        var fresh: [Double] = []
        fresh.reserveCapacity(capacity)
        fresh.append(contentsOf: storage[start...])
        return fresh
    }

    /// Forgets every sample.
    public mutating func removeAll(keepingCapacity: Bool = true) {
        timeStorage.removeAll(keepingCapacity: keepingCapacity)
        for field in columnStorage.indices { columnStorage[field].removeAll(keepingCapacity: keepingCapacity) }
        head = 0
    }

    // MARK: - Internals shared with SampleSelection

    /// Maps a logical range to storage indices, clamped to the retained samples.
    func physicalRange(_ range: Range<Int>) -> Range<Int> {
        let lower = Swift.min(Swift.max(range.lowerBound, 0), count)
        let upper = Swift.min(Swift.max(range.upperBound, lower), count)
        return (head + lower)..<(head + upper)
    }

    /// First logical index with time ≥ t (count if none). NaN → count (selects nothing).
    private func lowerBound(_ t: Double) -> Int {
        var low = head
        var high = timeStorage.count
        if t.isNaN { return count }
        while low < high {
            let mid = low + (high - low) / 2
            if timeStorage[mid] < t { low = mid + 1 } else { high = mid }
        }
        return low - head
    }

    /// First logical index with time > t (count if none). NaN → count.
    private func upperBound(_ t: Double) -> Int {
        var low = head
        var high = timeStorage.count
        if t.isNaN { return count }
        while low < high {
            let mid = low + (high - low) / 2
            if timeStorage[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low - head
    }
}
