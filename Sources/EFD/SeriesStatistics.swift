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
enum SeriesStatistics {
    /// nanmean; `nil` when there is no non-NaN value.
    static func mean<Fields: Collection>(of fields: Fields) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var sum = CompensatedSum()
        var count = 0
        for field in fields {
            for x in field where !x.isNaN {
                sum.add(x)
                count += 1
            }
        }
        return count == 0 ? nil : sum.value / Double(count)
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
        var sum = CompensatedSum()
        var count = 0
        for field in fields {
            for x in field where !x.isNaN {
                sum.add(x)
                count += 1
            }
        }
        // `count - ddof` cannot overflow for a non-negative count and any Int ddof except
        // very negative ones; compare without subtracting to stay safe for every ddof.
        guard count > 1, ddof < count else { return nil }
        let mean = sum.value / Double(count)
        guard mean.isFinite else { return nil }
        var squares = CompensatedSum()
        for field in fields {
            for x in field where !x.isNaN {
                let d = x - mean
                squares.add(d * d)
            }
        }
        let divisor = Double(count) - Double(ddof)
        return (squares.value / divisor).squareRoot()
    }

    /// nanmin; `nil` when there is no non-NaN value.
    static func minimum<Fields: Collection>(of fields: Fields) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var result: Double?
        for field in fields {
            for x in field where !x.isNaN {
                if let r = result { if x < r { result = x } } else { result = x }
            }
        }
        return result
    }

    /// nanmax; `nil` when there is no non-NaN value.
    static func maximum<Fields: Collection>(of fields: Fields) -> Double?
    where Fields.Element == UnsafeBufferPointer<Double> {
        var result: Double?
        for field in fields {
            for x in field where !x.isNaN {
                if let r = result { if x > r { result = x } } else { result = x }
            }
        }
        return result
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
