// Decimal number text → Double, correctly rounded, without going through a String.

/// Turns the significant digits and decimal exponent of a JSON number into the nearest `Double`.
///
/// Telemetry floats arrive with up to 17 significant digits (InfluxDB writes the shortest text that
/// round-trips, and Avro `float` fields widened to double need all 17), which the classic exact fast
/// path (mantissa ≤ 2⁵³, |exponent| ≤ 22) does not cover. Those are done exactly in 128-bit integer
/// arithmetic: m × 10ᵉ = m × 5ᵉ × 2ᵉ, so a positive exponent is one multiplication and a negative one
/// is one division by 5⁻ᵉ keeping a sticky remainder, then a single rounding to 53 bits. Outside
/// those ranges it returns nil and the caller falls back to the standard library's parser.
/// (Plain `UInt64` pairs rather than `UInt128`, which needs macOS 15.)
enum DecimalConversion {
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// 5⁰ … 5²⁷, the powers that fit in 64 bits.
    private static let powersOfFive: [UInt64] = {
        var powers: [UInt64] = [1]
        for _ in 1...27 { powers.append(powers.last! * 5) }
        return powers
    }()

    /// The Double nearest to `mantissa × 10^exponent`, or nil if this fast path does not apply.
    @inline(__always)
    static func double(mantissa: UInt64, exponent: Int) -> Double? {
        if mantissa == 0 { return 0 }
        if mantissa <= 1 << 53 {
            // Both operands exact, so the one operation rounds once.
            if exponent >= 0 && exponent <= 22 { return Double(mantissa) * powersOfTen[exponent] }
            if exponent < 0 && exponent >= -22 { return Double(mantissa) / powersOfTen[-exponent] }
        }
        if exponent >= 0 && exponent <= 27 {
            let (high, low) = mantissa.multipliedFullWidth(by: powersOfFive[exponent])
            return rounded(high: high, low: low, sticky: false, binaryExponent: exponent)
        }
        if exponent < 0 && exponent >= -27 {
            // (m << shift) / 5ᵏ by long division in two 64-bit steps; 5ᵏ < 2⁶³, so the quotient
            // keeps at least 65 bits and the remainder says whether anything was dropped.
            let divisor = powersOfFive[-exponent]
            let shift = mantissa.leadingZeroBitCount
            let top = mantissa << shift  // numerator = top × 2⁶⁴
            let quotientHigh = top / divisor
            let (quotientLow, remainder) = divisor.dividingFullWidth((high: top % divisor, low: 0))
            return rounded(high: quotientHigh, low: quotientLow, sticky: remainder != 0, binaryExponent: exponent - shift - 64)
        }
        return nil
    }

    /// `(high·2⁶⁴ + low) × 2^binaryExponent` rounded to nearest, ties to even; `sticky` says the true
    /// value is a little above it (a non-zero remainder was dropped). Nil outside the normal range.
    @inline(__always)
    private static func rounded(high: UInt64, low: UInt64, sticky: Bool, binaryExponent: Int) -> Double? {
        let bits = high != 0 ? 128 - high.leadingZeroBitCount : 64 - low.leadingZeroBitCount
        var significand: UInt64
        var exponent = binaryExponent
        if bits <= 53 {
            // Exact (only the product path gets here: the division keeps at least 65 bits).
            significand = low << (53 - bits)
            exponent -= 53 - bits
        } else {
            let extra = bits - 53  // 1 ... 75
            if extra >= 64 {
                significand = high >> (extra - 64)
            } else {
                significand = (low >> extra) | (high << (64 - extra))
            }
            let halfPosition = extra - 1
            let halfBit: Bool
            let belowHalf: Bool
            if halfPosition >= 64 {
                halfBit = (high >> (halfPosition - 64)) & 1 == 1
                belowHalf = low != 0 || high & ((1 << (halfPosition - 64)) - 1) != 0
            } else {
                halfBit = (low >> halfPosition) & 1 == 1
                belowHalf = low & ((1 << halfPosition) - 1) != 0
            }
            if halfBit && (belowHalf || sticky || significand & 1 == 1) {
                significand += 1
                if significand == 1 << 53 {
                    significand >>= 1
                    exponent += 1
                }
            }
            exponent += extra
        }
        // significand × 2^exponent with significand in [2⁵², 2⁵³).
        let biased = exponent + 52 + 1023
        guard biased > 0 && biased < 2047 else { return nil }
        return Double(bitPattern: UInt64(biased) << 52 | (significand & ((1 << 52) - 1)))
    }
}
