// A geodetic observing site and its local horizontal frame.

import Foundation

/// An observatory location on the WGS84 ellipsoid.
public struct ObservingSite: Sendable, Equatable {
    /// Geodetic latitude in degrees, north positive.
    public let latitude: Double
    /// Longitude in degrees, east positive.
    public let longitude: Double
    /// Height above the WGS84 ellipsoid in metres.
    public let height: Double

    /// Creates a site from geodetic coordinates (degrees, east-positive longitude, metres).
    public init(latitude: Double, longitude: Double, height: Double) {
        self.latitude = latitude
        self.longitude = longitude
        self.height = height
    }

    /// The Rubin Observatory site on Cerro Pachón, with the coordinates Rubin's reference
    /// software uses for the mid-exposure azimuth/altitude: latitude −30.24074167°,
    /// longitude −70.7366833°, height 2750 m.
    public static let cerroPachon = ObservingSite(latitude: -30.24074167, longitude: -70.7366833, height: 2750)
}

extension ObservingSite {
    /// WGS84 ellipsoid: equatorial radius (m) and flattening.
    static let wgs84EquatorialRadius = 6_378_137.0
    static let wgs84Flattening = 1 / 298.257223563

    /// Geocentric position of the site in the terrestrial frame (metres), from its geodetic
    /// coordinates. Only used for the site's rotational velocity (diurnal aberration), so
    /// metre-level accuracy is far more than enough.
    var geocentricPosition: Vector3 {
        let phi = latitude * Angle.radiansPerDegree
        let lambda = longitude * Angle.radiansPerDegree
        let eccentricitySquared = Self.wgs84Flattening * (2 - Self.wgs84Flattening)
        let primeVerticalRadius = Self.wgs84EquatorialRadius
            / (1 - eccentricitySquared * sin(phi) * sin(phi)).squareRoot()
        let equatorialDistance = (primeVerticalRadius + height) * cos(phi)
        return Vector3(
            equatorialDistance * cos(lambda),
            equatorialDistance * sin(lambda),
            (primeVerticalRadius * (1 - eccentricitySquared) + height) * sin(phi)
        )
    }

    /// Azimuth/altitude of a direction given in the terrestrial (Earth-fixed) frame.
    ///
    /// The local vertical is the ellipsoid normal (geodetic latitude), as in astropy's
    /// `AltAz` frame; the deflection of the vertical is ignored. Azimuth is measured from
    /// North through East.
    func horizontal(ofTerrestrialDirection r: Vector3) -> HorizontalPosition {
        let phi = latitude * Angle.radiansPerDegree
        let lambda = longitude * Angle.radiansPerDegree
        let east = -sin(lambda) * r.x + cos(lambda) * r.y
        let north = -sin(phi) * cos(lambda) * r.x - sin(phi) * sin(lambda) * r.y + cos(phi) * r.z
        let up = cos(phi) * cos(lambda) * r.x + cos(phi) * sin(lambda) * r.y + sin(phi) * r.z
        // atan2 on both angles stays accurate near the zenith and the horizon alike.
        return HorizontalPosition(
            azimuth: atan2(east, north) * Angle.degreesPerRadian,
            altitude: atan2(up, (east * east + north * north).squareRoot()) * Angle.degreesPerRadian
        )
    }
}
