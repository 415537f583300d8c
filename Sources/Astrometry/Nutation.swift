// IAU 2000B nutation.
//
// Reference: McCarthy & Luzum (2003), "An abridged model of the precession-nutation of the
// celestial pole", Celest. Mech. Dyn. Astron. 85, 37 — the 77 largest luni-solar terms of
// the IAU 2000A (MHB2000) series plus constant offsets standing in for the planetary terms.
// It agrees with IAU 2000A to about 1 mas over 1995–2050. Fundamental arguments from the
// IERS Conventions (2010), eq. (5.43) (Simon et al. 1994).
//
// The IAU 2006 adjustments to the nutation amplitudes (a few µas) are ignored.

import Foundation

enum Nutation {
    /// Nutation in longitude (Δψ) and obliquity (Δε), in radians.
    struct Angles: Sendable {
        let longitude: Double
        let obliquity: Double
    }

    /// The five Delaunay arguments in radians at `t` Julian centuries of TT since J2000.0.
    struct FundamentalArguments: Sendable {
        /// l: mean anomaly of the Moon.
        let moonAnomaly: Double
        /// l′: mean anomaly of the Sun.
        let sunAnomaly: Double
        /// F = L − Ω: mean argument of latitude of the Moon.
        let moonLatitude: Double
        /// D: mean elongation of the Moon from the Sun.
        let elongation: Double
        /// Ω: mean longitude of the Moon's ascending node.
        let moonNode: Double

        init(ttCenturies t: Double) {
            func argument(_ arcsecondCoefficients: [Double]) -> Double {
                Angle.radians(fromArcseconds: Precession.polynomial(t, arcsecondCoefficients))
            }
            moonAnomaly = argument([485868.249036, 1717915923.2178, 31.8792, 0.051635, -0.00024470])
            sunAnomaly = argument([1287104.79305, 129596581.0481, -0.5532, 0.000136, -0.00001149])
            moonLatitude = argument([335779.526232, 1739527262.8478, -12.7512, -0.001037, 0.00000417])
            elongation = argument([1072260.70369, 1602961601.2090, -6.3706, 0.006593, -0.00003169])
            moonNode = argument([450160.398036, -6962890.5431, 7.4722, 0.007702, -0.00005939])
        }
    }

    /// One luni-solar term. The argument is n_l·l + n_l′·l′ + n_F·F + n_D·D + n_Ω·Ω and
    ///
    ///     Δψ += (S + Ṡ t) sin(arg) + C′ cos(arg)
    ///     Δε += (C + Ċ t) cos(arg) + S′ sin(arg)
    ///
    /// Amplitudes in units of 0.1 µas (rates per Julian century), as published.
    struct Term: Sendable {
        let multipliers: (l: Double, lPrime: Double, f: Double, d: Double, node: Double)
        let longitudeSin: Double
        let longitudeSinRate: Double
        let longitudeCos: Double
        let obliquityCos: Double
        let obliquityCosRate: Double
        let obliquitySin: Double

        init(
            _ l: Double, _ lPrime: Double, _ f: Double, _ d: Double, _ node: Double,
            _ longitudeSin: Double, _ longitudeSinRate: Double, _ longitudeCos: Double,
            _ obliquityCos: Double, _ obliquityCosRate: Double, _ obliquitySin: Double
        ) {
            multipliers = (l, lPrime, f, d, node)
            self.longitudeSin = longitudeSin
            self.longitudeSinRate = longitudeSinRate
            self.longitudeCos = longitudeCos
            self.obliquityCos = obliquityCos
            self.obliquityCosRate = obliquityCosRate
            self.obliquitySin = obliquitySin
        }

        func argument(_ a: FundamentalArguments) -> Double {
            multipliers.l * a.moonAnomaly + multipliers.lPrime * a.sunAnomaly + multipliers.f * a.moonLatitude
                + multipliers.d * a.elongation + multipliers.node * a.moonNode
        }
    }

    /// Constant offsets replacing the planetary nutation terms in IAU 2000B (arcseconds).
    static let planetaryLongitudeOffset = -0.000135
    static let planetaryObliquityOffset = 0.000388

    /// 0.1 µas in arcseconds.
    static let tableUnit = 1e-7

    /// IAU 2000B nutation at `t` Julian centuries of TT (TDB) since J2000.0.
    static func iau2000B(ttCenturies t: Double) -> Angles {
        let arguments = FundamentalArguments(ttCenturies: t)
        var longitude = 0.0
        var obliquity = 0.0
        // Smallest terms first, so the big ones are added last (slightly better rounding).
        for term in luniSolarTerms.reversed() {
            let arg = term.argument(arguments)
            let s = sin(arg)
            let c = cos(arg)
            longitude += (term.longitudeSin + term.longitudeSinRate * t) * s + term.longitudeCos * c
            obliquity += (term.obliquityCos + term.obliquityCosRate * t) * c + term.obliquitySin * s
        }
        return Angles(
            longitude: (longitude * tableUnit + planetaryLongitudeOffset) * Angle.radiansPerArcsecond,
            obliquity: (obliquity * tableUnit + planetaryObliquityOffset) * Angle.radiansPerArcsecond
        )
    }

    // Columns: l, l′, F, D, Ω | Δψ: sin, sin·t, cos | Δε: cos, cos·t, sin  (0.1 µas).
    static let luniSolarTerms: [Term] = [
        Term(0, 0, 0, 0, 1, -172064161, -174666, 33386, 92052331, 9086, 15377),
        Term(0, 0, 2, -2, 2, -13170906, -1675, -13696, 5730336, -3015, -4587),
        Term(0, 0, 2, 0, 2, -2276413, -234, 2796, 978459, -485, 1374),
        Term(0, 0, 0, 0, 2, 2074554, 207, -698, -897492, 470, -291),
        Term(0, 1, 0, 0, 0, 1475877, -3633, 11817, 73871, -184, -1924),
        Term(0, 1, 2, -2, 2, -516821, 1226, -524, 224386, -677, -174),
        Term(1, 0, 0, 0, 0, 711159, 73, -872, -6750, 0, 358),
        Term(0, 0, 2, 0, 1, -387298, -367, 380, 200728, 18, 318),
        Term(1, 0, 2, 0, 2, -301461, -36, 816, 129025, -63, 367),
        Term(0, -1, 2, -2, 2, 215829, -494, 111, -95929, 299, 132),
        Term(0, 0, 2, -2, 1, 128227, 137, 181, -68982, -9, 39),
        Term(-1, 0, 2, 0, 2, 123457, 11, 19, -53311, 32, -4),
        Term(-1, 0, 0, 2, 0, 156994, 10, -168, -1235, 0, 82),
        Term(1, 0, 0, 0, 1, 63110, 63, 27, -33228, 0, -9),
        Term(-1, 0, 0, 0, 1, -57976, -63, -189, 31429, 0, -75),
        Term(-1, 0, 2, 2, 2, -59641, -11, 149, 25543, -11, 66),
        Term(1, 0, 2, 0, 1, -51613, -42, 129, 26366, 0, 78),
        Term(-2, 0, 2, 0, 1, 45893, 50, 31, -24236, -10, 20),
        Term(0, 0, 0, 2, 0, 63384, 11, -150, -1220, 0, 29),
        Term(0, 0, 2, 2, 2, -38571, -1, 158, 16452, -11, 68),
        Term(0, -2, 2, -2, 2, 32481, 0, 0, -13870, 0, 0),
        Term(-2, 0, 0, 2, 0, -47722, 0, -18, 477, 0, -25),
        Term(2, 0, 2, 0, 2, -31046, -1, 131, 13238, -11, 59),
        Term(1, 0, 2, -2, 2, 28593, 0, -1, -12338, 10, -3),
        Term(-1, 0, 2, 0, 1, 20441, 21, 10, -10758, 0, -3),
        Term(2, 0, 0, 0, 0, 29243, 0, -74, -609, 0, 13),
        Term(0, 0, 2, 0, 0, 25887, 0, -66, -550, 0, 11),
        Term(0, 1, 0, 0, 1, -14053, -25, 79, 8551, -2, -45),
        Term(-1, 0, 0, 2, 1, 15164, 10, 11, -8001, 0, -1),
        Term(0, 2, 2, -2, 2, -15794, 72, -16, 6850, -42, -5),
        Term(0, 0, -2, 2, 0, 21783, 0, 13, -167, 0, 13),
        Term(1, 0, 0, -2, 1, -12873, -10, -37, 6953, 0, -14),
        Term(0, -1, 0, 0, 1, -12654, 11, 63, 6415, 0, 26),
        Term(-1, 0, 2, 2, 1, -10204, 0, 25, 5222, 0, 15),
        Term(0, 2, 0, 0, 0, 16707, -85, -10, 168, -1, 10),
        Term(1, 0, 2, 2, 2, -7691, 0, 44, 3268, 0, 19),
        Term(-2, 0, 2, 0, 0, -11024, 0, -14, 104, 0, 2),
        Term(0, 1, 2, 0, 2, 7566, -21, -11, -3250, 0, -5),
        Term(0, 0, 2, 2, 1, -6637, -11, 25, 3353, 0, 14),
        Term(0, -1, 2, 0, 2, -7141, 21, 8, 3070, 0, 4),
        Term(0, 0, 0, 2, 1, -6302, -11, 2, 3272, 0, 4),
        Term(1, 0, 2, -2, 1, 5800, 10, 2, -3045, 0, -1),
        Term(2, 0, 2, -2, 2, 6443, 0, -7, -2768, 0, -4),
        Term(-2, 0, 0, 2, 1, -5774, -11, -15, 3041, 0, -5),
        Term(2, 0, 2, 0, 1, -5350, 0, 21, 2695, 0, 12),
        Term(0, -1, 2, -2, 1, -4752, -11, -3, 2719, 0, -3),
        Term(0, 0, 0, -2, 1, -4940, -11, -21, 2720, 0, -9),
        Term(-1, -1, 0, 2, 0, 7350, 0, -8, -51, 0, 4),
        Term(2, 0, 0, -2, 1, 4065, 0, 6, -2206, 0, 1),
        Term(1, 0, 0, 2, 0, 6579, 0, -24, -199, 0, 2),
        Term(0, 1, 2, -2, 1, 3579, 0, 5, -1900, 0, 1),
        Term(1, -1, 0, 0, 0, 4725, 0, -6, -41, 0, 3),
        Term(-2, 0, 2, 0, 2, -3075, 0, -2, 1313, 0, -1),
        Term(3, 0, 2, 0, 2, -2904, 0, 15, 1233, 0, 7),
        Term(0, -1, 0, 2, 0, 4348, 0, -10, -81, 0, 2),
        Term(1, -1, 2, 0, 2, -2878, 0, 8, 1232, 0, 4),
        Term(0, 0, 0, 1, 0, -4230, 0, 5, -20, 0, -2),
        Term(-1, -1, 2, 2, 2, -2819, 0, 7, 1207, 0, 3),
        Term(-1, 0, 2, 0, 0, -4056, 0, 5, 40, 0, -2),
        Term(0, -1, 2, 2, 2, -2647, 0, 11, 1129, 0, 5),
        Term(-2, 0, 0, 0, 1, -2294, 0, -10, 1266, 0, -4),
        Term(1, 1, 2, 0, 2, 2481, 0, -7, -1062, 0, -3),
        Term(2, 0, 0, 0, 1, 2179, 0, -2, -1129, 0, -2),
        Term(-1, 1, 0, 1, 0, 3276, 0, 1, -9, 0, 0),
        Term(1, 1, 0, 0, 0, -3389, 0, 5, 35, 0, -2),
        Term(1, 0, 2, 0, 0, 3339, 0, -13, -107, 0, 1),
        Term(-1, 0, 2, -2, 1, -1987, 0, -6, 1073, 0, -2),
        Term(1, 0, 0, 0, 2, -1981, 0, 0, 854, 0, 0),
        Term(-1, 0, 0, 1, 0, 4026, 0, -353, -553, 0, -139),
        Term(0, 0, 2, 1, 2, 1660, 0, -5, -710, 0, -2),
        Term(-1, 0, 2, 4, 2, -1521, 0, 9, 647, 0, 4),
        Term(-1, 1, 0, 1, 1, 1314, 0, 0, -700, 0, 0),
        Term(0, -2, 2, -2, 1, -1283, 0, 0, 672, 0, 0),
        Term(1, 0, 2, 2, 1, -1331, 0, 8, 663, 0, 4),
        Term(-2, 0, 2, 2, 2, 1383, 0, -2, -594, 0, -2),
        Term(-1, 0, 0, 0, 2, 1405, 0, 4, -610, 0, 2),
        Term(1, 1, 2, -2, 2, 1290, 0, 0, -556, 0, 0),
    ]
}
