// The Astrometry module: ICRS → observed horizontal coordinates. Time scales (TAI, UTC, the
// leap-second table) live in `TimeScales`; `Epoch` derives the models' TT and UT1 from them.
//
// Public entry points
//   - `ObservingSite`: a geodetic site (Rubin: `ObservingSite.cerroPachon`).
//   - `HorizontalPosition`: azimuth/altitude value type, with `mean` for mid-exposure values.
//   - `ApparentPlace.horizontal(...)`: ICRS (RA, Dec) → observed azimuth/altitude without
//     atmospheric refraction, matching astropy's `AltAz` frame (pressure 0) to < 4″
//     (0.03″ when astropy is also given UT1 = UTC and no polar motion).
//
// Everything here is pure computation on `Double`s: no I/O, no shared mutable state, so
// all of it is safe to call from any concurrency domain.
//
// The algorithms are written from the published formulas (IERS Conventions 2010,
// chapter 5; Capitaine & Wallace 2006; McCarthy & Luzum 2003; the Explanatory Supplement
// to the Astronomical Almanac); see the individual files for the exact references.

import Foundation

/// Angle conversion constants shared by the module.
enum Angle {
    static let radiansPerDegree = Double.pi / 180
    static let degreesPerRadian = 180 / Double.pi
    /// 1″ = π / (180 · 3600) rad.
    static let radiansPerArcsecond = Double.pi / 648_000
    static let arcsecondsPerTurn = 1_296_000.0
    static let twoPi = 2 * Double.pi

    /// Reduces an angle in radians to [0, 2π). NaN and infinities give NaN.
    static func normalizedRadians(_ angle: Double) -> Double {
        let reduced = angle - twoPi * (angle / twoPi).rounded(.down)
        // Rounding can leave exactly 2π for tiny negative inputs.
        return reduced >= twoPi ? 0 : reduced
    }

    /// Converts arcseconds to radians after removing whole turns first, which keeps
    /// precision for the large polynomial values of the fundamental arguments.
    static func radians(fromArcseconds arcseconds: Double) -> Double {
        arcseconds.truncatingRemainder(dividingBy: arcsecondsPerTurn) * radiansPerArcsecond
    }
}
