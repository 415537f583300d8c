// The transformed-EFD summary functions and their evaluation over contiguous sample buffers.

/// `SummaryFunction.FitBasis`, also reachable unqualified.
public typealias FitBasis = SummaryFunction.FitBasis

/// A column's summary function: what one window's samples reduce to.
///
/// Semantics follow the reference's numpy code (`transformed_efd/summary.py`), DESIGN §5.4:
///
/// - NaN values are ignored by every function (the fit drops NaN samples before fitting).
/// - A window with no samples, or only NaN values, gives `nil` (SQL NULL).
/// - Results are never NaN: an undefined result (e.g. `inf − inf` in a mean) is `nil`.
///   Infinite input values are kept, as numpy keeps them (`max` of `[1, +inf]` is `+inf`).
///
/// Evaluation is allocation-free for `mean`, `stddev`, `min`, `max` and `mostRecentValue`;
/// the polynomial fit uses one small scratch block (a few kilobytes, independent of the
/// number of samples).
public enum SummaryFunction: Sendable, Hashable {
    /// `numpy.nanmean`, summed with compensation (Neumaier) so it agrees with numpy's
    /// pairwise sum to ~1e-15 relative on ordinary data.
    case mean
    /// `numpy.nanstd(ddof:)`, two-pass. `nil` with one value or fewer (the reference
    /// returns null there) and when `n − ddof ≤ 0` (numpy would give inf or NaN).
    case stddev(ddof: Int)
    /// `numpy.nanmin`.
    case min
    /// `numpy.nanmax`.
    case max
    /// The last non-NaN value in buffer order. Buffers are kept in time order, and samples
    /// with equal times in arrival order, so this is the latest sample and, on a tie, the
    /// one that arrived last.
    case mostRecentValue
    /// The root-mean-square of the residuals of a least-squares polynomial of `degree`:
    /// `sqrt(mean((y − fit(x))²))` over the n non-NaN samples. `nil` when n ≤ degree,
    /// when degree is outside `0...maxFitDegree`, or (time basis) when a kept sample's
    /// time is not finite.
    ///
    /// This is the true residual RMS. The reference subtracts an n-vector from an n×1
    /// array, numpy broadcasts that to n×n, and it stores the RMS over all sample/fit
    /// pairs instead (FACTS §15 item 8); we deliberately do not reproduce that.
    case rmsFromPolynomialFit(degree: Int, fitBasis: FitBasis)

    /// The independent variable of `rms_from_polynomial_fit` (config `fit_basis`).
    public enum FitBasis: String, Sendable, Hashable, CaseIterable {
        /// x = 0, 1, …, n−1 over the non-NaN samples (the reference's default).
        case index
        /// x = the samples' times.
        case time
    }

    /// The function names used in transformed-EFD column configs, in the order above.
    public static let names = ["mean", "stddev", "min", "max", "most_recent_value", "rms_from_polynomial_fit"]

    /// `ddof` when a config's `stddev` gives none (the reference's default).
    public static let defaultDdof = 1

    /// The highest polynomial degree `rmsFromPolynomialFit` accepts. The fit's scratch
    /// space is sized for it; configs use degree 4.
    public static let maxFitDegree = 10

    /// The config name of this function (one of `names`).
    public var name: String {
        switch self {
        case .mean: "mean"
        case .stddev: "stddev"
        case .min: "min"
        case .max: "max"
        case .mostRecentValue: "most_recent_value"
        case .rmsFromPolynomialFit: "rms_from_polynomial_fit"
        }
    }

    /// The per-bucket statistic the reference uses when this function's column has a
    /// `pre_aggregate_interval`: InfluxDB's MEAN, MIN or MAX for `mean`, `min`, `max`.
    /// `nil` for every other function: the reference ignores `pre_aggregate_interval`
    /// for them, and a config that sets it there should be rejected.
    public var preAggregationStatistic: BucketStatistic? {
        switch self {
        case .mean: .mean
        case .min: .min
        case .max: .max
        case .stddev, .mostRecentValue, .rmsFromPolynomialFit: nil
        }
    }

    /// Evaluates the function over one series.
    ///
    /// - Parameters:
    ///   - times: sample times, UTC unix seconds, ascending. Only the time-basis fit reads
    ///     them; `mostRecentValue` relies on their order (buffer order is time order).
    ///   - values: one value per time.
    /// - Returns: the summary, or `nil` for no data, all-NaN data, an undefined result, or
    ///   `times.count != values.count` (a caller's bug, reported as "no value" rather than a
    ///   crash so that one bad column cannot take down a worker).
    public func evaluate(times: UnsafeBufferPointer<Double>, values: UnsafeBufferPointer<Double>) -> Double? {
        guard times.count == values.count else { return nil }
        let result: Double?
        switch self {
        case .mean:
            result = SeriesStatistics.mean(of: CollectionOfOne(values))
        case .stddev(let ddof):
            result = SeriesStatistics.standardDeviation(of: CollectionOfOne(values), ddof: ddof)
        case .min:
            result = SeriesStatistics.minimum(of: CollectionOfOne(values))
        case .max:
            result = SeriesStatistics.maximum(of: CollectionOfOne(values))
        case .mostRecentValue:
            result = SeriesStatistics.lastNonNaN(in: values)
        case .rmsFromPolynomialFit(let degree, let basis):
            result = PolynomialFit.residualRMS(times: times, values: values, degree: degree, basis: basis)
        }
        guard let result, !result.isNaN else { return nil }
        return result
    }

    /// Array convenience for `evaluate(times:values:)` (tests, cold paths).
    public func evaluate(times: [Double], values: [Double]) -> Double? {
        times.withUnsafeBufferPointer { t in
            values.withUnsafeBufferPointer { v in evaluate(times: t, values: v) }
        }
    }

    /// Evaluates a multi-field column: the reference concatenates the values of all the
    /// column's fields and applies the function to all of them.
    ///
    /// - `mean`, `stddev`, `min`, `max`: over every non-NaN value of every field.
    /// - `mostRecentValue`: over the FIRST field only (the reference takes column 0 of
    ///   the last row).
    /// - `rmsFromPolynomialFit`: over the first field only. The reference cannot fit more
    ///   than one field (its `polyval` broadcast raises for k > 1 fields unless k == n),
    ///   so any answer is an extension; fitting the first field is the one consistent
    ///   with `mostRecentValue`.
    ///
    /// Every field must have `times.count` values; otherwise, or with no fields, `nil`.
    public func evaluate(
        times: UnsafeBufferPointer<Double>,
        fields: UnsafeBufferPointer<UnsafeBufferPointer<Double>>
    ) -> Double? {
        guard let first = fields.first else { return nil }
        for field in fields where field.count != times.count { return nil }
        if fields.count == 1 { return evaluate(times: times, values: first) }
        let result: Double?
        switch self {
        case .mean:
            result = SeriesStatistics.mean(of: fields)
        case .stddev(let ddof):
            result = SeriesStatistics.standardDeviation(of: fields, ddof: ddof)
        case .min:
            result = SeriesStatistics.minimum(of: fields)
        case .max:
            result = SeriesStatistics.maximum(of: fields)
        case .mostRecentValue, .rmsFromPolynomialFit:
            return evaluate(times: times, values: first)
        }
        guard let result, !result.isNaN else { return nil }
        return result
    }

    /// `evaluate(times:fields:)` with the field buffers in an array.
    public func evaluate(times: UnsafeBufferPointer<Double>, fields: [UnsafeBufferPointer<Double>]) -> Double? {
        fields.withUnsafeBufferPointer { evaluate(times: times, fields: $0) }
    }
}

extension SummaryFunction: CustomStringConvertible {
    /// The config spelling with arguments, e.g. `stddev(ddof: 1)`, for logs.
    public var description: String {
        switch self {
        case .stddev(let ddof): "stddev(ddof: \(ddof))"
        case .rmsFromPolynomialFit(let degree, let basis):
            "rms_from_polynomial_fit(degree: \(degree), fit_basis: \(basis.rawValue))"
        default: name
        }
    }
}
