// The index basis' fast path (PolynomialFit.gramResidualRMS, a projection onto the discrete
// orthogonal Gram polynomials) against the Householder QR path, which the numpy literals in
// PolynomialFitTests pin down, and against 60-digit references.

import Foundation
import Testing
@testable import EFD

@Suite("rms_from_polynomial_fit: Gram path")
struct PolynomialFitGramTests {
    /// A 64-bit LCG; `next()` is uniform in [-1, 1). Pure double arithmetic, so the data (and
    /// the reference values computed from the same recipe in Python) are the same everywhere.
    struct Generator {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53 * 2 - 1
        }
    }

    static func rms(_ values: [Double], degree: Int, _ method: PolynomialFit.Method) -> Double? {
        let times = values.indices.map { 1_722_532_816 + 0.02 * Double($0) }
        return times.withUnsafeBufferPointer { t in
            values.withUnsafeBufferPointer { v in
                PolynomialFit.residualRMS(times: t, values: v, degree: degree, basis: .index, method: method)
            }
        }
    }

    static func relative(_ a: Double, _ b: Double) -> Double {
        Swift.abs(a - b) / Swift.max(Swift.abs(b), 1e-300)
    }

    /// Random smooth-plus-noise data of every degree 0…10 and many lengths, with NaNs in
    /// various places (group boundaries, runs longer than a lane group, the tail): the Gram
    /// projection and the QR agree to 1e-9 wherever `.automatic` would use the Gram path
    /// (against 60-digit references the Gram path is the more accurate of the two).
    @Test func agreesWithTheQRPath() {
        var random = Generator(state: 2024)
        var worst = 0.0
        for degree in 0...SummaryFunction.maxFitDegree {
            for n in [degree + 2, degree + 3, 2 * degree + 5, 17, 31, 64, 101, 250, 1001, 1503] where n > degree + 1 {
                for trial in 0..<8 {
                    let noise = [0.1, 1e-3, 1e-6, 1.0][trial % 4]
                    var y = (0..<n).map { i -> Double in
                        let x = Double(i) / Double(n)
                        return 3 + 2 * x - 5 * x * x + 0.7 * x * x * x + noise * random.next()
                    }
                    if trial >= 4 {
                        // NaNs: a scattered few, a run of six, and the last one.
                        for i in stride(from: 3, to: n, by: 7) { y[i] = .nan }
                        if n > 30 { for i in 20..<26 { y[i] = .nan } }
                        y[n - 1] = .nan
                    }
                    let kept = y.filter { !$0.isNaN }.count
                    let qr = Self.rms(y, degree: degree, .qr)
                    let gram = Self.rms(y, degree: degree, .gram)
                    guard kept > degree else {
                        #expect(qr == nil && gram == nil)
                        continue
                    }
                    guard let qr, let gram else {
                        Issue.record("nil result: degree \(degree), n \(n), trial \(trial)")
                        continue
                    }
                    // n = degree + 1 interpolates: both are rounding noise around 0.
                    if kept == degree + 1 {
                        #expect(gram < 1e-12 && qr < 1e-12)
                        continue
                    }
                    let error = Self.relative(gram, qr)
                    if n >= PolynomialFit.gramMinimumSamples(degree: degree) { worst = Swift.max(worst, error) }
                    // Below `gramMinimumSamples` (where `.automatic` uses the QR) a 1e-6 jitter
                    // on one or two degrees of freedom is conditioning-limited for both paths:
                    // degree 6, n 8 is off the 60-digit value by 2.2e-9 (Gram) and 2.5e-9 (QR).
                    let tolerance = n >= PolynomialFit.gramMinimumSamples(degree: degree) ? 1e-9 : 1e-7
                    #expect(error <= tolerance, "degree \(degree), n \(n), trial \(trial): gram \(gram), qr \(qr)")
                }
            }
        }
        #expect(worst > 0 && worst < 1e-9)  // measured: 2.0e-10, the QR's error on the 1e-6 jitter
    }

    /// Values at 1e6 with jitter of 1e-6: both passes of the Gram path (here the residual is
    /// far below ‖y − y₀‖, so the explicit-residual pass runs) against exact least squares in
    /// 60-digit arithmetic (mpmath, same data recipe). The Gram path is within 1e-12; the QR,
    /// which subtracts the first value before reflecting, within 1e-9 (without the shift it lost
    /// up to 2e-5 at degree 10).
    @Test func offsetDataMatchesAHighPrecisionReference() {
        func data(count: Int, seed: UInt64, nans: Bool) -> [Double] {
            var random = Generator(state: seed)
            return (0..<count).map { i -> Double in
                let r = random.next()
                let x = Double(i) / Double(count)
                let value = 1e6 + 0.25 * x - 0.5 * x * x + 0.125 * x * x * x + 1e-6 * r
                return nans && i % 97 == 13 ? .nan : value
            }
        }
        // from mpmath import mp; mp.dps = 60; Gram–Schmidt twice on x = (j − c)/c, j over the
        // kept values; residual projected out twice.
        let withNaNs = data(count: 1501, seed: 5, nans: true)
        for (degree, expected) in [
            (0, 0.04602921788422821), (1, 0.023403094889654568), (2, 0.002358301088859204),
            (4, 4.3324140189386115e-05), (7, 4.312173241374331e-05), (10, 4.257042197240172e-05),
        ] {
            expectClose(Self.rms(withNaNs, degree: degree, .automatic), expected, relative: 1e-12)
        }
        let clean = data(count: 1500, seed: 9, nans: false)
        for (degree, expected) in [
            (0, 0.04603585044856572), (3, 5.808958818403444e-07), (4, 5.801324694688558e-07),
            (10, 5.789307834685336e-07),
        ] {
            expectClose(Self.rms(clean, degree: degree, .automatic), expected, relative: 1e-12)
            expectClose(Self.rms(clean, degree: degree, .qr), expected, relative: 1e-9)
        }
    }

    /// `.automatic` takes the Gram path from `gramMinimumSamples` on and the QR below.
    @Test func automaticChoosesByLength() {
        var random = Generator(state: 77)
        for degree in [0, 4, 10] {
            let threshold = PolynomialFit.gramMinimumSamples(degree: degree)
            for n in [threshold - 1, threshold, threshold + 3] where n > degree {
                let y = (0..<n).map { _ in 1e3 + random.next() }
                let automatic = Self.rms(y, degree: degree, .automatic)
                let expected = Self.rms(y, degree: degree, n >= threshold ? .gram : .qr)
                #expect(automatic == expected, "degree \(degree), n \(n)")
            }
        }
    }

    @Test func degenerateInputs() {
        // Constant values: residual exactly 0.
        #expect(Self.rms([Double](repeating: 1722532816.25, count: 100), degree: 4, .gram) == 0)
        // One kept value, degree 0.
        #expect(Self.rms([.nan, 7, .nan], degree: 0, .gram) == 0)
        // Too few kept values, or an infinite one: nil, as on the QR path.
        #expect(Self.rms([1, .nan, 2, 3], degree: 3, .gram) == nil)
        #expect(Self.rms((0..<50).map { $0 == 20 ? .infinity : Double($0 % 7) }, degree: 2, .gram) == nil)
        // Squares that overflow or underflow: the Gram path gives up and the QR answers,
        // whatever it answers (its own final sum of squares overflows or underflows there).
        let huge = (0..<60).map { 1e200 * Double(($0 * 37) % 11) }
        #expect(Self.rms(huge, degree: 2, .gram) == Self.rms(huge, degree: 2, .qr))
        let tiny = (0..<60).map { 1e-200 * Double(($0 * 37) % 11) }
        #expect(Self.rms(tiny, degree: 2, .gram) == Self.rms(tiny, degree: 2, .qr))
        // Large but representable: no fallback needed, same answer to 1e-12.
        let large = (0..<60).map { 1e140 * Double(($0 * 37) % 11) }
        expectClose(Self.rms(large, degree: 2, .gram), Self.rms(large, degree: 2, .qr)!, relative: 1e-12)
        // All NaN.
        #expect(Self.rms([Double](repeating: .nan, count: 40), degree: 0, .gram) == nil)
    }

    /// Through the public entry point: the engine's case (degree 4, index basis, a 30 s
    /// window at 50 Hz) equals the QR path to 1e-12.
    @Test func publicEntryPointUsesTheFastPath() {
        var random = Generator(state: 3)
        let y = (0..<1500).map { i in 250 + 0.001 * Double(i) + 0.05 * random.next() }
        let times = y.indices.map { 1_722_532_816 + 0.02 * Double($0) }
        let value = SummaryFunction.rmsFromPolynomialFit(degree: 4, fitBasis: .index).evaluate(times: times, values: y)
        expectClose(value, Self.rms(y, degree: 4, .qr)!, relative: 1e-12)
        #expect(value == Self.rms(y, degree: 4, .gram))
    }
}
