// mean, stddev, min, max, most_recent_value against numpy.
//
// Expected values were computed once with numpy 2.4.6 (float64) and pasted here as
// literals; the tests do not run Python. Each literal's comment gives the snippet, with
//     import numpy as np; nan = np.nan
// and `r = lambda v: repr(float(v))` printing the literal.

import Testing
import EFD

private let nan = Double.nan

@Suite("summary functions: mean, stddev, min, max, most_recent_value")
struct SummaryFunctionTests {
    // a = np.array([2.5, nan, -1.25, 3.75, 10.0, nan, 0.125, 7.5, -4.0, 6.0])
    let a: [Double] = [2.5, nan, -1.25, 3.75, 10.0, nan, 0.125, 7.5, -4.0, 6.0]
    var aTimes: [Double] { (0..<a.count).map { 1_722_532_816.0 + Double($0) * 0.25 } }

    @Test func meanIgnoresNaN() {
        // r(np.nanmean(a))
        expectClose(SummaryFunction.mean.evaluate(times: aTimes, values: a), 3.078125, relative: 1e-12)
    }

    @Test(arguments: [
        // r(np.nanstd(a, ddof=d)) for d in (0, 1, 2)
        (0, 4.392348416209146),
        (1, 4.695617970512507),
        (2, 5.071847080945955),
    ])
    func stddevWithDdof(ddof: Int, expected: Double) {
        expectClose(SummaryFunction.stddev(ddof: ddof).evaluate(times: aTimes, values: a), expected, relative: 1e-12)
    }

    @Test func minAndMaxIgnoreNaN() {
        // r(np.nanmin(a)), r(np.nanmax(a))
        #expect(SummaryFunction.min.evaluate(times: aTimes, values: a) == -4.0)
        #expect(SummaryFunction.max.evaluate(times: aTimes, values: a) == 10.0)
    }

    @Test func mostRecentValueIsTheLastSample() {
        #expect(SummaryFunction.mostRecentValue.evaluate(times: aTimes, values: a) == 6.0)
    }

    @Test func mostRecentValueSkipsATrailingNaN() {
        let values = [1.0, 2.0, 3.0, nan, nan]
        let times = [10.0, 11.0, 12.0, 13.0, 14.0]
        #expect(SummaryFunction.mostRecentValue.evaluate(times: times, values: values) == 3.0)
    }

    @Test func mostRecentValueOnATimeTieIsTheLastInBufferOrder() {
        // Two samples at t = 12: the later-arriving one (buffer order) wins.
        let times = [10.0, 11.0, 12.0, 12.0]
        #expect(SummaryFunction.mostRecentValue.evaluate(times: times, values: [1, 2, 3, 4]) == 4.0)
        #expect(SummaryFunction.mostRecentValue.evaluate(times: times, values: [1, 2, 3, nan]) == 3.0)
    }

    @Test(arguments: [
        SummaryFunction.mean, .stddev(ddof: 0), .stddev(ddof: 1), .min, .max, .mostRecentValue,
        .rmsFromPolynomialFit(degree: 0, fitBasis: .index), .rmsFromPolynomialFit(degree: 1, fitBasis: .time),
    ])
    func noDataOrAllNaNIsNil(function: SummaryFunction) {
        #expect(function.evaluate(times: [], values: []) == nil)
        #expect(function.evaluate(times: [1, 2, 3], values: [nan, nan, nan]) == nil)
    }

    @Test func oneSample() {
        let t = [5.0]
        let v = [42.0]
        #expect(SummaryFunction.mean.evaluate(times: t, values: v) == 42)
        #expect(SummaryFunction.min.evaluate(times: t, values: v) == 42)
        #expect(SummaryFunction.max.evaluate(times: t, values: v) == 42)
        #expect(SummaryFunction.mostRecentValue.evaluate(times: t, values: v) == 42)
        // The reference returns null for ≤ 1 value, whatever ddof (numpy: 0 for ddof 0).
        #expect(SummaryFunction.stddev(ddof: 0).evaluate(times: t, values: v) == nil)
        #expect(SummaryFunction.stddev(ddof: 1).evaluate(times: t, values: v) == nil)
        // One non-NaN value among NaNs counts as one value.
        #expect(SummaryFunction.stddev(ddof: 0).evaluate(times: [1, 2, 3], values: [nan, 42, nan]) == nil)
    }

    @Test func twoSamples() {
        let t = [0.0, 1.0]
        let v = [1.0, 4.0]
        // c = np.array([1.0, 4.0]); r(np.nanstd(c, ddof=0)), r(np.nanstd(c, ddof=1))
        expectClose(SummaryFunction.stddev(ddof: 0).evaluate(times: t, values: v), 1.5, relative: 1e-15)
        expectClose(SummaryFunction.stddev(ddof: 1).evaluate(times: t, values: v), 2.1213203435596424, relative: 1e-15)
        // n − ddof = 0: numpy gives inf (with a warning); we give nil.
        #expect(SummaryFunction.stddev(ddof: 2).evaluate(times: t, values: v) == nil)
        #expect(SummaryFunction.stddev(ddof: 3).evaluate(times: t, values: v) == nil)
        #expect(SummaryFunction.mean.evaluate(times: t, values: v) == 2.5)
    }

    @Test func stddevIsStableAtLargeOffsets() {
        // b = np.array([1e9 + x for x in [0.0012, 0.0034, 0.0007, 0.0051, 0.0029, 0.0018,
        //                                  0.0043, 0.0009, 0.0025, 0.0038]])
        // (the literals below are repr(b[i]), so Swift parses the same doubles)
        let b: [Double] = [
            1000000000.0012, 1000000000.0034, 1000000000.0007, 1000000000.0051, 1000000000.0029,
            1000000000.0018, 1000000000.0043, 1000000000.0009, 1000000000.0025, 1000000000.0038,
        ]
        let t = (0..<b.count).map(Double.init)
        // r(np.nanmean(b)), r(np.nanstd(b, ddof=1)), r(np.nanstd(b, ddof=0))
        expectClose(SummaryFunction.mean.evaluate(times: t, values: b), 1000000000.00266, relative: 1e-15)
        expectClose(SummaryFunction.stddev(ddof: 1).evaluate(times: t, values: b), 0.001504961773401684)
        expectClose(SummaryFunction.stddev(ddof: 0).evaluate(times: t, values: b), 0.0014277320986306595)
        // The exact value (rational arithmetic on the same doubles) is 0.0015049617729295506:
        // numpy and we both lose 3e-10 to the rounding of the mean (1e9 has an ulp of 1.2e-7)
        // and agree with each other to the last digit; the one-pass formula would be off by
        // ~100 %.
        expectClose(SummaryFunction.stddev(ddof: 1).evaluate(times: t, values: b), 0.001504961773401684, relative: 1e-14)
        expectClose(SummaryFunction.stddev(ddof: 1).evaluate(times: t, values: b), 0.0015049617729295506, relative: 1e-9)
    }

    @Test func multiFieldColumnsConcatenateTheirFields() throws {
        // A = np.array([1.0, 2.0, nan, 4.0, 0.5]); B = np.array([10.0, nan, 30.0, 40.0, -3.0])
        // allv = np.concatenate([A, B])
        let fieldA: [Double] = [1.0, 2.0, nan, 4.0, 0.5]
        let fieldB: [Double] = [10.0, nan, 30.0, 40.0, -3.0]
        let times: [Double] = [1, 2, 3, 4, 5]
        func evaluate(_ function: SummaryFunction) -> Double? {
            times.withUnsafeBufferPointer { t in
                fieldA.withUnsafeBufferPointer { a in
                    fieldB.withUnsafeBufferPointer { b in function.evaluate(times: t, fields: [a, b]) }
                }
            }
        }
        // r(np.nanmean(allv)), r(np.nanstd(allv, ddof=1)), r(np.nanmin(allv)), r(np.nanmax(allv))
        expectClose(evaluate(.mean), 10.5625, relative: 1e-15)
        expectClose(evaluate(.stddev(ddof: 1)), 15.755809586126817, relative: 1e-12)
        #expect(evaluate(.min) == -3.0)
        #expect(evaluate(.max) == 40.0)
        // The first field only:
        #expect(evaluate(.mostRecentValue) == 0.5)
        #expect(evaluate(.rmsFromPolynomialFit(degree: 0, fitBasis: .index))
            == SummaryFunction.rmsFromPolynomialFit(degree: 0, fitBasis: .index).evaluate(times: times, values: fieldA))
    }

    @Test func infiniteValuesAreValuesButUndefinedResultsAreNil() {
        let t: [Double] = [1, 2, 3]
        #expect(SummaryFunction.max.evaluate(times: t, values: [1, .infinity, 2]) == .infinity)
        #expect(SummaryFunction.min.evaluate(times: t, values: [1, -.infinity, 2]) == -.infinity)
        #expect(SummaryFunction.mean.evaluate(times: t, values: [1, .infinity, 2]) == .infinity)
        // inf − inf: numpy gives nan; we never return NaN.
        #expect(SummaryFunction.mean.evaluate(times: t, values: [1, .infinity, -.infinity]) == nil)
        #expect(SummaryFunction.stddev(ddof: 1).evaluate(times: t, values: [1, .infinity, 2]) == nil)
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 1, fitBasis: .index).evaluate(times: t, values: [1, .infinity, 2]) == nil)
    }

    @Test func hostileTimesAndLengths() {
        // Times do not matter to these functions (buffers keep them finite anyway).
        #expect(SummaryFunction.mean.evaluate(times: [nan, .infinity, 3], values: [1, 2, 3]) == 2)
        // Mismatched lengths are a caller's bug: nil, not a crash.
        for function in [SummaryFunction.mean, .stddev(ddof: 1), .min, .max, .mostRecentValue,
                         .rmsFromPolynomialFit(degree: 1, fitBasis: .index)] {
            #expect(function.evaluate(times: [1, 2], values: [1, 2, 3]) == nil)
        }
        let times: [Double] = [1, 2, 3]
        let short: [Double] = [1, 2]
        let full: [Double] = [1, 2, 3]
        let result = times.withUnsafeBufferPointer { t in
            short.withUnsafeBufferPointer { s in
                full.withUnsafeBufferPointer { f in SummaryFunction.mean.evaluate(times: t, fields: [f, s]) }
            }
        }
        #expect(result == nil)
        let none = times.withUnsafeBufferPointer { SummaryFunction.mean.evaluate(times: $0, fields: []) }
        #expect(none == nil)
    }

    @Test func compensatedMeanOfManyValues() {
        // r(np.nanmean(np.array([0.1] * 1_000_000))) is 0.10000000000000003 (pairwise sum);
        // the exact mean of a million copies of the double 0.1 is that double itself, which
        // the compensated sum returns. Both agree to 1e-12.
        let values = [Double](repeating: 0.1, count: 1_000_000)
        let times = (0..<values.count).map(Double.init)
        #expect(SummaryFunction.mean.evaluate(times: times, values: values) == 0.1)
        expectClose(SummaryFunction.mean.evaluate(times: times, values: values), 0.10000000000000003, relative: 1e-12)
    }

    @Test func namesMatchTheConfigVocabulary() {
        #expect(SummaryFunction.names == ["mean", "stddev", "min", "max", "most_recent_value", "rms_from_polynomial_fit"])
        let all: [SummaryFunction] = [.mean, .stddev(ddof: 1), .min, .max, .mostRecentValue,
                                      .rmsFromPolynomialFit(degree: 4, fitBasis: .index)]
        #expect(all.map(\.name) == SummaryFunction.names)
        #expect(SummaryFunction.mean.preAggregationStatistic == .mean)
        #expect(SummaryFunction.min.preAggregationStatistic == .min)
        #expect(SummaryFunction.max.preAggregationStatistic == .max)
        #expect(SummaryFunction.stddev(ddof: 1).preAggregationStatistic == nil)
        #expect(SummaryFunction.mostRecentValue.preAggregationStatistic == nil)
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 4, fitBasis: .time).preAggregationStatistic == nil)
    }
}
