// Time conversions checked against exact integer arithmetic.

@testable import InfluxDB
import Testing
import TestSupport

/// Whether `d` is the Double nearest to `ns` × 10⁻⁹ (ties to even), in exact 128-bit arithmetic.
@available(macOS 15, *)
func isNearest(_ d: Double, toNanoseconds ns: Int64) -> Bool {
    if ns == 0 { return d == 0 }
    // value = significand × 2^exponent, significand an integer.
    func parts(_ x: Double) -> (Int128, Int) {
        let significand = Int128(x.significandBitPattern | (x.isNormal ? 1 << 52 : 0))
        return (x.sign == .minus ? -significand : significand, Int(x.exponent) - 52)
    }
    let candidates = [d.nextDown, d, d.nextUp]
    let scale = candidates.map { parts($0).1 }.min()!
    precondition(scale <= 0)
    // |candidate × 10⁹ − ns| × 2^-scale, exact.
    func error(_ x: Double) -> Int128 {
        let (significand, exponent) = parts(x)
        let difference = significand * 1_000_000_000 * (Int128(1) << (exponent - scale)) - Int128(ns) * (Int128(1) << -scale)
        return difference.magnitude > Int128.max.magnitude ? .max : Int128(difference.magnitude)
    }
    let own = error(d)
    let below = error(d.nextDown), above = error(d.nextUp)
    if own < below && own < above { return true }
    // A tie goes to the even significand.
    if own == below || own == above { return parts(d).0 & 1 == 0 }
    return false
}

@Suite("InfluxDB time conversions")
struct InfluxTimeTests {
    @Test func secondsAreTheNearestDouble() throws {
        guard #available(macOS 15, *) else { return }
        var random = SeededGenerator(seed: 7)
        var samples: [Int64] = [0, 1, -1, 999_999_999, 1_000_000_000, -1_000_000_001, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1,
                                InfluxTime.minNanoseconds, InfluxTime.maxNanoseconds, 1_700_000_000_123_456_789]
        // Exact binary fractions (r a multiple of 5⁹) are rounding ties at some magnitudes.
        for k in 0..<512 { samples.append(1_700_000_000_000_000_000 + Int64(k) * 1_953_125) }
        for _ in 0..<100_000 { samples.append(Int64.random(in: 1_000_000_000_000_000_000...2_200_000_000_000_000_000, using: &random)) }
        for _ in 0..<50_000 { samples.append(Int64.random(in: InfluxTime.minNanoseconds...InfluxTime.maxNanoseconds, using: &random)) }
        for bits in 20..<63 {
            for _ in 0..<500 { samples.append(Int64.random(in: -(1 << bits)...(1 << bits), using: &random)) }
        }
        var wrong: [Int64] = []
        for ns in samples where !isNearest(InfluxTime.seconds(nanoseconds: ns), toNanoseconds: ns) { wrong.append(ns) }
        #expect(wrong.isEmpty, "not nearest for \(wrong.prefix(5))")
        // The naive conversion is not (why the split exists).
        let naiveWrong = samples.prefix(20_000).filter { !isNearest(Double($0) / 1e9, toNanoseconds: $0) }.count
        #expect(naiveWrong > 0)
    }

    @Test func boundsSelectExactlyTheSamplesADoubleRangeIncludes() {
        var random = SeededGenerator(seed: 11)
        for _ in 0..<2000 {
            let seconds = Double.random(in: 1.0e9...2.1e9, using: &random)
            let first = InfluxTime.firstNanosecond(atOrAfter: seconds)!
            #expect(InfluxTime.seconds(nanoseconds: first) >= seconds)
            #expect(InfluxTime.seconds(nanoseconds: first - 1) < seconds)
            let last = InfluxTime.lastNanosecond(atOrBefore: seconds)!
            #expect(InfluxTime.seconds(nanoseconds: last) <= seconds)
            #expect(InfluxTime.seconds(nanoseconds: last + 1) > seconds)
        }
        // A sample's own time maps back to a range that includes it (and its Double-equal neighbours).
        let ns: Int64 = 1_700_000_000_123_456_789
        let t = InfluxTime.seconds(nanoseconds: ns)
        #expect(InfluxTime.firstNanosecond(atOrAfter: t)! <= ns)
        #expect(InfluxTime.lastNanosecond(atOrBefore: t)! >= ns)
        #expect(InfluxTime.firstNanosecond(atOrAfter: 0) == 0)
        #expect(InfluxTime.lastNanosecond(atOrBefore: 0) == 0)
        #expect(InfluxTime.firstNanosecond(atOrAfter: -.infinity) == InfluxTime.minNanoseconds)
        #expect(InfluxTime.lastNanosecond(atOrBefore: .infinity) == InfluxTime.maxNanoseconds)
        #expect(InfluxTime.firstNanosecond(atOrAfter: .infinity) == nil)
        #expect(InfluxTime.lastNanosecond(atOrBefore: -.infinity) == nil)
        #expect(InfluxTime.firstNanosecond(atOrAfter: .nan) == nil)
        #expect(InfluxTime.firstNanosecond(atOrAfter: -1e300) == InfluxTime.minNanoseconds)
        #expect(InfluxTime.lastNanosecond(atOrBefore: 1e300) == InfluxTime.maxNanoseconds)
        #expect(InfluxTime.firstNanosecond(atOrAfter: 1e10) == nil)
    }

    @Test func writesRFC3339Literals() {
        #expect(InfluxTime.rfc3339(nanoseconds: 0) == "1970-01-01T00:00:00.000000000Z")
        #expect(InfluxTime.rfc3339(nanoseconds: 1_700_000_000_123_456_789) == "2023-11-14T22:13:20.123456789Z")
        #expect(InfluxTime.rfc3339(nanoseconds: -1) == "1969-12-31T23:59:59.999999999Z")
        #expect(InfluxTime.rfc3339(nanoseconds: 951_782_400_000_000_000) == "2000-02-29T00:00:00.000000000Z")
        #expect(InfluxTime.rfc3339(nanoseconds: InfluxTime.minNanoseconds) == "1677-09-21T00:12:43.145224194Z")
        #expect(InfluxTime.rfc3339(nanoseconds: InfluxTime.maxNanoseconds) == "2262-04-11T23:47:16.854775806Z")
    }
}
