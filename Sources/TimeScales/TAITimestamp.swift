import Foundation

/// An instant on the TAI time scale, as integer nanoseconds since 1970-01-01T00:00:00 TAI (the Butler's
/// representation). Exposure times are TAI throughout ConsDB; conversion to UTC happens only where UTC is
/// asked for, through the leap-second table.
///
/// The parsing initializers accept only the years 1900–2199 (``validRange``): far wider than any
/// observation, far inside what 64-bit nanoseconds hold, so arithmetic on parsed times cannot overflow.
public struct TAITimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Nanoseconds in a day (TAI days have no leap seconds).
    public static let nanosecondsPerDay: Int64 = 86_400_000_000_000
    /// MJD of 1970-01-01.
    static let unixEpochMJD: Int64 = 40587

    /// 1900-01-01 (MJD 15020) to 2200-01-01 (MJD 124593), TAI.
    public static let validRange: ClosedRange<Int64> = -2_208_988_800_000_000_000...7_258_118_400_000_000_000

    /// From a TAI MJD. The whole days are converted exactly and only the fraction in floating point.
    public init?(mjd: Double) {
        guard mjd.isFinite, mjd >= 15020, mjd < 124593 else { return nil }
        let days = mjd.rounded(.down)
        let fraction = mjd - days
        nanoseconds = (Int64(days) - Self.unixEpochMJD) * Self.nanosecondsPerDay + Int64((fraction * Double(Self.nanosecondsPerDay)).rounded())
    }

    /// From seconds since 1970-01-01T00:00:00 TAI ("TAI unix seconds", as SAL timestamps are).
    public init?(taiUnixSeconds: Double) {
        guard taiUnixSeconds.isFinite, taiUnixSeconds >= -2_208_988_800, taiUnixSeconds <= 7_258_118_400 else { return nil }
        nanoseconds = Int64((taiUnixSeconds * 1e9).rounded())
    }

    /// Parses ISO-8601 / FITS date text, `YYYY-MM-DD[THH:MM:SS[.fff…]]`, read as TAI. A trailing `Z` is
    /// accepted and ignored (the scale is the caller's to know).
    public init?(iso text: String) {
        var bytes = Array(text.utf8)
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "Z") { bytes.removeLast() }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1900...2199).contains(year),
              let date = CivilDate(yyyymmdd: year * 10000 + month * 100 + day)
        else { return nil }
        var nanosecondsOfDay: Int64 = 0
        if bytes.count > 10 {
            guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                  let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                  hour < 24, minute < 60, second < 61
            else { return nil }
            var fraction: Int64 = 0
            if bytes.count > 19 {
                guard bytes[19] == UInt8(ascii: "."), bytes.count > 20, bytes.count <= 20 + 18 else { return nil }
                var scale: Int64 = 100_000_000
                for index in 20..<bytes.count {
                    let byte = bytes[index]
                    guard byte >= 48, byte <= 57 else { return nil }
                    fraction += Int64(byte - 48) * scale
                    scale /= 10
                }
            }
            nanosecondsOfDay = (Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)) * 1_000_000_000 + fraction
        }
        nanoseconds = Int64(date.daysSinceEpoch) * Self.nanosecondsPerDay + nanosecondsOfDay
    }

    public var mjd: Double {
        let (days, remainder) = nanoseconds.quotientAndRemainderFlooring(Self.nanosecondsPerDay)
        return Double(days + Self.unixEpochMJD) + Double(remainder) / Double(Self.nanosecondsPerDay)
    }

    public var taiUnixSeconds: Double { Double(nanoseconds) / 1e9 }

    /// `YYYY-MM-DDTHH:MM:SS.ffffff` (microseconds, rounded), the form PostgreSQL's `timestamp` reads.
    public var isoText: String { iso(fractionDigits: 6) }

    /// `YYYY-MM-DDTHH:MM:SS.fff`: milliseconds, rounded, as astropy's ISO text has them (the reference
    /// writes exposure timestamps that way).
    public var isoTextMilliseconds: String { iso(fractionDigits: 3) }

    private func iso(fractionDigits: Int) -> String {
        var unit: Int64 = 1
        for _ in 0..<(9 - fractionDigits) { unit *= 10 }
        let ticks = (nanoseconds + (nanoseconds >= 0 ? unit / 2 : -unit / 2)) / unit
        let ticksPerSecond = 1_000_000_000 / unit
        let (days, ticksOfDay) = ticks.quotientAndRemainderFlooring(86_400 * ticksPerSecond)
        let date = CivilDate(daysSinceEpoch: Int(days))
        let seconds = ticksOfDay / ticksPerSecond
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int64(date.year), 4))-\(pad(Int64(date.month), 2))-\(pad(Int64(date.day), 2))T"
            + "\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(ticksOfDay % ticksPerSecond, fractionDigits))"
    }

    /// The observing day (YYYYMMDD) this instant falls in: the TAI date 12 hours earlier (Rubin's day_obs
    /// rollover is at 12:00 TAI).
    public var dayObs: Int {
        let shifted = nanoseconds - 12 * 3_600_000_000_000
        return CivilDate(daysSinceEpoch: Int(shifted.quotientAndRemainderFlooring(Self.nanosecondsPerDay).quotient)).yyyymmdd
    }

    /// The instant `seconds` later; nil when the result leaves ``validRange`` (or `seconds` is not finite).
    public func adding(seconds: Double) -> TAITimestamp? {
        guard seconds.isFinite, abs(seconds) < 1e10 else { return nil }
        let (sum, overflow) = nanoseconds.addingReportingOverflow(Int64((seconds * 1e9).rounded()))
        guard !overflow, Self.validRange.contains(sum) else { return nil }
        return TAITimestamp(nanoseconds: sum)
    }

    /// The instant halfway between two others (halving each first, so no sum can overflow).
    public static func midpoint(_ a: TAITimestamp, _ b: TAITimestamp) -> TAITimestamp {
        TAITimestamp(nanoseconds: a.nanoseconds / 2 + b.nanoseconds / 2 + (a.nanoseconds % 2 + b.nanoseconds % 2) / 2)
    }

    /// The current time, from the system clock (UTC) through the leap-second table.
    public static func now() -> TAITimestamp {
        let utc = Date().timeIntervalSince1970
        return TAITimestamp(nanoseconds: Int64((LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc) * 1e9).rounded()))
    }

    public static func < (lhs: TAITimestamp, rhs: TAITimestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var description: String { isoText + " TAI" }
}

extension Int64 {
    /// Division rounding towards minus infinity, with a non-negative remainder.
    func quotientAndRemainderFlooring(_ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
