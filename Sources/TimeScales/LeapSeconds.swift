// TAI − UTC: the project's one and only leap-second table.

import Foundation

/// The offset TAI − UTC (the accumulated leap seconds) and conversions between TAI and UTC
/// expressed as "Unix seconds".
///
/// Conventions:
/// - *UTC Unix seconds* are ordinary POSIX time: seconds since 1970-01-01T00:00:00 UTC,
///   with every UTC day counted as exactly 86 400 s (leap seconds are not counted).
/// - *TAI Unix seconds* are SI seconds since 1970-01-01T00:00:00 TAI, i.e.
///   `tai = utc + (TAI − UTC)`. This is Linux `CLOCK_TAI` and astropy's `unix_tai` format.
///
/// The table is the IERS one (`Leap_Second.dat`, IERS Bulletin C): 10 s from 1972-01-01 to
/// 37 s from 2017-01-01. No leap second has been announced since: the IERS file updated
/// through Bulletin C 72 (July 2026) is valid until 2027-06-28. **When IERS announces a new
/// leap second, append a row to `table`; nothing else in the project may hard-code 37 s.**
///
/// Before 1972-01-01 UTC used fractional "rubber second" offsets; this type does not model
/// them and uses the first table value, 10 s, for all earlier instants (in 1970 the true
/// offset was about 8 s).
///
/// NaN in gives NaN out; ±infinity is passed through (offsets at the ends of the table).
public enum LeapSeconds {
    /// One step of the table: from `utcUnixSeconds` onwards, TAI − UTC = `taiMinusUTC`.
    struct Entry: Sendable {
        let utcUnixSeconds: Double
        let taiMinusUTC: Double

        init(_ year: Int, _ month: Int, _ taiMinusUTC: Double) {
            self.utcUnixSeconds = Double(CivilDate(year: year, month: month, day: 1).daysSinceEpoch) * 86_400
            self.taiMinusUTC = taiMinusUTC
        }

        /// The TAI instant at which this entry takes effect, in TAI Unix seconds.
        var taiUnixSeconds: Double { utcUnixSeconds + taiMinusUTC }
    }

    /// IERS TAI − UTC table (each row: first UTC day on which the value applies).
    static let table: [Entry] = [
        Entry(1972, 1, 10), Entry(1972, 7, 11), Entry(1973, 1, 12), Entry(1974, 1, 13),
        Entry(1975, 1, 14), Entry(1976, 1, 15), Entry(1977, 1, 16), Entry(1978, 1, 17),
        Entry(1979, 1, 18), Entry(1980, 1, 19), Entry(1981, 7, 20), Entry(1982, 7, 21),
        Entry(1983, 7, 22), Entry(1985, 7, 23), Entry(1988, 1, 24), Entry(1990, 1, 25),
        Entry(1991, 1, 26), Entry(1992, 7, 27), Entry(1993, 7, 28), Entry(1994, 7, 29),
        Entry(1996, 1, 30), Entry(1997, 7, 31), Entry(1999, 1, 32), Entry(2006, 1, 33),
        Entry(2009, 1, 34), Entry(2012, 7, 35), Entry(2015, 7, 36), Entry(2017, 1, 37),
    ]

    /// TAI − UTC in seconds at the given UTC instant.
    ///
    /// Before 1972-01-01 this returns 10 s (see the type documentation). NaN gives NaN.
    public static func taiMinusUTC(utcUnixSeconds: Double) -> Double {
        if utcUnixSeconds.isNaN { return .nan }
        for entry in table.reversed() where utcUnixSeconds >= entry.utcUnixSeconds {
            return entry.taiMinusUTC
        }
        return table[0].taiMinusUTC
    }

    /// Converts UTC Unix seconds to TAI Unix seconds: `utc + (TAI − UTC)`.
    public static func taiUnixSeconds(fromUTCUnixSeconds utcUnixSeconds: Double) -> Double {
        utcUnixSeconds + taiMinusUTC(utcUnixSeconds: utcUnixSeconds)
    }

    /// Converts TAI Unix seconds to UTC Unix seconds.
    ///
    /// Leap seconds: an inserted leap second (23:59:60 UTC) has no Unix-time
    /// representation. For TAI instants inside it this returns the Unix time of the
    /// following midnight (00:00:00 of the next UTC day), so the mapping is continuous and
    /// non-decreasing: it "holds" for one second instead of stepping back like a POSIX clock.
    /// Everywhere else `taiUnixSeconds(fromUTCUnixSeconds:)` is its exact inverse.
    ///
    /// Before 1972 the 10 s offset is used. NaN gives NaN.
    public static func utcUnixSeconds(fromTAIUnixSeconds taiUnixSeconds: Double) -> Double {
        if taiUnixSeconds.isNaN { return .nan }
        guard let index = table.lastIndex(where: { taiUnixSeconds >= $0.taiUnixSeconds }) else {
            return taiUnixSeconds - table[0].taiMinusUTC
        }
        let utc = taiUnixSeconds - table[index].taiMinusUTC
        // Inside a positive leap second `utc` would run past the next step's midnight;
        // hold it there until TAI reaches the end of the leap second.
        if index + 1 < table.count {
            return min(utc, table[index + 1].utcUnixSeconds)
        }
        return utc
    }
}
