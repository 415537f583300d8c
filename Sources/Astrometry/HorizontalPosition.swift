// Azimuth / altitude value type.

import Foundation

/// A direction in the local horizontal system of a site.
///
/// Non-finite values are allowed and propagate (a NaN position compares unequal to
/// everything, including itself, like any NaN).
public struct HorizontalPosition: Sendable, Equatable {
    /// Azimuth in degrees in [0, 360), measured from North through East.
    public let azimuth: Double
    /// Altitude (elevation) above the horizon in degrees.
    public let altitude: Double

    /// Zenith distance in degrees: 90° − altitude.
    public var zenithDistance: Double { 90 - altitude }

    /// Creates a position; the azimuth is reduced to [0, 360) (NaN/infinite stay NaN).
    /// The altitude is stored as given.
    public init(azimuth: Double, altitude: Double) {
        self.azimuth = Self.normalizedAzimuth(azimuth)
        self.altitude = altitude
    }

    /// The mean direction of two positions: the direction of the sum of their unit
    /// vectors (so azimuths 359° and 1° at equal altitude average to 0°, not 180°).
    ///
    /// Returns `nil` when the mean is undefined: the two directions are opposite (the sum
    /// vanishes, to within 1e-12 of a unit vector) or an input is not finite.
    public static func mean(_ a: HorizontalPosition, _ b: HorizontalPosition) -> HorizontalPosition? {
        let sum = a.unitVector + b.unitVector
        let length = sum.length
        guard length.isFinite, length > 1e-12 else { return nil }
        return HorizontalPosition(unitVector: sum / length)
    }

    /// Great-circle angle between two positions, in degrees (NaN if either is not finite).
    public func angularSeparation(to other: HorizontalPosition) -> Double {
        let a = unitVector
        let b = other.unitVector
        // atan2(|a×b|, a·b) is accurate for both tiny and near-180° separations.
        return atan2(a.cross(b).length, a.dot(b)) * Angle.degreesPerRadian
    }

    /// Unit vector in the (north, east, up) frame.
    var unitVector: Vector3 {
        let az = azimuth * Angle.radiansPerDegree
        let alt = altitude * Angle.radiansPerDegree
        return Vector3(cos(alt) * cos(az), cos(alt) * sin(az), sin(alt))
    }

    /// Inverse of `unitVector` (the vector need not be normalised).
    init(unitVector v: Vector3) {
        self.init(
            azimuth: atan2(v.y, v.x) * Angle.degreesPerRadian,
            altitude: atan2(v.z, (v.x * v.x + v.y * v.y).squareRoot()) * Angle.degreesPerRadian
        )
    }

    static func normalizedAzimuth(_ degrees: Double) -> Double {
        var reduced = degrees.truncatingRemainder(dividingBy: 360)
        if reduced < 0 { reduced += 360 }
        // −1e-15 + 360 rounds to exactly 360; fold that (and −0) onto 0.
        if reduced >= 360 || reduced == 0 { reduced = 0 }
        return reduced
    }
}
