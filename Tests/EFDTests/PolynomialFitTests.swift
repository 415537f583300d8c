// rms_from_polynomial_fit against numpy (the true residual RMS, not the reference's).
//
// Expected values were computed once with numpy 2.4.6 (float64) and pasted here as literals;
// the tests do not run Python. The snippet:
//
//     import numpy as np
//     def rms(x, y, d):
//         return np.sqrt(np.mean((y - np.polyval(np.polyfit(x, y, d), x))**2))
//     n = 25; i = np.arange(n)
//     y = np.round(3.0 + 0.5*i - 0.02*i**2 + 0.1*np.sin(1.3*i), 6)
//     t = np.round(1722532816.0 + 0.1*i + 0.013*np.sin(i), 4)
//     index basis: rms(np.arange(n, dtype=np.float64), y, d)
//     time basis:  rms(t - t.mean(), y, d)        # centered, else numpy's conditioning suffers
//
// `y` and `t` below are repr() of those arrays. An independent check, exact rational least
// squares (Python fractions) on the same doubles, agrees with every numpy value here to
// ≤ 2.3e-15 relative (≤ 8e-13 for degree 10), so the 1e-9 tolerance is about our arithmetic,
// not numpy's. The ill-conditioned case at the end is limited by conditioning: 1e-6.

import Foundation
import Testing
import EFD

private let nan = Double.nan

@Suite("rms_from_polynomial_fit")
struct PolynomialFitTests {
    static let y: [Double] = [
        3.0, 3.576356, 3.97155, 4.251223, 4.591655, 5.021512, 5.379854, 5.55191, 5.637217, 5.803802,
        6.042017, 6.178677, 6.130775, 6.027088, 6.019517, 6.060554, 5.97288, 5.709136, 5.421308,
        5.238064, 5.076256, 4.762733, 4.288006, 3.82015, 3.458575,
    ]
    static let t: [Double] = [
        1722532816.0, 1722532816.1109, 1722532816.2118, 1722532816.3018, 1722532816.3902,
        1722532816.4875, 1722532816.5964, 1722532816.7085, 1722532816.8129, 1722532816.9054,
        1722532816.9929, 1722532817.087, 1722532817.193, 1722532817.3055, 1722532817.4129,
        1722532817.5085, 1722532817.5963, 1722532817.6875, 1722532817.7902, 1722532817.9019,
        1722532818.0119, 1722532818.1109, 1722532818.1999, 1722532818.289, 1722532818.3882,
    ]

    @Test(arguments: [
        // rms(np.arange(n, dtype=np.float64), y, d) for d in 0..5
        (0, 0.9412397775765322),
        (1, 0.9315408935775632),
        (2, 0.06877737904816564),
        (3, 0.06780857296381754),
        (4, 0.06778135145452474),
        (5, 0.06759249827506414),
    ])
    func indexBasis(degree: Int, expected: Double) {
        let f = SummaryFunction.rmsFromPolynomialFit(degree: degree, fitBasis: .index)
        expectClose(f.evaluate(times: Self.t, values: Self.y), expected)
    }

    @Test(arguments: [
        // rms(t - t.mean(), y, d) for d in 0..5
        (0, 0.9412397775765322),
        (1, 0.9314902650593272),
        (2, 0.0771888652652104),
        (3, 0.07610519517599589),
        (4, 0.0751440556728821),
        (5, 0.07378311397223121),
    ])
    func timeBasis(degree: Int, expected: Double) {
        let f = SummaryFunction.rmsFromPolynomialFit(degree: degree, fitBasis: .time)
        expectClose(f.evaluate(times: Self.t, values: Self.y), expected)
    }

    @Test func theReferenceStoresSomethingElse() {
        // The reference keeps y as an n×1 array, so `y - np.polyval(...)` broadcasts to n×n:
        //     yy = y.reshape(-1, 1)
        //     np.sqrt(np.mean((yy - np.polyval(np.polyfit(np.arange(n), yy, 4), np.arange(n)))**2))
        // gives 1.329387199494429 here — the reference would store 1.33 for this column.
        // We deliberately store the true residual RMS, 0.06778135145452474 (DESIGN §5.4).
        let f = SummaryFunction.rmsFromPolynomialFit(degree: 4, fitBasis: .index)
        let value = f.evaluate(times: Self.t, values: Self.y)
        expectClose(value, 0.06778135145452474)
        #expect(Swift.abs((value ?? 0) - 1.329387199494429) > 1)
    }

    @Test func nanSamplesAreDroppedBeforeFitting() {
        // yn = y.copy(); yn[3] = nan; yn[10] = nan; keep = ~np.isnan(yn); yk = yn[keep]; tk = t[keep]
        // index: rms(np.arange(len(yk), dtype=float), yk, d); time: rms(tk - tk.mean(), yk, d)
        var yn = Self.y
        yn[3] = nan
        yn[10] = nan
        let cases: [(Int, FitBasis, Double)] = [
            (1, .index, 0.9421287963456216), (1, .time, 0.9380291287502429),
            (4, .index, 0.07806887027903343), (4, .time, 0.07465271651732142),
        ]
        for (degree, basis, expected) in cases {
            let f = SummaryFunction.rmsFromPolynomialFit(degree: degree, fitBasis: basis)
            expectClose(f.evaluate(times: Self.t, values: yn), expected)
        }
    }

    @Test func tooFewSamplesForTheDegree() {
        // n ≤ degree: nil (the reference returns NaN).
        let f3 = SummaryFunction.rmsFromPolynomialFit(degree: 3, fitBasis: .index)
        #expect(f3.evaluate(times: [1, 2, 3], values: [1, 5, 2]) == nil)
        // NaN samples do not count: 4 samples, 3 of them valid.
        #expect(f3.evaluate(times: [1, 2, 3, 4], values: [1, nan, 5, 2]) == nil)
        // n = degree + 1: the polynomial interpolates, residual 0.
        let exact = f3.evaluate(times: [1, 2, 3, 4], values: [1, 7, 5, 2])
        #expect(exact != nil && exact! < 1e-13)
        let timeExact = SummaryFunction.rmsFromPolynomialFit(degree: 3, fitBasis: .time)
            .evaluate(times: [1e9, 1e9 + 0.5, 1e9 + 2, 1e9 + 2.25], values: [1, 7, 5, 2])
        #expect(timeExact != nil && timeExact! < 1e-12)
    }

    @Test func oneSampleDegreeZero() {
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 0, fitBasis: .index).evaluate(times: [3], values: [7]) == 0)
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 0, fitBasis: .time).evaluate(times: [3], values: [7]) == 0)
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 1, fitBasis: .index).evaluate(times: [3], values: [7]) == nil)
    }

    @Test func unsupportedDegrees() {
        let times = (0..<30).map(Double.init)
        let values = times.map { $0 * $0 }
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: -1, fitBasis: .index).evaluate(times: times, values: values) == nil)
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 11, fitBasis: .index).evaluate(times: times, values: values) == nil)
    }

    @Test func degreeTen() {
        // rms(np.arange(n, dtype=float), y, 10) = 0.057827098741314205 (numpy, RankWarning-free);
        // exact rational least squares: 0.05782709874135951. numpy's raw Vandermonde of
        // 0…24 to the 10th power is what costs it 8e-13; we match the exact value.
        let f = SummaryFunction.rmsFromPolynomialFit(degree: 10, fitBasis: .index)
        expectClose(f.evaluate(times: Self.t, values: Self.y), 0.057827098741314205)
        expectClose(f.evaluate(times: Self.t, values: Self.y), 0.05782709874135951, relative: 1e-12)
    }

    @Test func rankDeficientTimes() {
        // tr = np.array([100.0]*3 + [101.0]*3); yr = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 8.0])
        // Two distinct times: any polynomial of degree ≥ 1 fits the two group means.
        // rms(tr - tr.mean(), yr, 2) == rms(tr - tr.mean(), yr, 1) == 1.699673171197595
        // (numpy warns RankWarning and returns the minimum-norm solution).
        let tr: [Double] = [100, 100, 100, 101, 101, 101]
        let yr: [Double] = [1, 2, 4, 3, 5, 8]
        for degree in 1...4 {
            let f = SummaryFunction.rmsFromPolynomialFit(degree: degree, fitBasis: .time)
            expectClose(f.evaluate(times: tr, values: yr), 1.699673171197595)
        }
        // All times equal: only the constant is identifiable; the residual RMS is the
        // population standard deviation. numpy: rms(np.full(6, 7.0), yr, 3) =
        // r(np.std(yr)) = 2.266911751455907. (The reference computes x = t − t[0] = all
        // zeros there, and numpy's lstsq fails on a zero column: its task would error.)
        let same = [Double](repeating: 1722532816.5, count: 6)
        expectClose(
            SummaryFunction.rmsFromPolynomialFit(degree: 3, fitBasis: .time).evaluate(times: same, values: yr),
            2.266911751455907)
    }

    @Test func tiesInTime() {
        // tt = np.array([0.0, 1.0, 1.0, 2.0, 3.0]); yt = np.array([0.0, 1.5, 0.5, 2.2, 2.9])
        // rms(tt - tt.mean(), yt, 1) = 0.330965952234458
        let tt: [Double] = [1e9, 1e9 + 1, 1e9 + 1, 1e9 + 2, 1e9 + 3]
        let yt: [Double] = [0.0, 1.5, 0.5, 2.2, 2.9]
        expectClose(SummaryFunction.rmsFromPolynomialFit(degree: 1, fitBasis: .time).evaluate(times: tt, values: yt), 0.330965952234458)
    }

    @Test func timeBasisRejectsNonFiniteTimes() {
        let f = SummaryFunction.rmsFromPolynomialFit(degree: 1, fitBasis: .time)
        #expect(f.evaluate(times: [1, nan, 3, 4], values: [1, 2, 3, 5]) == nil)
        #expect(f.evaluate(times: [1, 2, 3, .infinity], values: [1, 2, 3, 5]) == nil)
        // …but a NaN time under a NaN value is dropped with its sample.
        #expect((f.evaluate(times: [0, nan, 1, 2], values: [0, nan, 1, 2]) ?? 1) < 1e-14)
        // The index basis does not read times.
        #expect(SummaryFunction.rmsFromPolynomialFit(degree: 1, fitBasis: .index)
            .evaluate(times: [nan, nan, nan], values: [1, 2, 3]).map { $0 < 1e-14 } == true)
    }

    @Test func manySamplesCrossBlockBoundaries() {
        // 1000 samples exercise the blocked QR (32 rows per block). A quadratic plus a
        // ±1 square wave: degree 2 leaves the square wave, whose RMS is 1 (exactly, up to
        // the wave's small projection onto the quadratic, ≤ 1e-3 here).
        let n = 1000
        let times = (0..<n).map { 1_722_532_816.0 + Double($0) * 0.01 }
        let values = (0..<n).map { i -> Double in
            let x = Double(i)
            return 5 + 0.01 * x - 3e-6 * x * x + (i % 2 == 0 ? 1 : -1)
        }
        for basis in FitBasis.allCases {
            let rms = SummaryFunction.rmsFromPolynomialFit(degree: 2, fitBasis: basis).evaluate(times: times, values: values)
            #expect(rms.map { Swift.abs($0 - 1) < 1e-3 } == true)
        }
    }

    @Test func illConditionedEncoderLikeSeries() {
        // An encoder at ~45 deg with 2e-7 deg jitter: residuals are 3e8 times smaller than the
        // values, so any float64 fit loses ~8 digits. Conditioning-limited tolerance: 1e-6.
        //     j = np.arange(200)
        //     ye = np.round(45.123456 + 0.001*j + 2e-7*np.sin(2.1*j), 9)
        //     rms(j.astype(float), ye, 4) = 1.410553076471981e-07   (numpy)
        //     exact rational least squares:   1.4105530789527827e-07 (numpy is 1.8e-9 off)
        //     r(np.sum(ye)) = 9044.591200113   (checks that Swift rebuilt the same data)
        let ye = (0..<200).map { j -> Double in
            let x = Double(j)
            return ((45.123456 + 0.001 * x + 2e-7 * sin(2.1 * x)) * 1e9).rounded(.toNearestOrEven) / 1e9
        }
        expectClose(ye.reduce(0, +), 9044.591200113, relative: 1e-13)
        let times = (0..<200).map { 1_722_532_816.0 + Double($0) * 0.05 }
        let f = SummaryFunction.rmsFromPolynomialFit(degree: 4, fitBasis: .index)
        expectClose(f.evaluate(times: times, values: ye), 1.410553076471981e-07, relative: 1e-6)
        expectClose(f.evaluate(times: times, values: ye), 1.4105530789527827e-07, relative: 1e-6)
    }
}
