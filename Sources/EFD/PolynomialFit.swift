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
///
/// The index basis (x = 0…n−1, the reference's default and every reference config's choice)
/// has a faster exact path, `gramResidualRMS`: a projection onto the discrete orthogonal
/// (Gram) polynomials of the equally spaced points, O(n·degree) with no matrix at all, about
/// ten times faster than the QR; see there. The QR stays for the time basis and for windows
/// too short for the Gram recurrence to be accurate.
enum PolynomialFit {
    /// Rows of samples reduced per Householder pass.
    static let blockRows = 32

    /// Which algorithm `residualRMS` uses (tests compare them; callers use `.automatic`).
    enum Method: Sendable {
        /// Gram projection for the index basis when accurate, else QR.
        case automatic
        /// Always the Householder QR.
        case qr
        /// The Gram projection whenever the basis is `.index` and n > degree, even below
        /// `gramMinimumSamples` (for tests); QR otherwise or when it gives up.
        case gram
    }

    static func residualRMS(
        times: UnsafeBufferPointer<Double>,
        values: UnsafeBufferPointer<Double>,
        degree: Int,
        basis: FitBasis,
        method: Method = .automatic
    ) -> Double? {
        guard degree >= 0, degree <= SummaryFunction.maxFitDegree, times.count == values.count else { return nil }

        // Pass 1: count the kept (non-NaN) samples and, for the time basis, their range.
        var n = 0
        var lowest = Double.infinity
        var highest = -Double.infinity
        if basis == .index {
            // Only the count matters here (and that no kept value is infinite): lanes.
            guard let kept = keptCount(values) else { return nil }
            n = kept
        } else {
            for i in 0..<values.count where !values[i].isNaN {
                // An infinite value has no finite residual; numpy would return NaN.
                guard values[i].isFinite else { return nil }
                n += 1
                let t = times[i]
                guard t.isFinite else { return nil }
                if t < lowest { lowest = t }
                if t > highest { highest = t }
            }
        }
        guard n > degree else { return nil }
        if basis == .time, !(highest - lowest).isFinite { return nil }

        if basis == .index, method != .qr, method == .gram || n >= gramMinimumSamples(degree: degree),
           let rms = gramResidualRMS(values: values, kept: n, degree: degree) {
            return rms
        }

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
            // Values less their first: the residuals are the same (the constant is in every basis), but a
            // large offset (1e6 ± 1e-6) no longer swamps the variation in the Householder reflections.
            let shift = values.first { !$0.isNaN } ?? 0

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
                block[unknowns * leading + rows] = values[i] - shift
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

// MARK: - Index basis: projection onto the discrete orthogonal (Gram) polynomials

extension PolynomialFit {
    /// The fewest kept samples for which `.automatic` takes the Gram path at `degree`. A
    /// conservative margin: the three-term recurrence of the Gram polynomials is known to lose
    /// accuracy when the degree is large compared with √n, although in the tests (degrees
    /// 0…10) it still matches 60-digit references at n = degree + 2. Windows this short are
    /// cheap for the QR anyway.
    static func gramMinimumSamples(degree: Int) -> Int {
        Swift.max(16, 2 * (degree + 1) * (degree + 1))
    }

    /// The number of non-NaN values, or nil if one of them is infinite.
    static func keptCount(_ values: UnsafeBufferPointer<Double>) -> Int? {
        guard let base = values.baseAddress else { return 0 }
        let count = values.count
        var kept = SIMD4<Double>(repeating: 0)
        var infinite = SIMDMask<SIMD4<Int64>>(repeating: false)
        let zero = SIMD4<Double>(repeating: 0)
        let one = SIMD4<Double>(repeating: 1)
        var i = 0
        while i + 4 <= count {
            let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self)
            let present = x .== x
            kept += zero.replacing(with: one, where: present)
            infinite = infinite .| (present .& ((x - x) .!= zero))  // x − x is NaN for ±inf
            i += 4
        }
        guard !any(infinite) else { return nil }
        var n = Int(kept.sum())
        while i < count {
            let x = base[i]
            if !x.isNaN {
                guard x.isFinite else { return nil }
                n += 1
            }
            i += 1
        }
        return n
    }

    /// The residual RMS of the least-squares polynomial of `degree` through (j, yⱼ), j = 0…n−1
    /// numbering the kept (non-NaN) values, by projection onto the discrete orthogonal (Gram,
    /// or discrete Chebyshev) polynomials of the points 0…n−1. `kept` is n; every kept value
    /// must be finite (the caller's first pass checks).
    ///
    /// Math. With t = j − (n−1)/2 the monic Gram polynomials satisfy
    ///     p₀ = 1,  p₁ = t,  pₖ₊₁ = t·pₖ − βₖ·pₖ₋₁,  βₖ = k²(n² − k²) / (4(4k² − 1)),
    /// are orthogonal over the n points, and ‖p₀‖² = n, ‖pₖ‖² = βₖ·‖pₖ₋₁‖². We evaluate
    /// qₖ = sᵏ·pₖ with u = s·t, s = 2/(n−1) (u ∈ [−1, 1], the qₖ stay O(1)):
    /// qₖ₊₁ = u·qₖ − γₖ·qₖ₋₁ with γₖ = s²βₖ, and ‖qₖ‖² = γₖ·‖qₖ₋₁‖². The least-squares fit
    /// is Σ cₖqₖ with cₖ = ⟨y, qₖ⟩/‖qₖ‖² — no system to solve — and the residual sum of
    /// squares is ‖y‖² − Σ ⟨y, qₖ⟩²/‖qₖ‖².
    ///
    /// Accuracy.
    /// - y is shifted by its first kept value (a constant lies in every fit's span, so the
    ///   residual is unchanged, and subtracting nearby values is exact): values such as
    ///   1e9 ± 1e-3 do not lose their digits in the sums of squares.
    /// - Pass 1 accumulates ⟨y, qₖ⟩ and ‖y‖². When the residual so obtained is at least 1/128
    ///   of ‖y‖², the subtraction loses at most 7 bits and it is returned.
    /// - Otherwise (data close to a polynomial: a slewing axis with small jitter) pass 2 forms
    ///   the residuals y − Σ cₖqₖ explicitly and sums their squares. Because the exact
    ///   residual is orthogonal to the polynomial space, errors in the cₖ then change the
    ///   result only to second order.
    /// Against 60-digit references this path is more accurate than the QR (which does not
    /// shift y): see PolynomialFitGramTests.
    ///
    /// Returns nil (the caller falls back to the QR) when a sum overflows or ‖y‖² is so
    /// small that squares may have underflowed.
    ///
    /// Speed: O(n·degree) arithmetic in SIMD lanes with the accumulators in registers
    /// (degree ≤ 4, every reference config's, has its own kernel); NaN samples are squeezed
    /// out of their lane group so that j counts kept samples only, as the index basis
    /// requires.
    static func gramResidualRMS(values: UnsafeBufferPointer<Double>, kept n: Int, degree: Int) -> Double? {
        guard n > degree, degree >= 0, degree <= SummaryFunction.maxFitDegree else { return nil }
        var shift = 0.0
        for value in values where !value.isNaN {
            shift = value
            break
        }
        let count = Double(n)
        let center = Double(n - 1) / 2
        let scale = n > 1 ? 2 / Double(n - 1) : 0
        // γₖ (index k ≥ 1) and ‖qₖ‖²; maxFitDegree < 16.
        var gamma = SIMD16<Double>(repeating: 0)
        var norms = SIMD16<Double>(repeating: 0)
        norms[0] = count
        for k in 1..<(degree + 1) {
            let kk = Double(k * k)
            gamma[k] = scale * scale * (kk * (count * count - kk) / (4 * (4 * kk - 1)))
            norms[k] = norms[k - 1] * gamma[k]
        }
        let grid = Grid(shift: shift, center: center, scale: scale, gamma: gamma)

        // Pass 1: inner products.
        let sums = degree <= 4
            ? innerProductsUpToDegree4(values, grid, as: SIMD2<Double>.self)
            : innerProducts(values, grid, degree: degree)
        let total = sums.squares
        guard total.isFinite else { return nil }
        if sums.largest == 0 { return 0 }  // every kept value equals the first
        guard total > 0x1p-900 else { return nil }  // squares may have underflowed
        var explained = 0.0
        var coefficients = SIMD16<Double>(repeating: 0)
        for k in 0...degree {
            let product = sums.products[k]
            guard product.isFinite, norms[k] > 0, norms[k].isFinite else { return nil }
            coefficients[k] = product / norms[k]
            explained += product * coefficients[k]
        }
        guard explained.isFinite else { return nil }
        let residual = total - explained
        if residual >= total * 0x1p-7 { return (residual / count).squareRoot() }

        // Pass 2: explicit residuals.
        let squares = degree <= 4
            ? residualSquaresUpToDegree4(values, grid, coefficients, as: SIMD2<Double>.self)
            : residualSquares(values, grid, coefficients, degree: degree)
        guard squares.isFinite else { return nil }
        return (squares / count).squareRoot()
    }

    /// The constants of one fit: the value shift, the map j ↦ u = (j − center)·scale, and γₖ.
    struct Grid {
        var shift: Double
        var center: Double
        var scale: Double
        var gamma: SIMD16<Double>
    }

    /// Pass 1's sums: ‖y‖², max |y| (after the shift), and ⟨y, qₖ⟩ for k ≤ degree.
    struct InnerProducts {
        var squares: Double
        var largest: Double
        var products: SIMD16<Double>
    }

    /// Pass 1 for degree ≤ 4 (q₀…q₄ always; the caller ignores those above its degree):
    /// every accumulator is a local, so they live in registers.
    @inline(__always)
    private static func innerProductsUpToDegree4<V: SIMD>(
        _ values: UnsafeBufferPointer<Double>, _ grid: Grid, as: V.Type
    ) -> InnerProducts where V.Scalar == Double {
        let center = V(repeating: grid.center)
        let scale = V(repeating: grid.scale)
        let g1 = V(repeating: grid.gamma[1])
        let g2 = V(repeating: grid.gamma[2])
        let g3 = V(repeating: grid.gamma[3])
        var p0 = V(repeating: 0), p1 = p0, p2 = p0, p3 = p0, p4 = p0, squares = p0, largest = p0
        forEachLaneGroup(values, shift: grid.shift, as: V.self) { y, j, _ in
            // y is 0 in padding lanes, so they add nothing.
            let u = (j - center) * scale
            squares += y * y
            largest.replace(with: y, where: y .> largest)
            largest.replace(with: -y, where: -y .> largest)
            p0 += y
            p1 += y * u
            let q2 = u * u - g1
            p2 += y * q2
            let q3 = u * q2 - g2 * u
            p3 += y * q3
            let q4 = u * q3 - g3 * q2
            p4 += y * q4
        }
        var products = SIMD16<Double>(repeating: 0)
        products[0] = p0.sum()
        products[1] = p1.sum()
        products[2] = p2.sum()
        products[3] = p3.sum()
        products[4] = p4.sum()
        return InnerProducts(squares: squares.sum(), largest: largest.max(), products: products)
    }

    /// Pass 2 for degree ≤ 4: Σ (y − Σ cₖqₖ)² (coefficients above the degree are 0).
    @inline(__always)
    private static func residualSquaresUpToDegree4<V: SIMD>(
        _ values: UnsafeBufferPointer<Double>, _ grid: Grid, _ coefficients: SIMD16<Double>, as: V.Type
    ) -> Double where V.Scalar == Double {
        let center = V(repeating: grid.center)
        let scale = V(repeating: grid.scale)
        let g1 = V(repeating: grid.gamma[1])
        let g2 = V(repeating: grid.gamma[2])
        let g3 = V(repeating: grid.gamma[3])
        let c0 = V(repeating: coefficients[0])
        let c1 = V(repeating: coefficients[1])
        let c2 = V(repeating: coefficients[2])
        let c3 = V(repeating: coefficients[3])
        let c4 = V(repeating: coefficients[4])
        var squares = V(repeating: 0)
        forEachLaneGroup(values, shift: grid.shift, as: V.self) { y, j, mask in
            let u = (j - center) * scale
            let q2 = u * u - g1
            let q3 = u * q2 - g2 * u
            let q4 = u * q3 - g3 * q2
            let fit = c0 + c1 * u + c2 * q2 + c3 * q3 + c4 * q4
            let r = (y - fit) * mask
            squares += r * r
        }
        return squares.sum()
    }

    /// Pass 1 for any degree: four lanes, the accumulators in a small stack block.
    private static func innerProducts(_ values: UnsafeBufferPointer<Double>, _ grid: Grid, degree: Int) -> InnerProducts {
        withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: degree + 1) { products in
            products.initialize(repeating: SIMD4(repeating: 0))
            let center = SIMD4<Double>(repeating: grid.center)
            let scale = SIMD4<Double>(repeating: grid.scale)
            var squares = SIMD4<Double>(repeating: 0)
            var largest = SIMD4<Double>(repeating: 0)
            forEachLaneGroup(values, shift: grid.shift, as: SIMD4<Double>.self) { y, j, _ in
                let u = (j - center) * scale
                squares += y * y
                largest.replace(with: y, where: y .> largest)
                largest.replace(with: -y, where: -y .> largest)
                products[0] += y
                guard degree > 0 else { return }
                var previous = SIMD4<Double>(repeating: 1)
                var current = u
                products[1] += y * current
                var k = 1
                while k < degree {
                    let next = u * current - SIMD4(repeating: grid.gamma[k]) * previous
                    previous = current
                    current = next
                    k += 1
                    products[k] += y * current
                }
            }
            var sums = SIMD16<Double>(repeating: 0)
            for k in 0...degree { sums[k] = products[k].sum() }
            return InnerProducts(squares: squares.sum(), largest: largest.max(), products: sums)
        }
    }

    /// Pass 2 for any degree.
    private static func residualSquares(
        _ values: UnsafeBufferPointer<Double>, _ grid: Grid, _ coefficients: SIMD16<Double>, degree: Int
    ) -> Double {
        let center = SIMD4<Double>(repeating: grid.center)
        let scale = SIMD4<Double>(repeating: grid.scale)
        var squares = SIMD4<Double>(repeating: 0)
        forEachLaneGroup(values, shift: grid.shift, as: SIMD4<Double>.self) { y, j, mask in
            let u = (j - center) * scale
            var fit = SIMD4(repeating: coefficients[0])
            if degree > 0 {
                var previous = SIMD4<Double>(repeating: 1)
                var current = u
                fit += SIMD4(repeating: coefficients[1]) * current
                var k = 1
                while k < degree {
                    let next = u * current - SIMD4(repeating: grid.gamma[k]) * previous
                    previous = current
                    current = next
                    k += 1
                    fit += SIMD4(repeating: coefficients[k]) * current
                }
            }
            let r = (y - fit) * mask
            squares += r * r
        }
        return squares.sum()
    }

    /// Calls `body` for the kept (non-NaN) values in groups of `V.scalarCount` lanes: the
    /// values minus `shift`, their kept-sample indices j, and a mask of 1 for used lanes, 0 for
    /// padding (where the value passed is 0). A group without NaN is loaded as it is; one with
    /// NaN, and the tail, are compacted.
    @inline(__always)
    private static func forEachLaneGroup<V: SIMD>(
        _ values: UnsafeBufferPointer<Double>, shift: Double, as: V.Type,
        _ body: (_ y: V, _ j: V, _ mask: V) -> Void
    ) where V.Scalar == Double {
        guard let base = values.baseAddress else { return }
        let count = values.count
        let width = V.scalarCount
        var lanes = V(repeating: 0)
        for k in 0..<width { lanes[k] = Double(k) }
        let ones = V(repeating: 1)
        let shifts = V(repeating: shift)
        var kept = 0.0
        var i = 0

        func compacted(_ start: Int, _ end: Int) {
            var y = V(repeating: 0)
            var mask = V(repeating: 0)
            var used = 0
            for index in start..<end where !base[index].isNaN {
                y[used] = base[index] - shift
                mask[used] = 1
                used += 1
            }
            guard used > 0 else { return }
            body(y, lanes + V(repeating: kept), mask)
            kept += Double(used)
        }

        while i + width <= count {
            let y = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
            if any(y .!= y) {
                compacted(i, i + width)
            } else {
                body(y - shifts, lanes + V(repeating: kept), ones)
                kept += Double(width)
            }
            i += width
        }
        if i < count { compacted(i, count) }
    }
}
