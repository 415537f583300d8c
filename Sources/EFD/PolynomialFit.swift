// Residual RMS of a least-squares polynomial fit (rms_from_polynomial_fit), by a streaming
// Householder QR in a fixed-size scratch block.

/// Why this shape:
///
/// - Stability: the design asks for numpy-level accuracy, which rules out the normal
///   equations (they square the condition number). We use Householder reflections.
/// - Conditioning: x is mapped affinely onto [-1, 1] and the columns are Chebyshev
///   polynomials T₀…T_d of the mapped x. Both are changes of basis of the same polynomial
///   space, so the least-squares residual — the only thing we return — is unchanged, while
///   the matrix is far better conditioned than numpy's raw Vandermonde of x = 0…n−1 or of
///   nanoseconds.
/// - Memory: the samples are reduced block by block (TSQR): the current triangular factor
///   R̃ of [A | y] (at most d+2 rows) is stacked on the next block of rows and
///   re-triangularised. Orthogonal transformations preserve [A | y]ᵀ[A | y], so the final
///   R̃ has the same least-squares residual as the full problem. The scratch block has
///   (d+2+blockRows)·(d+2) doubles whatever n is; no coefficients are ever formed, the
///   residual norm is read off R̃.
/// - Rank deficiency (all x equal, or fewer distinct times than d+1): the final pass over
///   R̃ skips a column whose part outside the span of the earlier columns is negligible
///   (≤ n·ε of its norm, the size of numpy's default `rcond`), i.e. it computes the
///   residual of the projection onto the column space, which is what numpy's minimum-norm
///   `lstsq` gives.
///
/// Checked against numpy (x scaled to [-1, 1] so that numpy is accurate too) for degrees
/// 0…10, both bases, n = 37 and 1000 with NaNs: ≤ 2.2e-15 relative difference.
enum PolynomialFit {
    /// Rows of samples reduced per Householder pass.
    static let blockRows = 32

    static func residualRMS(
        times: UnsafeBufferPointer<Double>,
        values: UnsafeBufferPointer<Double>,
        degree: Int,
        basis: FitBasis
    ) -> Double? {
        guard degree >= 0, degree <= SummaryFunction.maxFitDegree, times.count == values.count else { return nil }

        // Pass 1: count the kept (non-NaN) samples and, for the time basis, their range.
        var n = 0
        var lowest = Double.infinity
        var highest = -Double.infinity
        for i in 0..<values.count where !values[i].isNaN {
            // An infinite value has no finite residual; numpy would return NaN.
            guard values[i].isFinite else { return nil }
            n += 1
            if basis == .time {
                let t = times[i]
                guard t.isFinite else { return nil }
                if t < lowest { lowest = t }
                if t > highest { highest = t }
            }
        }
        guard n > degree else { return nil }
        if basis == .time, !(highest - lowest).isFinite { return nil }

        // The affine map of x onto [-1, 1]: u = (x − center) · scale. A zero range (one
        // sample, or all at the same time) maps everything to 0.
        let center: Double
        let scale: Double
        switch basis {
        case .index:
            center = Double(n - 1) / 2
            scale = n > 1 ? 2 / Double(n - 1) : 0
        case .time:
            center = lowest + (highest - lowest) / 2
            let halfRange = (highest - lowest) / 2
            scale = halfRange > 0 ? 1 / halfRange : 0
        }

        let unknowns = degree + 1  // columns of A
        let columns = unknowns + 1  // A plus the y column
        let leading = columns + blockRows  // rows of the scratch block (column-major)

        return withUnsafeTemporaryAllocation(of: Double.self, capacity: leading * columns) { block -> Double? in
            block.initialize(repeating: 0)
            var triangleRows = 0  // rows of R̃ currently at the top of the block
            var rows = 0  // rows filled in the block
            var index = 0  // index-basis x of the next kept sample

            for i in 0..<values.count where !values[i].isNaN {
                let x = basis == .index ? Double(index) : times[i]
                index += 1
                let u = (x - center) * scale
                // Chebyshev recurrence: T₀ = 1, T₁ = u, Tₖ₊₁ = 2u·Tₖ − Tₖ₋₁.
                var previous = 1.0
                var current = u
                block[rows] = 1
                if unknowns > 1 { block[leading + rows] = u }
                if unknowns > 2 {
                    for k in 2..<unknowns {
                        let next = 2 * u * current - previous
                        previous = current
                        current = next
                        block[k * leading + rows] = next
                    }
                }
                block[unknowns * leading + rows] = values[i]
                rows += 1
                if rows == leading {
                    triangleRows = triangularize(
                        block, leading: leading, rows: rows, columns: columns, triangle: triangleRows)
                    rows = triangleRows
                }
            }
            if rows > triangleRows {
                triangleRows = triangularize(
                    block, leading: leading, rows: rows, columns: columns, triangle: triangleRows)
            }
            let residualSquares = residualSumOfSquares(
                block, leading: leading, rows: triangleRows, unknowns: unknowns, samples: n)
            return (residualSquares / Double(n)).squareRoot()
        }
    }

    /// Householder QR in place of the `rows`×`columns` top-left of a column-major block whose
    /// first `triangle` rows already hold an upper-triangular factor; leaves the new factor in
    /// the first min(rows, columns) rows with zeros below, and returns that row count.
    ///
    /// Structure: below the diagonal, column j of the old triangle is zero, and no earlier
    /// reflector touches those rows (reflector i acts on row i and the new rows only), so
    /// reflector j acts on row j and rows max(triangle, j+1)..<rows. Skipping the known
    /// zeros makes a block cost O(columns² · new rows).
    private static func triangularize(
        _ a: UnsafeMutableBufferPointer<Double>, leading: Int, rows: Int, columns: Int, triangle: Int
    ) -> Int {
        let steps = Swift.min(rows, columns)
        for j in 0..<steps {
            let base = j * leading
            let low = Swift.max(triangle, j + 1)  // first row of the dense part below row j
            let x0 = a[base + j]
            let tail = norm(a, from: base + low, to: base + rows)
            if tail == 0 { continue }  // column already triangular here; H = I
            let largest = Swift.max(Swift.abs(x0), tail)
            let (r0, r1) = (x0 / largest, tail / largest)
            let alpha = largest * (r0 * r0 + r1 * r1).squareRoot()
            let beta = x0 >= 0 ? -alpha : alpha
            // v = x − βe₁ over the support {j} ∪ low..<rows, vᵀv = 2α(α + |x₀|).
            let v0 = x0 - beta
            let vtv = 2 * alpha * (alpha + Swift.abs(x0))
            for k in (j + 1)..<columns {
                let other = k * leading
                var dot = v0 * a[other + j]
                for i in low..<rows { dot += a[base + i] * a[other + i] }
                let f = 2 * dot / vtv
                if f == 0 { continue }
                a[other + j] -= f * v0
                for i in low..<rows { a[other + i] -= f * a[base + i] }
            }
            a[base + j] = beta
            for i in low..<rows { a[base + i] = 0 }
        }
        // Every processed column is now zero below its diagonal, so rows ≥ steps are zero
        // and the next block can be written there.
        return steps
    }

    /// The least-squares residual Σ(y − fit)² from the final triangular factor, with the
    /// rank-deficient columns skipped (see the type's comment).
    private static func residualSumOfSquares(
        _ a: UnsafeMutableBufferPointer<Double>, leading: Int, rows: Int, unknowns: Int, samples: Int
    ) -> Double {
        let tolerance = Double(Swift.max(samples, unknowns + 1)) * Double.ulpOfOne
        let yColumn = unknowns * leading
        var rank = 0
        for j in 0..<unknowns where rank < rows {
            let base = j * leading
            let columnNorm = norm(a, from: base, to: base + rows)
            let alpha = norm(a, from: base + rank, to: base + rows)
            if columnNorm == 0 || alpha <= tolerance * columnNorm { continue }
            let x0 = a[base + rank]
            let beta = x0 >= 0 ? -alpha : alpha
            a[base + rank] = x0 - beta
            let vtv = 2 * alpha * (alpha + Swift.abs(x0))
            for k in (j + 1)...unknowns {
                let other = k * leading
                var dot = 0.0
                for i in rank..<rows { dot += a[base + i] * a[other + i] }
                let f = 2 * dot / vtv
                for i in rank..<rows { a[other + i] -= f * a[base + i] }
            }
            a[base + rank] = beta
            for i in (rank + 1)..<rows { a[base + i] = 0 }
            rank += 1
        }
        var sum = 0.0
        for i in rank..<rows { sum += a[yColumn + i] * a[yColumn + i] }
        return sum
    }

    /// Euclidean norm of `a[from..<to]`. The plain sum of squares is used when it is safely
    /// inside the normal range (always, for telemetry); otherwise the values are rescaled
    /// first so that squares of huge or tiny values cannot overflow or underflow.
    private static func norm(_ a: UnsafeMutableBufferPointer<Double>, from: Int, to: Int) -> Double {
        var sum = 0.0
        for i in from..<to { sum += a[i] * a[i] }
        if sum.isFinite && sum > 0x1p-900 { return sum.squareRoot() }
        var largest = 0.0
        for i in from..<to { largest = Swift.max(largest, Swift.abs(a[i])) }
        if largest == 0 || !largest.isFinite { return largest }
        let inverse = 1 / largest
        sum = 0
        for i in from..<to {
            let s = a[i] * inverse
            sum += s * s
        }
        return largest * sum.squareRoot()
    }
}
