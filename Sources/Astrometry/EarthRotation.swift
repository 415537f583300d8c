// Earth rotation: Earth rotation angle and Greenwich apparent sidereal time (IAU 2006/2000).
//
// Reference: IERS Conventions (2010), chapter 5, eqs. (5.15), (5.32), (5.33) and Table 5.2e.

import Foundation

enum EarthRotation {
    /// Earth's rotation rate in rad per second of UT1 (≈ SI second): one ERA turn per
    /// 1/1.00273781191135448 UT1 day.
    static let angularVelocity = Angle.twoPi * 1.00273781191135448 / Epoch.secondsPerDay

    /// Earth rotation angle θ (radians, [0, 2π)) for `du` = JD(UT1) − 2451545.0:
    ///
    ///     θ = 2π (0.7790572732640 + 1.00273781191135448 du)
    ///
    /// The whole days of `du` contribute whole turns, so they are dropped before
    /// multiplying to keep full precision.
    static func earthRotationAngle(ut1DaysSinceJ2000 du: Double) -> Double {
        let fractionOfDay = du - du.rounded(.down)
        let turns = 0.7790572732640 + 0.00273781191135448 * du + fractionOfDay
        return Angle.twoPi * (turns - turns.rounded(.down))
    }

    /// IAU 2006 Greenwich mean sidereal time (radians): θ plus the accumulated precession
    /// in right ascension, t in TT centuries (eq. 5.32).
    static func greenwichMeanSiderealTime(ut1DaysSinceJ2000 du: Double, ttCenturies t: Double) -> Double {
        let precessionInRA = Precession.polynomial(
            t, [0.014506, 4612.156534, 1.3915817, -0.00000044, -0.000029956, -0.0000000368])
        return Angle.normalizedRadians(
            earthRotationAngle(ut1DaysSinceJ2000: du) + precessionInRA * Angle.radiansPerArcsecond)
    }

    /// Equation of the equinoxes (radians): Δψ cos ε_A plus the two largest
    /// "complementary terms" (2.64 mas sin Ω, 0.06 mas sin 2Ω); the remaining ones are
    /// below 12 µas.
    static func equationOfEquinoxes(
        nutation: Nutation.Angles, meanObliquity: Double, moonNode: Double
    ) -> Double {
        let complementary = (0.00264096 * sin(moonNode) + 0.00006352 * sin(2 * moonNode)) * Angle.radiansPerArcsecond
        return nutation.longitude * cos(meanObliquity) + complementary
    }

    /// Greenwich apparent sidereal time (radians, [0, 2π)): the hour angle of the true
    /// equinox of date at Greenwich.
    static func greenwichApparentSiderealTime(
        epoch: Epoch, nutation: Nutation.Angles, meanObliquity: Double
    ) -> Double {
        let t = epoch.ttCenturiesSinceJ2000
        let gmst = greenwichMeanSiderealTime(ut1DaysSinceJ2000: epoch.ut1DaysSinceJ2000, ttCenturies: t)
        let node = Nutation.FundamentalArguments(ttCenturies: t).moonNode
        return Angle.normalizedRadians(
            gmst + equationOfEquinoxes(nutation: nutation, meanObliquity: meanObliquity, moonNode: node))
    }
}
