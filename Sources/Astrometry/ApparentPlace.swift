// ICRS → observed horizontal coordinates.

import Foundation

/// Apparent (observed) places of stars: where a fixed ICRS direction appears in the sky
/// of a site at a given time.
///
/// The reduction, from the published IAU 2006/2000 models (IERS Conventions 2010, ch. 5):
///
/// 1. Time: TT = TAI + 32.184 s; UT1 ≈ UTC from `TimeScales.LeapSeconds` (DUT1 ignored, see below).
/// 2. Aberration: the ICRS (barycentric) direction is aberrated, with the exact
///    relativistic formula, by the observer's barycentric velocity = Earth's orbital
///    velocity (low-precision Keplerian orbit, ≲ 0.03″) + the site's velocity from the
///    Earth's rotation (diurnal aberration, ≈ 0.3″ at Cerro Pachón).
/// 3. Bias + precession + nutation: IAU 2006 precession (Fukushima–Williams angles) with
///    IAU 2000B nutation take the GCRS direction to the true equator and equinox of date.
/// 4. Earth rotation: Greenwich apparent sidereal time (IAU 2006 GMST + equation of the
///    equinoxes) takes it to the terrestrial frame.
/// 5. Horizon: rotated to the site's geodetic (WGS84 ellipsoid-normal) zenith.
///
/// Deliberately ignored (effect on a star's observed position):
/// - Atmospheric refraction: none is applied, as in astropy's `AltAz` with pressure 0.
/// - UT1 − UTC: |DUT1| < 0.9 s by construction; the error is 15″ × |DUT1| × cos(dec),
///   under 4″ for the DUT1 values of 2020–2026.
/// - Polar motion (≲ 0.5″) and the TIO locator s′ (µas).
/// - Light deflection by the Sun: 0.004″ × cot(θ/2) at elongation θ, i.e. ≲ 0.02″ more
///   than 25° from the Sun; it only exceeds 1″ within ~0.5° of the Sun.
/// - Parallax: the sources are taken at infinite distance (stars/galaxies), so neither
///   annual nor diurnal parallax applies. (Solar-system bodies are out of scope.)
/// - Proper motion: the ICRS coordinates are used as given for the time of observation.
///
/// Agreement with astropy 8's `SkyCoord(...).transform_to(AltAz(...))` (pressure 0) over
/// 2020–2035 at altitudes above −5°: better than 4″ (rms 2″), all of it from DUT1 and
/// polar motion, which astropy takes from IERS tables; with those set to zero in astropy
/// the two agree to 0.03″ (0.2″ within 3° of the Sun). See `AstrometryTests`.
public enum ApparentPlace {
    /// Observed azimuth and altitude, without atmospheric refraction, of a source at ICRS
    /// right ascension/declination (degrees), seen from `site` at the instant
    /// `taiUnixSeconds` (SI seconds since 1970-01-01T00:00:00 TAI, astropy's `unix_tai`).
    ///
    /// Non-finite inputs (NaN, ±infinity) do not trap: the result then has NaN azimuth
    /// and altitude.
    public static func horizontal(
        rightAscension: Double,
        declination: Double,
        taiUnixSeconds: Double,
        site: ObservingSite
    ) -> HorizontalPosition {
        guard rightAscension.isFinite, declination.isFinite, taiUnixSeconds.isFinite else {
            return HorizontalPosition(azimuth: .nan, altitude: .nan)
        }
        let epoch = Epoch(taiUnixSeconds: taiUnixSeconds)
        let celestialToTerrestrial = celestialToTerrestrialMatrix(epoch: epoch)

        let observerVelocity = EarthOrbit.velocity(ttDaysSinceJ2000: epoch.ttDaysSinceJ2000)
            + celestialToTerrestrial.transposed * siteRotationalVelocity(site)
        let catalogueDirection = Vector3(
            longitude: rightAscension * Angle.radiansPerDegree,
            latitude: declination * Angle.radiansPerDegree
        )
        let apparentDirection = Aberration.apply(
            to: catalogueDirection,
            observerVelocity: observerVelocity / Aberration.speedOfLight
        )
        return site.horizontal(ofTerrestrialDirection: celestialToTerrestrial * apparentDirection)
    }

    /// GCRS → terrestrial rotation matrix, R₃(GAST) · NPB (polar motion ignored, so the
    /// terrestrial intermediate frame stands in for the ITRS).
    static func celestialToTerrestrialMatrix(epoch: Epoch) -> Matrix3 {
        let t = epoch.ttCenturiesSinceJ2000
        let precession = Precession.angles(ttCenturies: t)
        let nutation = Nutation.iau2000B(ttCenturies: t)
        let npb = Precession.biasPrecessionNutationMatrix(angles: precession, nutation: nutation)
        let gast = EarthRotation.greenwichApparentSiderealTime(
            epoch: epoch, nutation: nutation, meanObliquity: precession.meanObliquity)
        return Matrix3.rotationZ(gast) * npb
    }

    /// Velocity of the site due to the Earth's rotation, ω ẑ × r, in the terrestrial
    /// frame (m/s). About 0.40 km/s at Cerro Pachón: the source of diurnal aberration.
    static func siteRotationalVelocity(_ site: ObservingSite) -> Vector3 {
        let r = site.geocentricPosition
        return Vector3(-r.y, r.x, 0) * EarthRotation.angularVelocity
    }
}
