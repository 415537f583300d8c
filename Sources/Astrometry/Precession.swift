// IAU 2006 precession (with frame bias) in the Fukushima–Williams parametrisation.
//
// Reference: IERS Conventions (2010), chapter 5, eqs. (5.39)–(5.40); Hilton et al. (2006),
// Capitaine & Wallace (2006), A&A 450, 855.

import Foundation

enum Precession {
    /// The four Fukushima–Williams angles (radians) at `t` Julian centuries of TT since
    /// J2000.0, plus the IAU 2006 mean obliquity of the ecliptic ε_A.
    ///
    /// γ̄ and φ̄ locate the ecliptic of date relative to the GCRS; ψ̄ is the precession in
    /// longitude along it. They are referred to the GCRS pole and origin, so the frame
    /// bias is built in.
    struct Angles: Sendable {
        let gammaBar: Double
        let phiBar: Double
        let psiBar: Double
        let meanObliquity: Double
    }

    static func angles(ttCenturies t: Double) -> Angles {
        // Polynomials in arcseconds (IERS Conventions 2010, eq. 5.40 and 5.39).
        let gammaBar = polynomial(t, [-0.052928, 10.556378, 0.4932044, -0.00031238, -0.000002788, 0.0000000260])
        let phiBar = polynomial(t, [84381.412819, -46.811016, 0.0511268, 0.00053289, -0.000000440, -0.0000000176])
        let psiBar = polynomial(t, [-0.041775, 5038.481484, 1.5584175, -0.00018522, -0.000026452, -0.0000000148])
        return Angles(
            gammaBar: gammaBar * Angle.radiansPerArcsecond,
            phiBar: phiBar * Angle.radiansPerArcsecond,
            psiBar: psiBar * Angle.radiansPerArcsecond,
            meanObliquity: meanObliquity(ttCenturies: t)
        )
    }

    /// IAU 2006 mean obliquity of the ecliptic ε_A in radians.
    static func meanObliquity(ttCenturies t: Double) -> Double {
        polynomial(t, [84381.406, -46.836769, -0.0001831, 0.00200340, -0.000000576, -0.0000000434])
            * Angle.radiansPerArcsecond
    }

    /// The bias–precession–nutation matrix, GCRS → true equator and equinox of date:
    ///
    ///     NPB = R₁(−(ε_A + Δε)) · R₃(−(ψ̄ + Δψ)) · R₁(φ̄) · R₃(γ̄)
    ///
    /// R₃(γ̄) then R₁(φ̄) carry the GCRS onto the ecliptic of date; R₃(−ψ̄ − Δψ) moves the
    /// origin to the true equinox; R₁(−ε_A − Δε) tilts onto the true equator.
    static func biasPrecessionNutationMatrix(angles: Angles, nutation: Nutation.Angles) -> Matrix3 {
        Matrix3.rotationX(-(angles.meanObliquity + nutation.obliquity))
            * Matrix3.rotationZ(-(angles.psiBar + nutation.longitude))
            * Matrix3.rotationX(angles.phiBar)
            * Matrix3.rotationZ(angles.gammaBar)
    }

    /// Evaluates c₀ + c₁t + c₂t² + … by Horner's rule.
    static func polynomial(_ t: Double, _ coefficients: [Double]) -> Double {
        coefficients.reversed().reduce(0) { $0 * t + $1 }
    }
}
