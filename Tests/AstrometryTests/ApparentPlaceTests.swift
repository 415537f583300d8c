// Agreement of ApparentPlace.horizontal with astropy.
//
// Expected values were computed once (2026-11-25) with astropy 8.0.2 (pyerfa 2.0.1.5,
// astropy-iers-data 0.2026.11.2.0.34.55) and pasted here as literals; the tests do not need
// Python. IERS data: offline, the bundled IERS-A table (finals2000A, measured values to
// 2026-10-23 and predictions to ~2027-11; after that astropy holds the last predicted values,
// DUT1 = -0.2081 s). The script, in essence:
//
//     from astropy.utils import iers
//     iers.conf.auto_download = False; iers.conf.auto_max_age = None
//     from astropy.time import Time
//     from astropy.coordinates import SkyCoord, AltAz, EarthLocation
//     import astropy.units as u
//     loc = EarthLocation.from_geodetic(lon=-70.7366833, lat=-30.24074167, height=2750)
//     t = Time(Time(iso, scale="tai").unix_tai, format="unix_tai", scale="tai")
//     # RA chosen from the hour angle wanted: (t.sidereal_time("apparent", longitude=loc.lon).deg
//     #                                        - ha_hours * 15) % 360, rounded to 1e-4 deg
//     c = SkyCoord(ra*u.deg, dec*u.deg, frame="icrs").transform_to(AltAz(obstime=t, location=loc))
//     az, alt = c.az.deg, c.alt.deg                       # -> `az`, `alt`
//     # Same again with UT1 = UTC and no polar motion, the approximations this module makes:
//     t.delta_ut1_utc = 0.0
//     import astropy.coordinates.erfa_astrom as ea
//     ea.get_polar_motion = lambda time: (np.zeros(np.shape(time.jd1)),) * 2
//     # -> `azUT1EqualsUTC`, `altUT1EqualsUTC`
//
// Measured agreement (great-circle separation; altitude difference in brackets):
//   - against astropy defaults: worst 3.1" [alt 2.7"] on these 22 cases; worst 3.9",
//     rms 2.1" [alt 3.4"] over 2652 random positions above -5 deg altitude (5000 random
//     draws of time 2020-2035 and RA/Dec). This is DUT1: astropy applies UT1 - UTC from
//     IERS (-0.25 ... +0.09 s here), this module takes UT1 = UTC (1 s = 15"); polar motion
//     (~0.45") accounts for most of the rest.
//   - against astropy with UT1 = UTC and no polar motion: worst 0.020" [alt 0.016"] on these
//     cases; over the 2652 random positions worst 0.18" (a star 2.9 deg from the Sun:
//     solar light deflection, not modelled), 0.030" for everything > 30 deg from the Sun,
//     rms 0.015". The models themselves agree to a few hundredths of an arcsecond.

import Foundation
import Testing
import Astrometry

struct AstropyCase: Sendable, CustomTestStringConvertible {
    let label: String
    let tai: Double
    let ra: Double
    let dec: Double
    let expected: HorizontalPosition
    let expectedUT1EqualsUTC: HorizontalPosition

    init(
        _ label: String, tai: Double, ra: Double, dec: Double, az: Double, alt: Double,
        azUT1EqualsUTC: Double, altUT1EqualsUTC: Double
    ) {
        self.label = label
        self.tai = tai
        self.ra = ra
        self.dec = dec
        expected = HorizontalPosition(azimuth: az, altitude: alt)
        expectedUT1EqualsUTC = HorizontalPosition(azimuth: azUT1EqualsUTC, altitude: altUT1EqualsUTC)
    }

    var testDescription: String { label }

    var computed: HorizontalPosition {
        ApparentPlace.horizontal(rightAscension: ra, declination: dec, taiUnixSeconds: tai, site: .cerroPachon)
    }
}

private typealias Case = AstropyCase

/// Cerro Pachón (lon -70.7366833, lat -30.24074167, h 2750 m), RA/Dec in degrees, TAI unix seconds.
let astropyCases: [AstropyCase] = [
        // 2024-08-01T17:20:54.552 TAI, DUT1 = +0.0262 s
        Case("2024-08-01 reference pointing, east", tai: 1722532854.552, ra: 158.1437, dec: -37.5, az: 120.912433950, alt: 73.179797392, azUT1EqualsUTC: 120.911932614, altUT1EqualsUTC: 73.179788477),
        // 2020-02-14T03:30:00 TAI, DUT1 = -0.1975 s
        Case("dec -89 west", tai: 1581651000.000, ra: 50.2379, dec: -89.0, az: 181.217213899, alt: 30.433024592, azUT1EqualsUTC: 181.217242407, altUT1EqualsUTC: 30.433099605),
        // 2020-11-05T06:00:00 TAI, DUT1 = -0.1752 s
        Case("dec -60 east", tai: 1604556000.000, ra: 109.0365, dec: -60.0, az: 148.213494653, alt: 47.818088570, azUT1EqualsUTC: 148.213648698, altUT1EqualsUTC: 47.818495768),
        // 2021-07-19T23:45:10.25 TAI, DUT1 = -0.1507 s
        Case("dec -30 west", tai: 1626738310.250, ra: 185.885, dec: -30.0, az: 260.599243994, alt: 57.969653799, azUT1EqualsUTC: 260.599242283, altUT1EqualsUTC: 57.969150862),
        // 2022-03-21T00:00:00 TAI, DUT1 = -0.1005 s
        Case("dec 0 east", tai: 1647820800.000, ra: 137.6009, dec: 0.0, az: 49.316149124, alt: 48.315724991, azUT1EqualsUTC: 49.315592439, altUT1EqualsUTC: 48.315939464),
        // 2022-12-25T04:10:00 TAI, DUT1 = -0.0173 s
        Case("dec +20 west", tai: 1671941400.000, ra: 70.2689, dec: 20.0, az: 342.496185907, alt: 37.773765145, azUT1EqualsUTC: 342.496114902, altUT1EqualsUTC: 37.773690161),
        // 2023-05-30T08:00:00 TAI, DUT1 = -0.0456 s
        Case("near zenith", tai: 1685433600.000, ra: 296.3873, dec: -30.2, az: 31.578080039, alt: 89.885138385, azUT1EqualsUTC: 31.466448963, altUT1EqualsUTC: 89.885109861),
        // 2024-01-15T02:00:00 TAI, DUT1 = +0.0077 s
        Case("low altitude ~5 deg west", tai: 1705284000.000, ra: 349.1414, dec: 0.0, az: 273.296645553, alt: 5.377457705, azUT1EqualsUTC: 273.296659219, altUT1EqualsUTC: 5.377486884),
        // 2025-04-10T05:30:00 TAI, DUT1 = +0.0357 s
        Case("azimuth just east of north", tai: 1744263000.000, ra: 210.9135, dec: 20.0, az: 1.107789346, alt: 39.876073222, azUT1EqualsUTC: 1.107978527, altUT1EqualsUTC: 39.875962428),
        // 2025-10-01T01:00:00 TAI, DUT1 = +0.0931 s
        Case("azimuth just west of north (near 360)", tai: 1759280400.000, ra: 313.5323, dec: 20.0, az: 359.628388204, alt: 39.657557720, azUT1EqualsUTC: 359.628850725, altUT1EqualsUTC: 39.657449930),
        // 2026-11-24T03:00:00 TAI, DUT1 = -0.0833 s
        Case("low north, on meridian", tai: 1795489200.000, ra: 37.2012, dec: 45.0, az: 0.323862576, alt: 14.634880187, azUT1EqualsUTC: 0.323609389, altUT1EqualsUTC: 14.634786269),
        // 2026-06-30T10:00:00 TAI, DUT1 = +0.0142 s
        Case("dec -89 east", tai: 1782813600.000, ra: 102.5989, dec: -89.0, az: 178.873700446, alt: 30.124873918, azUT1EqualsUTC: 178.873678346, altUT1EqualsUTC: 30.124993659),
        // 2027-09-09T09:09:09 TAI, DUT1 = -0.1936 s
        Case("dec -60 west", tai: 1820480949.000, ra: 354.5944, dec: -60.0, az: 214.993962382, alt: 40.924354604, azUT1EqualsUTC: 214.994059631, altUT1EqualsUTC: 40.924052620),
        // 2028-02-29T12:00:00 TAI, DUT1 = -0.2081 s
        Case("dec -30 east, alt 20", tai: 1835438400.000, ra: 350.4412, dec: -30.0, az: 113.585904496, alt: 20.096109108, azUT1EqualsUTC: 113.585566243, altUT1EqualsUTC: 20.096837382),
        // 2029-08-15T20:00:00 TAI, DUT1 = -0.2081 s
        Case("below horizon ~-3 deg east", tai: 1881518400.000, ra: 286.6205, dec: 0.0, az: 91.664834175, alt: -2.952101293, azUT1EqualsUTC: 91.664414174, altUT1EqualsUTC: -2.951339256),
        // 2030-12-31T23:59:59 TAI, DUT1 = -0.2081 s
        Case("dec +20 east, alt 23", tai: 1924991999.000, ra: 74.5608, dec: 20.0, az: 46.843420224, alt: 23.362143045, azUT1EqualsUTC: 46.842747737, altUT1EqualsUTC: 23.362643284),
        // 2031-04-01T04:00:00 TAI, DUT1 = -0.2081 s
        Case("dec -60 on meridian", tai: 1932782400.000, ra: 178.4372, dec: -60.0, az: 179.592079268, alt: 60.061756871, azUT1EqualsUTC: 179.592975051, altUT1EqualsUTC: 60.061841526),
        // 2032-07-04T03:00:00 TAI, DUT1 = -0.2081 s
        Case("dec -30 east", tai: 1972522800.000, ra: 264.2928, dec: -30.0, az: 90.163568937, alt: 83.052308192, azUT1EqualsUTC: 90.162513340, altUT1EqualsUTC: 83.053068471),
        // 2033-01-20T07:30:00 TAI, DUT1 = -0.2081 s
        Case("dec 0 west", tai: 1989819000.000, ra: 109.1066, dec: 0.0, az: 291.369164561, alt: 32.115796708, azUT1EqualsUTC: 291.368614108, altUT1EqualsUTC: 32.115060024),
        // 2034-09-30T02:15:00 TAI, DUT1 = -0.2081 s
        Case("dec +20 west", tai: 2043195300.000, ra: 301.7681, dec: 20.0, az: 326.766039791, alt: 32.151034324, azUT1EqualsUTC: 326.765244559, altUT1EqualsUTC: 32.150551473),
        // 2035-03-15T05:00:00 TAI, DUT1 = -0.2081 s
        Case("dec -45 east, alt 30", tai: 2057547600.000, ra: 251.748, dec: -45.0, az: 127.400532116, alt: 30.520633833, azUT1EqualsUTC: 127.400344209, altUT1EqualsUTC: 30.521285765),
        // 2035-12-31T12:00:00 TAI, DUT1 = -0.2081 s
        Case("dec -89 near lower culmination", tai: 2082715200.000, ra: 43.8579, dec: -89.0, az: 180.195485377, alt: 29.108218647, azUT1EqualsUTC: 180.195485763, altUT1EqualsUTC: 29.108295305),
]

@Suite("ApparentPlace vs astropy")
struct ApparentPlaceTests {
    /// The requirement: better than 0.01 deg in altitude and on the sky.
    static let requiredTolerance = 0.01
    /// Regression guards well inside the requirement (see the measured figures above).
    static let astropyDefaultsTolerance = 5.0 / 3600
    static let ut1EqualsUTCTolerance = 0.1 / 3600

    @Test("agrees with astropy AltAz (bundled IERS data)", arguments: astropyCases)
    func agreesWithAstropy(_ c: AstropyCase) {
        let computed = c.computed
        #expect(abs(computed.altitude - c.expected.altitude) < Self.requiredTolerance)
        #expect(computed.angularSeparation(to: c.expected) < Self.requiredTolerance)
        #expect(computed.angularSeparation(to: c.expected) < Self.astropyDefaultsTolerance)
    }

    @Test("agrees with astropy AltAz computed with UT1 = UTC, no polar motion", arguments: astropyCases)
    func agreesWithAstropyModel(_ c: AstropyCase) {
        let computed = c.computed
        #expect(abs(computed.altitude - c.expectedUT1EqualsUTC.altitude) < Self.ut1EqualsUTCTolerance)
        #expect(computed.angularSeparation(to: c.expectedUT1EqualsUTC) < Self.ut1EqualsUTCTolerance)
    }

    @Test("azimuth agrees where it is well defined (not near the zenith)", arguments: astropyCases)
    func azimuthAgrees(_ c: AstropyCase) {
        let computed = c.computed
        guard c.expected.altitude < 85 else { return }
        // Compare azimuths across the 0/360 wrap.
        let difference = abs(remainder(computed.azimuth - c.expected.azimuth, 360))
        #expect(difference * cos(c.expected.altitude * .pi / 180) < Self.requiredTolerance)
        #expect(computed.azimuth >= 0 && computed.azimuth < 360)
    }

    @Test("the case set covers the required geometry")
    func coverage() {
        let computed = astropyCases.map(\.computed)
        #expect(astropyCases.count >= 12)
        #expect(computed.contains { $0.altitude > 89 })                         // near the zenith
        #expect(computed.contains { $0.altitude > 4 && $0.altitude < 6 })       // ~5 deg
        #expect(computed.contains { $0.altitude < 0 && $0.altitude > -5 })      // just below the horizon
        #expect(computed.contains { $0.azimuth < 2 })                           // wrap, east of north
        #expect(computed.contains { $0.azimuth > 358 })                         // wrap, west of north
        for dec in [-89.0, -60, -30, 0, 20] {
            #expect(astropyCases.contains { $0.dec == dec })
        }
    }

    @Test("zenith distance is 90 deg minus altitude")
    func zenithDistance() {
        let p = astropyCases[0].computed
        #expect(abs(p.zenithDistance - (90 - p.altitude)) < 1e-12)
    }
}
