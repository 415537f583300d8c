import Foundation
import Testing
import Astrometry

@Suite("HorizontalPosition")
struct HorizontalPositionTests {
    @Test("azimuth is reduced to [0, 360)")
    func azimuthNormalisation() {
        #expect(HorizontalPosition(azimuth: -10, altitude: 0).azimuth == 350)
        #expect(HorizontalPosition(azimuth: 365, altitude: 0).azimuth == 5)
        #expect(HorizontalPosition(azimuth: 720, altitude: 0).azimuth == 0)
        #expect(HorizontalPosition(azimuth: 360, altitude: 0).azimuth == 0)
        // 360 - 1e-15 is not representable: must fold to 0, never give 360.
        #expect(HorizontalPosition(azimuth: -1e-15, altitude: 0).azimuth == 0)
        #expect(HorizontalPosition(azimuth: -0.0, altitude: 0).azimuth.sign == .plus)
        #expect(HorizontalPosition(azimuth: 359.5, altitude: 0).azimuth == 359.5)
    }

    @Test("zenith distance")
    func zenithDistance() {
        #expect(HorizontalPosition(azimuth: 10, altitude: 60).zenithDistance == 30)
        #expect(HorizontalPosition(azimuth: 10, altitude: -5).zenithDistance == 95)
    }

    @Test("mean across the 0/360 wrap")
    func meanAcrossWrap() throws {
        let mean = try #require(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 359, altitude: 40), HorizontalPosition(azimuth: 1, altitude: 40)))
        #expect(min(mean.azimuth, 360 - mean.azimuth) < 1e-9)
        #expect(mean.azimuth >= 0 && mean.azimuth < 360)
        // The normalised chord midpoint lies slightly above the 40 deg small circle:
        // tan(alt) = tan(40 deg) / cos(1 deg), i.e. 40.0043 deg.
        let expectedAltitude = atan(tan(40 * Double.pi / 180) / cos(Double.pi / 180)) * 180 / Double.pi
        #expect(abs(mean.altitude - expectedAltitude) < 1e-12)
    }

    @Test("mean of simple pairs")
    func meanSimple() throws {
        let east = try #require(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 0, altitude: 0), HorizontalPosition(azimuth: 90, altitude: 0)))
        #expect(abs(east.azimuth - 45) < 1e-12)
        #expect(abs(east.altitude) < 1e-12)

        let vertical = try #require(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 100, altitude: 10), HorizontalPosition(azimuth: 100, altitude: 30)))
        #expect(abs(vertical.azimuth - 100) < 1e-12)
        #expect(abs(vertical.altitude - 20) < 1e-12)

        let same = HorizontalPosition(azimuth: 123.4, altitude: 56.7)
        let meanOfSame = try #require(HorizontalPosition.mean(same, same))
        #expect(meanOfSame.angularSeparation(to: same) < 1e-10)

        let overZenith = try #require(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 90, altitude: 80), HorizontalPosition(azimuth: 270, altitude: 80)))
        #expect(abs(overZenith.altitude - 90) < 1e-12)
    }

    @Test("mean of opposite or non-finite directions is nil")
    func meanUndefined() {
        #expect(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 0, altitude: 0), HorizontalPosition(azimuth: 180, altitude: 0)) == nil)
        #expect(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 10, altitude: 30), HorizontalPosition(azimuth: 190, altitude: -30)) == nil)
        #expect(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 0, altitude: 90), HorizontalPosition(azimuth: 0, altitude: -90)) == nil)
        #expect(HorizontalPosition.mean(
            HorizontalPosition(azimuth: .nan, altitude: 30), HorizontalPosition(azimuth: 10, altitude: 30)) == nil)
        #expect(HorizontalPosition.mean(
            HorizontalPosition(azimuth: 10, altitude: .infinity), HorizontalPosition(azimuth: 10, altitude: 30)) == nil)
    }

    @Test("angular separation")
    func separation() {
        let a = HorizontalPosition(azimuth: 359.5, altitude: 0)
        let b = HorizontalPosition(azimuth: 0.5, altitude: 0)
        #expect(abs(a.angularSeparation(to: b) - 1) < 1e-12)
        #expect(abs(HorizontalPosition(azimuth: 0, altitude: 90)
            .angularSeparation(to: HorizontalPosition(azimuth: 77, altitude: 0)) - 90) < 1e-12)
        #expect(abs(HorizontalPosition(azimuth: 0, altitude: 0)
            .angularSeparation(to: HorizontalPosition(azimuth: 180, altitude: 0)) - 180) < 1e-12)
    }
}
