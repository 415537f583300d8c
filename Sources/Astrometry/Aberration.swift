// Stellar aberration.

import Foundation

enum Aberration {
    static let speedOfLight = 299_792_458.0 // m/s

    /// Apparent direction seen by an observer moving with velocity `beta` (in units of c)
    /// relative to the frame in which the source lies in unit direction `p`.
    ///
    /// This is the exact special-relativistic (Lorentz) aberration formula, e.g.
    /// Explanatory Supplement to the Astronomical Almanac (1992) §3.25:
    ///
    ///     p′ ∝ γ⁻¹ p + (1 + p·β / (1 + γ⁻¹)) β,   γ⁻¹ = √(1 − β²)
    ///
    /// The Sun's gravitational potential term (≈ 1e-8 in the scale factor) is ignored; the
    /// result is renormalised anyway.
    static func apply(to p: Vector3, observerVelocity beta: Vector3) -> Vector3 {
        let inverseLorentzFactor = (1 - beta.dot(beta)).squareRoot()
        let pDotBeta = p.dot(beta)
        let shifted = p * inverseLorentzFactor + beta * (1 + pDotBeta / (1 + inverseLorentzFactor))
        return shifted / shifted.length
    }
}
