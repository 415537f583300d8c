// pre_aggregate_interval: InfluxDB-style GROUP BY time(interval) buckets before a summary function.

/// A `pre_aggregate_interval` such as `"1s"`, `"500ms"`, `"2m"`, `"1h"`.
///
/// The syntax is InfluxQL's duration literal, because the reference pastes the string into
/// `GROUP BY time(…)`: a positive integer followed by one unit, `u`/`µ` (microseconds),
/// `ms`, `s`, `m`, `h`, `d` or `w`; `ns` is accepted when it is a whole number of
/// microseconds. No sign, no fraction, no exponent, no spaces, no compound (`1h30m`).
///
/// Buckets are computed in whole microseconds (see `PreAggregation`), so the interval is
/// held as an integer number of microseconds.
public struct AggregationInterval: Sendable, Hashable, CustomStringConvertible {
    /// The interval in microseconds, > 0.
    public let microseconds: Int64
    /// The interval in seconds.
    public let seconds: Double

    /// Parses an InfluxQL duration literal; `nil` for anything else (empty, zero, negative,
    /// unknown unit, overflow, sub-microsecond).
    public init?(parsing text: String) {
        var magnitude: Int64 = 0
        var digits = 0
        var unit = Substring.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if unit.isEmpty, let digit = Self.digitValue(scalar) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(digit)
                if overflow1 || overflow2 { return nil }
                magnitude = sum
                digits += 1
            } else {
                unit.append(scalar)
            }
        }
        guard digits > 0, let nanosecondsPerUnit = Self.nanosecondsPerUnit[String(unit)] else { return nil }
        let (nanoseconds, overflow) = magnitude.multipliedReportingOverflow(by: nanosecondsPerUnit)
        guard !overflow, nanoseconds % 1000 == 0 else { return nil }
        self.init(microseconds: nanoseconds / 1000)
    }

    /// An interval of a whole number of microseconds; `nil` unless positive.
    public init?(microseconds: Int64) {
        guard microseconds > 0 else { return nil }
        self.microseconds = microseconds
        self.seconds = Double(microseconds) / 1e6
    }

    /// The canonical literal, in the largest unit that divides the interval (`"1s"`,
    /// `"500ms"`, `"90s"`).
    public var description: String {
        let units: [(String, Int64)] = [
            ("w", 604_800_000_000), ("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000),
            ("s", 1_000_000), ("ms", 1_000),
        ]
        for (name, size) in units where microseconds % size == 0 { return "\(microseconds / size)\(name)" }
        return "\(microseconds)u"
    }

    private static let nanosecondsPerUnit: [String: Int64] = [
        "ns": 1, "u": 1_000, "\u{00B5}": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
        "m": 60_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000, "w": 604_800_000_000_000,
    ]

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int64? {
        (48...57).contains(scalar.value) ? Int64(scalar.value - 48) : nil
    }
}

/// The per-bucket statistic: InfluxQL's MEAN, MIN or MAX (`SummaryFunction
/// .preAggregationStatistic` says which function uses which).
public enum BucketStatistic: String, Sendable, Hashable, CaseIterable {
    case mean, min, max

    /// The InfluxQL function name (`MEAN`, `MIN`, `MAX`), for building EFD queries.
    public var influxQLName: String { rawValue.uppercased() }
}

/// Which buckets, and which raw samples, the reference's bucketing gives one window.
public struct BucketSpan: Sendable, Hashable {
    /// Indices k of the buckets [k·interval, (k+1)·interval) whose start lies in the window.
    public let buckets: ClosedRange<Int64>
    /// Raw samples with `sampleFrom ≤ time < sampleBefore` cover those buckets (with a
    /// microsecond of margin; `PreAggregation.aggregate` drops the extras by bucket).
    public let sampleFrom: Double
    /// See `sampleFrom`.
    public let sampleBefore: Double
}

/// InfluxDB-style pre-aggregation (`GROUP BY time(interval)` with MEAN/MIN/MAX), which the
/// reference applies to `mean`/`min`/`max` columns that set `pre_aggregate_interval`.
///
/// - Buckets are epoch-aligned: bucket k is [k·interval, (k+1)·interval) in unix seconds,
///   and its time is its start, as InfluxDB reports it.
/// - NaN values are ignored inside a bucket (InfluxDB has no NaN: absent fields are null
///   and its aggregates skip nulls). A bucket without a value is dropped: InfluxDB returns
///   it as null and the reference's `dropna()` removes it.
/// - Times are rounded to the microsecond before bucketing. A Double near 1.7e9 has a
///   resolution of ~0.24 µs, so a sample stamped exactly on a boundary such as
///   `…16.3` is stored as `…16.29999995`; rounding puts it in the bucket a reader expects.
///
/// Which buckets belong to a window (`span(for:)`): the reference asks InfluxDB for the
/// buckets of the whole task interval and then keeps, per exposure, the buckets whose
/// start time lies in [begin, end]. So a window gets every bucket starting inside it, each
/// aggregated over its full interval — including samples up to one interval past `end` —
/// and not the bucket that starts before `begin`. (The one exception in the reference: for
/// the last exposure of a task, InfluxDB's WHERE clause clips that exposure's last bucket at
/// `end`; we do not reproduce that, as it depends on how a batch happens to be cut.) A
/// stream must therefore have data through `sampleBefore` (≤ end + interval) before it
/// closes such a window.
public struct PreAggregation: Sendable, Hashable {
    /// The bucket width (`pre_aggregate_interval`).
    public let interval: AggregationInterval
    /// The per-bucket statistic (`SummaryFunction.preAggregationStatistic`).
    public let statistic: BucketStatistic

    /// Buckets of `interval` reduced with `statistic`.
    public init(interval: AggregationInterval, statistic: BucketStatistic) {
        self.interval = interval
        self.statistic = statistic
    }

    /// The bucket holding `time`, or `nil` for a non-finite or out-of-range time.
    public func bucketIndex(of time: Double) -> Int64? {
        guard let micros = Self.microseconds(time) else { return nil }
        return Self.floorDivide(micros, interval.microseconds)
    }

    /// The start time (unix seconds) of bucket `index`.
    public func bucketStart(_ index: Int64) -> Double {
        Double(index) * Double(interval.microseconds) / 1e6
    }

    /// The buckets and raw sample times for one window (see the type's comment); `nil` when
    /// no bucket starts inside the window or a bound is not finite.
    public func span(for window: SampleWindow) -> BucketSpan? {
        guard let begin = Self.microseconds(window.begin), let end = Self.microseconds(window.end) else { return nil }
        let size = interval.microseconds
        let first = -Self.floorDivide(-begin, size)  // ceil(begin / size)
        let last = Self.floorDivide(end, size)
        guard first <= last else { return nil }
        let (firstStart, overflow1) = first.multipliedReportingOverflow(by: size)
        let (afterLast, overflow2) = (last &+ 1).multipliedReportingOverflow(by: size)
        guard !overflow1, !overflow2 else { return nil }
        return BucketSpan(
            buckets: first...last,
            sampleFrom: (Double(firstStart) - 1) / 1e6,
            sampleBefore: Double(afterLast) / 1e6)
    }

    /// Aggregates samples (times ascending) into buckets, appending each non-empty bucket's
    /// start time and statistic to the output arrays (which are emptied first, keeping
    /// their capacity, so a caller can reuse them without allocating).
    ///
    /// - Parameter buckets: if given, samples in other buckets are ignored (a window's
    ///   `span(for:).buckets`).
    ///
    /// Samples with a NaN or infinite time are ignored. Times out of order are not an
    /// error, but each run of consecutive samples in one bucket becomes its own bucket, so
    /// a bucket time may then repeat.
    public func aggregate(
        times: UnsafeBufferPointer<Double>,
        values: UnsafeBufferPointer<Double>,
        buckets: ClosedRange<Int64>? = nil,
        bucketTimes: inout [Double],
        bucketValues: inout [Double]
    ) {
        bucketTimes.removeAll(keepingCapacity: true)
        bucketValues.removeAll(keepingCapacity: true)
        guard times.count == values.count else { return }
        forEachBucket(times: times, buckets: buckets) { index, run in
            let value = Self.statistic(statistic, values: values, times: times, run: run)
            if !value.isNaN {
                bucketTimes.append(bucketStart(index))
                bucketValues.append(value)
            }
        }
    }

    /// Array convenience for `aggregate(times:values:buckets:bucketTimes:bucketValues:)`.
    public func aggregate(
        times: [Double], values: [Double], buckets: ClosedRange<Int64>? = nil
    ) -> (times: [Double], values: [Double]) {
        var outTimes: [Double] = []
        var outValues: [Double] = []
        times.withUnsafeBufferPointer { t in
            values.withUnsafeBufferPointer { v in
                aggregate(times: t, values: v, buckets: buckets, bucketTimes: &outTimes, bucketValues: &outValues)
            }
        }
        return (outTimes, outValues)
    }

    // MARK: - Internals shared with SampleSelection

    /// Calls `body(bucket, run)` for every maximal run of consecutive samples in one
    /// bucket (within `buckets` when given). A run may contain samples with a non-finite
    /// time between samples of the bucket; `statistic` skips them. `body` is called after
    /// the run has been read, so it may overwrite positions up to `run.lowerBound`.
    func forEachBucket(
        times: UnsafeBufferPointer<Double>,
        buckets: ClosedRange<Int64>?,
        _ body: (_ bucket: Int64, _ run: Range<Int>) -> Void
    ) {
        var current: Int64?
        var runStart = 0
        var runEnd = 0  // one past the last sample with a valid time in the current run
        for i in 0..<times.count {
            guard let k = bucketIndex(of: times[i]) else { continue }
            if let b = buckets, !b.contains(k) {
                if let c = current { body(c, runStart..<runEnd) }
                current = nil
                continue
            }
            if k != current {
                if let c = current { body(c, runStart..<runEnd) }
                current = k
                runStart = i
            }
            runEnd = i + 1
        }
        if let c = current { body(c, runStart..<runEnd) }
    }

    /// The statistic of one run; NaN when it has no value (and no sample with a finite
    /// time). Allocation-free.
    static func statistic(
        _ statistic: BucketStatistic,
        values: UnsafeBufferPointer<Double>,
        times: UnsafeBufferPointer<Double>,
        run: Range<Int>
    ) -> Double {
        var count = 0
        var sum = CompensatedSum()
        var extreme = Double.nan
        for i in run where !values[i].isNaN && times[i].isFinite {
            let x = values[i]
            switch statistic {
            case .mean:
                sum.add(x)
            case .min:
                if count == 0 || x < extreme { extreme = x }
            case .max:
                if count == 0 || x > extreme { extreme = x }
            }
            count += 1
        }
        guard count > 0 else { return .nan }
        return statistic == .mean ? sum.value / Double(count) : extreme
    }

    /// `time` in whole microseconds (rounded to nearest), or `nil` when not representable.
    static func microseconds(_ time: Double) -> Int64? {
        let scaled = (time * 1e6).rounded()
        guard scaled.isFinite, Swift.abs(scaled) < 9.0e18 else { return nil }
        return Int64(scaled)
    }

    /// ⌊a / b⌋ for b > 0.
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }
}
