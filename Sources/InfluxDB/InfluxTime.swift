// InfluxDB's time index (nanoseconds since the unix epoch, UTC) and the engine's (Double seconds).

/// Conversions between InfluxDB's integer nanoseconds and the `Double` UTC unix seconds that
/// the EFD's topic buffers and summarization engine use.
public enum InfluxTime {
    /// The earliest time InfluxDB stores (1677-09-21), in nanoseconds.
    public static let minNanoseconds: Int64 = Int64.min + 2
    /// The latest time InfluxDB stores (2262-04-11), in nanoseconds.
    public static let maxNanoseconds: Int64 = Int64.max - 1

    /// `nanoseconds` as seconds, rounded to the nearest `Double`.
    ///
    /// `Double(ns) / 1e9` rounds twice once `ns` needs more than 53 bits (any time after April 1970),
    /// which is off by up to ~100 ns. Beyond that, split into whole seconds (exact in a Double) and the
    /// remainder: the remainder's quotient is within 2⁻⁵⁴ s of exact, while with at least 2²³ whole
    /// seconds the exact time is at least 4·10⁻¹⁶ s from any rounding boundary it is not exactly on,
    /// so the sum rounds as the exact value would (`InfluxTimeTests` checks it with exact arithmetic).
    @inline(__always)
    public static func seconds(nanoseconds: Int64) -> Double {
        if nanoseconds.magnitude <= 1 << 53 { return Double(nanoseconds) / 1e9 }
        var whole = nanoseconds / 1_000_000_000
        var remainder = nanoseconds % 1_000_000_000
        if remainder < 0 {
            whole -= 1
            remainder += 1_000_000_000
        }
        return Double(whole) + Double(remainder) / 1e9
    }

    /// The first nanosecond whose time in seconds (``seconds(nanoseconds:)``) is `>= seconds`: the
    /// lower bound of a query that returns exactly the samples a `TopicBuffer` range from `seconds`
    /// includes. `-infinity` (or anything earlier than InfluxDB's range) gives ``minNanoseconds``;
    /// nil for NaN or a time after InfluxDB's range.
    public static func firstNanosecond(atOrAfter seconds: Double) -> Int64? {
        guard !seconds.isNaN else { return nil }
        return boundary(near: seconds) { Self.seconds(nanoseconds: $0) >= seconds }
    }

    /// The last nanosecond whose time in seconds is `<= seconds` (see ``firstNanosecond(atOrAfter:)``).
    /// `+infinity` (or anything later than InfluxDB's range) gives ``maxNanoseconds``; nil for NaN or a
    /// time before InfluxDB's range.
    public static func lastNanosecond(atOrBefore seconds: Double) -> Int64? {
        guard !seconds.isNaN else { return nil }
        guard let after = boundary(near: seconds, { Self.seconds(nanoseconds: $0) > seconds }) else { return maxNanoseconds }
        return after == minNanoseconds ? nil : after - 1
    }

    /// The smallest nanosecond in InfluxDB's range for which `isPast` holds (nil if none), where
    /// `isPast` is false up to some point and true from there on, and that point is near `seconds`.
    private static func boundary(near seconds: Double, _ isPast: (Int64) -> Bool) -> Int64? {
        if isPast(minNanoseconds) { return minNanoseconds }
        if !isPast(maxNanoseconds) { return nil }
        // The Double's rounding moves the point by under half a unit in the last place (≤ 1 µs up to
        // year 2262), so the first bracket almost always holds; widening keeps it right regardless.
        let estimate = approximateNanoseconds(seconds)
        var step: Int64 = 4096
        var low = estimate  // isPast(low) == false once bracketed
        var high = estimate  // isPast(high) == true once bracketed
        while isPast(low) {
            low = low > minNanoseconds &+ step ? low - step : minNanoseconds
            step = step < Int64.max / 4 ? step * 2 : step
        }
        step = 4096
        while !isPast(high) {
            high = high < maxNanoseconds &- step ? high + step : maxNanoseconds
            step = step < Int64.max / 4 ? step * 2 : step
        }
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if isPast(mid) { high = mid } else { low = mid }
        }
        return high
    }

    /// `seconds × 10⁹` within a few nanoseconds, clamped to InfluxDB's range.
    private static func approximateNanoseconds(_ seconds: Double) -> Int64 {
        guard seconds > -9.2e9 else { return minNanoseconds }
        guard seconds < 9.2e9 else { return maxNanoseconds }
        let whole = seconds.rounded(.down)
        let fraction = seconds - whole  // exact: `whole` and `seconds` share their binade or nearly
        return Int64(whole) * 1_000_000_000 + Int64((fraction * 1e9).rounded())
    }
}
