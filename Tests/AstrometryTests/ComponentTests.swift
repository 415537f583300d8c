// Checks of the internal model pieces against ERFA, so a regression is localised.
//
// Reference values from pyerfa 2.0.1.5 (with astropy 8.0.2 for the time scales), UT1 = UTC:
//     t = Time(iso, scale="tai"); tt = t.tt; utc = t.utc
//     erfa.era00(utc.jd1, utc.jd2); erfa.nut00b(tt.jd1, tt.jd2)
//     erfa.gst06a(utc.jd1, utc.jd2, tt.jd1, tt.jd2)       # IAU 2000A nutation
//     erfa.epv00(tt.jd1, tt.jd2)[1]['v'] * 149597870700 / 86400   # barycentric, m/s

import Foundation
import Testing
@testable import Astrometry

@Suite("model components vs ERFA")
struct ComponentTests {
    struct Reference: Sendable {
        let tai: Double
        let era: Double
        let nutationLongitude: Double
        let nutationObliquity: Double
        let gast: Double
        let velocity: (Double, Double, Double)
    }

    static let references = [
        // 2024-08-01T17:20:54.552 TAI
        Reference(tai: 1_722_532_854.552, era: 3.6750649596658107, nutationLongitude: -7.122618322902216e-06,
                  nutationObliquity: 4.255726854906067e-05, gast: 3.68055592634185,
                  velocity: (22490.690833763987, 17312.133706491837, 7504.19790304389)),
        // 2031-04-01T04:00:00 TAI
        Reference(tai: 1_932_782_400.000, era: 4.3418649376573555, nutationLongitude: 7.26800686456995e-05,
                  nutationObliquity: -1.920461631758769e-05, gast: 4.348919100593876,
                  velocity: (5101.413469353403, -26944.88474915216, -11678.9970601616)),
    ]

    static let milliarcsecond = Angle.radiansPerArcsecond / 1000

    @Test("Earth rotation angle (< 0.01 mas)")
    func earthRotationAngle() {
        for r in Self.references {
            let era = EarthRotation.earthRotationAngle(ut1DaysSinceJ2000: Epoch(taiUnixSeconds: r.tai).ut1DaysSinceJ2000)
            #expect(abs(era - r.era) < 0.01 * Self.milliarcsecond)
        }
    }

    @Test("IAU 2000B nutation (< 0.2 mas; differences come from the nonlinear argument terms)")
    func nutation() {
        for r in Self.references {
            let n = Nutation.iau2000B(ttCenturies: Epoch(taiUnixSeconds: r.tai).ttCenturiesSinceJ2000)
            #expect(abs(n.longitude - r.nutationLongitude) < 0.2 * Self.milliarcsecond)
            #expect(abs(n.obliquity - r.nutationObliquity) < 0.2 * Self.milliarcsecond)
        }
    }

    @Test("Greenwich apparent sidereal time vs IAU 2006/2000A (< 3 mas)")
    func siderealTime() {
        for r in Self.references {
            let epoch = Epoch(taiUnixSeconds: r.tai)
            let t = epoch.ttCenturiesSinceJ2000
            let gast = EarthRotation.greenwichApparentSiderealTime(
                epoch: epoch, nutation: Nutation.iau2000B(ttCenturies: t),
                meanObliquity: Precession.meanObliquity(ttCenturies: t))
            #expect(abs(remainder(gast - r.gast, 2 * .pi)) < 3 * Self.milliarcsecond)
        }
    }

    @Test("Earth barycentric velocity (< 40 m/s, i.e. < 0.03 arcsec of aberration)")
    func earthVelocity() {
        for r in Self.references {
            let v = EarthOrbit.velocity(ttDaysSinceJ2000: Epoch(taiUnixSeconds: r.tai).ttDaysSinceJ2000)
            let error = (v + Vector3(-r.velocity.0, -r.velocity.1, -r.velocity.2)).length
            #expect(error < 40)
        }
    }

    @Test("precession-nutation matrix is a rotation")
    func orthonormal() {
        let m = ApparentPlace.celestialToTerrestrialMatrix(epoch: Epoch(taiUnixSeconds: Self.references[0].tai))
        let product = m * m.transposed
        for (row, unit) in [(product.row0, Vector3(1, 0, 0)), (product.row1, Vector3(0, 1, 0)), (product.row2, Vector3(0, 0, 1))] {
            #expect((row + unit * -1).length < 1e-14)
        }
    }
}
