import Foundation
import Testing
import Astrometry

/// Hostile input must never trap; non-finite input gives NaN positions.
@Suite("ApparentPlace hostile input")
struct RobustnessTests {
    static let tai2024 = 1_722_532_854.552

    static func horizontal(_ ra: Double, _ dec: Double, _ tai: Double, site: ObservingSite = .cerroPachon)
        -> HorizontalPosition
    {
        ApparentPlace.horizontal(rightAscension: ra, declination: dec, taiUnixSeconds: tai, site: site)
    }

    @Test("NaN or infinite inputs give NaN positions", arguments: [
        (Double.nan, -30.0, tai2024),
        (158.0, Double.nan, tai2024),
        (158.0, -30.0, Double.nan),
        (Double.infinity, -30.0, tai2024),
        (158.0, -Double.infinity, tai2024),
        (158.0, -30.0, Double.infinity),
        (158.0, -30.0, -Double.infinity),
    ])
    func nonFinite(_ ra: Double, _ dec: Double, _ tai: Double) {
        let p = Self.horizontal(ra, dec, tai)
        #expect(p.azimuth.isNaN)
        #expect(p.altitude.isNaN)
    }

    @Test("a non-finite site gives a NaN position")
    func nonFiniteSite() {
        let p = Self.horizontal(158, -30, Self.tai2024, site: ObservingSite(latitude: .nan, longitude: -70, height: 0))
        #expect(p.altitude.isNaN)
    }

    @Test("absurd but finite inputs do not trap", arguments: [1e300, -1e300, 1e15, -1e15, 0])
    func absurdTimes(_ tai: Double) {
        let p = Self.horizontal(158, -30, tai)
        // Whatever comes out must be either a valid position or NaN.
        #expect(p.altitude.isNaN || (p.altitude >= -90 && p.altitude <= 90))
        #expect(p.azimuth.isNaN || (p.azimuth >= 0 && p.azimuth < 360))
    }

    @Test("out-of-range angles are treated as directions")
    func outOfRangeAngles() {
        // RA wraps; a declination beyond the pole is the same direction as (RA + 180, 180 - dec).
        let a = Self.horizontal(158 + 720, -30, Self.tai2024)
        let b = Self.horizontal(158, -30, Self.tai2024)
        #expect(a.angularSeparation(to: b) < 1e-9)
        let c = Self.horizontal(10, 100, Self.tai2024)
        let d = Self.horizontal(190, 80, Self.tai2024)
        #expect(c.angularSeparation(to: d) < 1e-9)
    }
}
