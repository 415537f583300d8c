// Low-precision velocity of the Earth, for annual aberration.
//
// The Earth–Moon barycentre is put on a Keplerian orbit with the slowly varying mean
// elements of Standish, "Keplerian Elements for Approximate Positions of the Major
// Planets" (JPL, Table 1, valid 1800–2050), referred to the J2000 ecliptic and equinox.
//
// Neglected, each ≲ 13 m/s (≲ 0.01″ of aberration): the Sun's motion about the solar-system
// barycentre, the Earth's monthly motion about the Earth–Moon barycentre, and planetary
// perturbations of the orbit. The resulting aberration error is a few hundredths of an
// arcsecond.

import Foundation

enum EarthOrbit {
    static let metresPerAstronomicalUnit = 149_597_870_700.0
    /// Obliquity of the J2000 ecliptic (IAU 2006 ε₀ = 84381.406″), to rotate to equatorial axes.
    static let obliquityJ2000 = 84381.406 * Angle.radiansPerArcsecond

    /// Barycentric velocity of the Earth in metres per second, on ICRS (equatorial J2000)
    /// axes, at `d` days of TT since J2000.0.
    static func velocity(ttDaysSinceJ2000 d: Double) -> Vector3 {
        let t = d / Epoch.daysPerJulianCentury
        let deg = Angle.radiansPerDegree
        // Mean elements and their rates per Julian century (Standish, EM barycentre).
        let semiMajorAxis = 1.00000261 + 0.00000562 * t                       // au
        let eccentricity = 0.01671123 - 0.00004392 * t
        let inclination = (-0.00001531 - 0.01294668 * t) * deg                 // ecliptic of J2000
        let meanLongitude = (100.46457166 + 35999.37244981 * t) * deg
        let perihelionLongitude = (102.93768193 + 0.32327364 * t) * deg       // node is 0
        let meanLongitudeRate = 35999.37244981 * deg / Epoch.daysPerJulianCentury   // rad/day
        let perihelionRate = 0.32327364 * deg / Epoch.daysPerJulianCentury        // rad/day

        let meanAnomaly = meanLongitude - perihelionLongitude
        let eccentricAnomaly = solveKepler(meanAnomaly: meanAnomaly, eccentricity: eccentricity)
        let cosE = cos(eccentricAnomaly)
        let sinE = sin(eccentricAnomaly)
        let minorAxisFactor = (1 - eccentricity * eccentricity).squareRoot()

        // Position and velocity in the orbital plane, x towards perihelion (au, au/day).
        let position = Vector3(semiMajorAxis * (cosE - eccentricity), semiMajorAxis * minorAxisFactor * sinE, 0)
        let eccentricAnomalyRate = (meanLongitudeRate - perihelionRate) / (1 - eccentricity * cosE)
        var velocity = Vector3(
            -semiMajorAxis * sinE * eccentricAnomalyRate,
            semiMajorAxis * minorAxisFactor * cosE * eccentricAnomalyRate,
            0
        )
        // The slow turning of the perihelion adds ϖ̇ ẑ × r.
        velocity = velocity + Vector3(-position.y, position.x, 0) * perihelionRate

        // Orbital plane → J2000 ecliptic (argument of perihelion ϖ − Ω with Ω = 0, then the
        // tiny inclination about the node line) → equatorial axes.
        let toEquatorial = Matrix3.rotationX(-obliquityJ2000)
            * Matrix3.rotationX(-inclination)
            * Matrix3.rotationZ(-perihelionLongitude)
        let auPerDayToMetresPerSecond = metresPerAstronomicalUnit / Epoch.secondsPerDay
        return (toEquatorial * velocity) * auPerDayToMetresPerSecond
    }

    /// Solves Kepler's equation E − e sin E = M by Newton's method. A fixed number of
    /// iterations (ample for e ≈ 0.017, whose error squares each step) means NaN input
    /// cannot loop forever.
    static func solveKepler(meanAnomaly: Double, eccentricity: Double) -> Double {
        var e = meanAnomaly
        for _ in 0..<6 {
            e -= (e - eccentricity * sin(e) - meanAnomaly) / (1 - eccentricity * cos(e))
        }
        return e
    }
}
