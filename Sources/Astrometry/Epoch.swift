// Time arguments of the astrometric models, derived from a TAI instant.

import Foundation
import TimeScales

/// An instant expressed in the time scales the models need.
///
/// - TT = TAI + 32.184 s (exact, by definition). TDB − TT is below 2 ms and is ignored,
///   so TT also serves as the argument of the precession, nutation and orbit series.
/// - UT1 is approximated by UTC. |UT1 − UTC| is kept below 0.9 s by the leap seconds;
///   1 s of UT1 is 15″ of Earth rotation, so ignoring it shifts a star by at most
///   15″ × |DUT1| × cos(dec) < 13.5″; with the actual DUT1 of 2020–2026 (−0.26 … +0.09 s)
///   that is under 4″. Callers needing better would add an IERS DUT1 here.
struct Epoch: Sendable {
    /// TT − TAI in seconds (IAU definition of TT).
    static let ttMinusTAI = 32.184
    /// J2000.0 = 2000-01-01T12:00:00 expressed on a Unix-like day count (86 400 s/day
    /// since 1970-01-01T00:00:00 of the same scale).
    static let j2000UnixSeconds = 946_728_000.0
    static let secondsPerDay = 86_400.0
    static let daysPerJulianCentury = 36_525.0

    /// Days of TT since J2000.0 (JD(TT) − 2451545.0).
    let ttDaysSinceJ2000: Double
    /// Days of UT1 (≈ UTC) since J2000.0 (JD(UT1) − 2451545.0).
    let ut1DaysSinceJ2000: Double

    /// Julian centuries of TT since J2000.0.
    var ttCenturiesSinceJ2000: Double { ttDaysSinceJ2000 / Self.daysPerJulianCentury }

    init(taiUnixSeconds: Double) {
        // Working in days since J2000 rather than full Julian Dates keeps ~1 µs resolution.
        ttDaysSinceJ2000 = (taiUnixSeconds + Self.ttMinusTAI - Self.j2000UnixSeconds) / Self.secondsPerDay
        let utc = LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: taiUnixSeconds)
        ut1DaysSinceJ2000 = (utc - Self.j2000UnixSeconds) / Self.secondsPerDay
    }
}
