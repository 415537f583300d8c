// NaN-ignoring statistics over one or more contiguous value buffers (the kernels behind
// SummaryFunction's mean, stddev, min, max and most_recent_value).

/// A Neumaier (improved Kahan) running sum.
///
/// Why not a plain sum: numpy sums pairwise, whose error grows like log n; a plain loop's
/// grows like n, and on 1e5 samples of ~1e9 that is visible at 1e-12. Compensation keeps
/// the error at a few ulps of the result regardless of n, so we agree with numpy to its
/// own accuracy.
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    init() {}

    mutating func add(_ x: Double) {
        let t = sum + x
        if Swift.abs(sum) >= Swift.abs(x) {
            compensation += (sum - t) + x
        } else {
            compensation += (x - t) + sum
        }
        sum = t
    }

    /// The compensated total. When the plain sum is infinite (an infinite input or an
    /// overflow) the compensation is meaningless (inf − inf), so the plain IEEE result is
    /// returned, which is what numpy gives.
    var value: Double {
        let total = sum + compensation
        return total.isFinite ? total : sum
    }
}

/// The kernels are generic over a collection of buffers so that one code path serves a
/// single field (`CollectionOfOne`) and a multi-field column (a buffer of buffers) without
/// copying or allocating; they are specialised per call site.
///
/// Speed: every kernel runs over 8 SIMD lanes (two `SIMD4<Double>`, whose independent
/// dependency chains hide the add latency), NaN lanes masked out, with no branch per value.
/// The sums are cascaded (Ogita–Rump–Oishi "Sum2": each lane keeps a plain sum and the exact
/// rounding error of every addition, from Knuth's branch-free TwoSum), and the lanes are
/// combined with `CompensatedSum`: the same few-ulp accuracy as the sequential Neumaier sum,
/// summed in a different order.
enum SeriesStatistics {
    /// nanmean; `nil` when there is no non-NaN value.
    static func mean<Fields: Collection>(of fields: Fields) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var lanes = LaneSum()
        for field in fields { lanes.add(field) }
        let count = lanes.count
        return count == 0 ? nil : lanes.total / Double(count)
    }

    /// nanstd with `ddof`, two-pass: the mean first, then the compensated sum of squared
    /// deviations. Two passes (not Welford, not the sum-of-squares formula) because values
    /// such as encoder positions or TAI seconds sit at ~1e9 with a spread of ~1e-3, where
    /// the one-pass formula cancels catastrophically. Like numpy, no correction term for the
    /// rounding of the mean (Chan–Golub–LeVeque) is added: it would move us *closer to the
    /// exact value but away from numpy*, by ~n·(ulp of the mean)²/Σ(x−m)², e.g. 3e-10
    /// relative for values at 1e9 with a spread of 1e-3, and matching numpy is the contract.
    ///
    /// `nil` when there are fewer than two values (the reference returns null) or
    /// `n − ddof ≤ 0` (numpy: division by zero or a negative count).
    static func standardDeviation<Fields: Collection>(of fields: Fields, ddof: Int) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var lanes = LaneSum()
        for field in fields { lanes.add(field) }
        let count = lanes.count
        // `count - ddof` cannot overflow for a non-negative count and any Int ddof except
        // very negative ones; compare without subtracting to stay safe for every ddof.
        guard count > 1, ddof < count else { return nil }
        let mean = lanes.total / Double(count)
        guard mean.isFinite else { return nil }
        var squares = LaneSum()
        for field in fields { squares.addSquaredDeviations(field, from: mean) }
        let divisor = Double(count) - Double(ddof)
        return (squares.total / divisor).squareRoot()
    }

    /// nanmin; `nil` when there is no non-NaN value.
    static func minimum<Fields: Collection>(of fields: Fields) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var lanes = LaneExtremum(minimum: true)
        for field in fields { lanes.add(field) }
        return lanes.result
    }

    /// nanmax; `nil` when there is no non-NaN value.
    static func maximum<Fields: Collection>(of fields: Fields) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var lanes = LaneExtremum(minimum: false)
        for field in fields { lanes.add(field) }
        return lanes.result
    }

    /// The last non-NaN value in buffer order, scanning from the end (O(1) when the last
    /// sample is valid, which is the common case).
    static func lastNonNaN(in values: UnsafeBufferPointer<Double>) -> Double? {
        var i = values.count
        while i > 0 {
            i -= 1
            if !values[i].isNaN { return values[i] }
        }
        return nil
    }
}

// MARK: - Lane kernels

/// Four values from `base[i..<i+4]`, or the `count − i` (< 4) remaining ones padded with NaN.
@inline(__always)
private func loadLanes(_ base: UnsafePointer<Double>, _ i: Int, _ count: Int) -> SIMD4<Double> {
    if i + 4 <= count { return UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self) }
    var v = SIMD4<Double>(repeating: .nan)
    for k in 0..<(count - i) { v[k] = base[i + k] }
    return v
}

/// Cascaded summation over 8 lanes with a non-NaN count (see `SeriesStatistics`).
struct LaneSum {
    private var sum0 = SIMD4<Double>(repeating: 0)
    private var sum1 = SIMD4<Double>(repeating: 0)
    private var error0 = SIMD4<Double>(repeating: 0)
    private var error1 = SIMD4<Double>(repeating: 0)
    private var count0 = SIMD4<Double>(repeating: 0)
    private var count1 = SIMD4<Double>(repeating: 0)

    /// Knuth's TwoSum: `s` becomes fl(s + x) and `e` gathers the exact rounding error.
    @inline(__always)
    private static func add(_ x: SIMD4<Double>, to s: inout SIMD4<Double>, error e: inout SIMD4<Double>) {
        let t = s + x
        let z = t - s
        e += (s - (t - z)) + (x - z)
        s = t
    }

    /// Adds the non-NaN values of `values`.
    @inline(__always)
    mutating func add(_ values: UnsafeBufferPointer<Double>) {
        forEachGroup(values) { a, b in (a, b) }
    }

    /// Adds (x − mean)² for the non-NaN values x of `values`.
    @inline(__always)
    mutating func addSquaredDeviations(_ values: UnsafeBufferPointer<Double>, from mean: Double) {
        let m = SIMD4<Double>(repeating: mean)
        forEachGroup(values) { a, b in
            let (da, db) = (a - m, b - m)
            return (da * da, db * db)
        }
    }

    /// Adds `term(a, b)` for every group of 8 values (two lane vectors). Groups without NaN
    /// (the common case: selections have dropped incomplete rows) take the short path; in
    /// the others, and the padded tail, NaN lanes are replaced by zero terms and not counted.
    @inline(__always)
    private mutating func forEachGroup(
        _ values: UnsafeBufferPointer<Double>,
        _ term: (SIMD4<Double>, SIMD4<Double>) -> (SIMD4<Double>, SIMD4<Double>)
    ) {
        guard let base = values.baseAddress else { return }
        let count = values.count
        let zero = SIMD4<Double>(repeating: 0)
        let one = SIMD4<Double>(repeating: 1)
        var complete = 0  // values in NaN-free groups
        var i = 0
        while i < count {
            let a = loadLanes(base, i, count)
            let b = loadLanes(base, i + 4 < count ? i + 4 : count, count)
            let validA = a .== a
            let validB = b .== b
            if all(validA .& validB) {
                let (x, y) = term(a, b)
                Self.add(x, to: &sum0, error: &error0)
                Self.add(y, to: &sum1, error: &error1)
                complete += 8
            } else {
                let (x, y) = term(a, b)
                Self.add(zero.replacing(with: x, where: validA), to: &sum0, error: &error0)
                Self.add(zero.replacing(with: y, where: validB), to: &sum1, error: &error1)
                count0 += zero.replacing(with: one, where: validA)
                count1 += zero.replacing(with: one, where: validB)
            }
            i += 8
        }
        count0[0] += Double(complete)
    }

    /// The number of values added.
    var count: Int { Int((count0 + count1).sum()) }

    /// The sum. When the plain sum is not finite (an infinite input, inf − inf, or an
    /// overflow) the errors are meaningless and the plain IEEE result is returned, as numpy
    /// gives it.
    var total: Double {
        let plain = (sum0 + sum1).sum()
        guard plain.isFinite else { return plain }
        var sum = CompensatedSum()
        for k in 0..<4 {
            sum.add(sum0[k])
            sum.add(sum1[k])
        }
        for k in 0..<4 {
            sum.add(error0[k])
            sum.add(error1[k])
        }
        return sum.value
    }
}

/// NaN-ignoring minimum or maximum over 8 lanes.
struct LaneExtremum {
    private let minimum: Bool
    private var best0: SIMD4<Double>
    private var best1: SIMD4<Double>
    private var seen = SIMDMask<SIMD4<Int64>>(repeating: false)

    init(minimum: Bool) {
        self.minimum = minimum
        best0 = SIMD4(repeating: minimum ? .infinity : -.infinity)
        best1 = best0
    }

    @inline(__always)
    mutating func add(_ values: UnsafeBufferPointer<Double>) {
        guard let base = values.baseAddress else { return }
        let count = values.count
        var i = 0
        if minimum {
            while i < count {
                let a = loadLanes(base, i, count)
                let b = loadLanes(base, i + 4 < count ? i + 4 : count, count)
                best0.replace(with: a, where: a .< best0)  // false for NaN
                best1.replace(with: b, where: b .< best1)
                seen = seen .| (a .== a) .| (b .== b)
                i += 8
            }
        } else {
            while i < count {
                let a = loadLanes(base, i, count)
                let b = loadLanes(base, i + 4 < count ? i + 4 : count, count)
                best0.replace(with: a, where: a .> best0)
                best1.replace(with: b, where: b .> best1)
                seen = seen .| (a .== a) .| (b .== b)
                i += 8
            }
        }
    }

    /// The extremum, or nil when no non-NaN value was added. (An all-infinite series gives
    /// the infinity, which is also the starting value.)
    var result: Double? {
        guard any(seen) else { return nil }
        var best = best0[0]
        for k in 0..<8 {
            let v = k < 4 ? best0[k] : best1[k - 4]
            if minimum ? v < best : v > best { best = v }
        }
        return best
    }
}
