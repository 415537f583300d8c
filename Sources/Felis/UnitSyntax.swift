/// Unit strings as astropy's generic format reads them (as `felis validate` checks `ivoa:unit` and
/// `fits:tunit`): known unit names with optional SI prefixes and powers, combined by spaces, `*`, `.` and
/// `/`, with parentheses and an optional numeric scale. `km s-1`, `m3 / (kg s2)`, `10**-3 m` and `deg` pass; `tacos / s` and `m//s` do not. Shared by
/// `consdb schema apply`'s warnings and the API's `addkey` check.
public enum UnitSyntax {
    static let prefixable: Set<String> = [
        "m", "s", "g", "K", "A", "mol", "cd", "rad", "sr", "Hz", "N", "Pa", "J", "W", "C", "V", "F", "Ohm", "S",
        "Wb", "T", "H", "lm", "lx", "Bq", "Gy", "Sv", "l", "L", "eV", "Jy", "erg", "bar", "G", "dyn", "ct", "ph",
        "pix", "mag", "byte", "B", "bit", "arcsec", "arcmin", "R", "D", "Ry", "electron", "pc", "yr", "a", "t", "barn",
        "P", "St", "Mx", "Bi", "Fr", "statA", "abA", "k", "lyr", "beam", "chan", "bin", "vox", "photon", "count", "AU", "au",
    ]
    static let plain: Set<String> = [
        "deg", "degree", "min", "h", "hr", "d", "day", "wk", "week", "fortnight", "hourangle", "AA", "Angstrom", "angstrom",
        "micron", "%", "percent", "dex", "dB", "solMass", "M_sun", "Msun", "solRad", "R_sun", "Rsun", "solLum", "L_sun",
        "Lsun", "earthMass", "M_earth", "jupiterMass", "M_jup", "earthRad", "R_earth", "jupiterRad", "R_jup", "u", "Da",
        "pixel", "cycle", "cy", "deg_C", "degC", "dimensionless", "one", "adu", "ADU", "mas", "uas", "arcsecond", "arcminute",
        "second", "meter", "metre", "gram", "kelvin", "ampere", "mole", "candela", "radian", "steradian", "hertz", "newton",
        "pascal", "joule", "watt", "coulomb", "volt", "farad", "ohm", "siemens", "weber", "tesla", "henry", "lumen", "lux",
        "becquerel", "gray", "sievert", "liter", "litre", "hour", "minute", "year", "jansky", "gauss", "parsec", "lightyear",
        "electronvolt", "erg", "calorie", "cal", "atm", "torr", "Torr", "mmHg", "inch", "ft", "mi", "lb", "oz", "sday",
        "spat", "littleh", "vox", "voxel", "chan", "beam", "bin", "Ci", "Rgeo",
    ]
    static let prefixes = ["da", "Y", "Z", "E", "P", "T", "G", "M", "k", "h", "d", "c", "m", "u", "µ", "n", "p", "f", "a", "z", "y", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]

    /// True when `text` is a unit expression made only of known units.
    public static func isValid(_ text: String) -> Bool {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parser.skipSpaces()
        guard parser.index < parser.scalars.count, parser.parseExpression(depth: 0) else { return false }
        parser.skipSpaces()
        return parser.index == parser.scalars.count
    }

    static func isKnownName(_ name: String) -> Bool {
        if plain.contains(name) || prefixable.contains(name) { return true }
        for prefix in prefixes where name.hasPrefix(prefix) && name.count > prefix.count {
            if prefixable.contains(String(name.dropFirst(prefix.count))) { return true }
        }
        return false
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func skipSpaces() {
            while peek() == " " { index += 1 }
        }

        /// expression := term (('/' ) term)*
        mutating func parseExpression(depth: Int) -> Bool {
            guard depth < 16, parseTerm(depth: depth) else { return false }
            while true {
                skipSpaces()
                guard peek() == "/" else { return true }
                index += 1
                skipSpaces()
                guard parseTerm(depth: depth) else { return false }
            }
        }

        /// term := factor ((' ' | '*' | '.') factor)*
        mutating func parseTerm(depth: Int) -> Bool {
            guard parseFactor(depth: depth) else { return false }
            while true {
                let start = index
                skipSpaces()
                if peek() == "*", peek(1) != "*" {
                    index += 1
                    skipSpaces()
                } else if peek() == ".", let next = peek(1), next.isASCIILetter || next == "(" {
                    index += 1
                } else if index == start, index > 0, scalars[index - 1].isASCIIDigit || scalars[index - 1] == ")",
                          let next = peek(), next.isASCIILetter || next == "(" {
                    // Written straight after a power or a parenthesis, a unit multiplies: astropy reads
                    // `m/s**2S` (in Rubin's efd_latiss schema) as m / (s2 S) and `m2s` as m2 s.
                } else if index == start || peek() == nil || peek() == "/" || peek() == ")" {
                    index = start
                    return true
                }
                guard parseFactor(depth: depth) else { return false }
            }
        }

        /// factor := number | name [power] | '(' expression ')' [power]
        mutating func parseFactor(depth: Int) -> Bool {
            guard let scalar = peek() else { return false }
            if scalar == "(" {
                index += 1
                skipSpaces()
                guard parseExpression(depth: depth + 1) else { return false }
                skipSpaces()
                guard peek() == ")" else { return false }
                index += 1
                return parsePower()
            }
            if scalar.isASCIIDigit || scalar == "-" || scalar == "+" {
                return parseNumber() && parsePower()
            }
            var name = ""
            while let next = peek(), next.isASCIILetter || next == "_" || next == "%" || next == "µ" || next == "°" {
                name.unicodeScalars.append(next)
                index += 1
            }
            guard !name.isEmpty, UnitSyntax.isKnownName(name) else { return false }
            // A signed integer written straight after the name is a power: m2, s-1.
            if let next = peek(), next.isASCIIDigit || ((next == "-" || next == "+") && peek(1)?.isASCIIDigit == true) {
                return parseNumber()
            }
            return parsePower()
        }

        mutating func parsePower() -> Bool {
            if peek() == "*", peek(1) == "*" {
                index += 2
            } else if peek() == "^" {
                index += 1
            } else {
                return true
            }
            if peek() == "(" {
                index += 1
                guard parseNumber() else { return false }
                if peek() == "/" { index += 1; guard parseNumber() else { return false } }
                guard peek() == ")" else { return false }
                index += 1
                return true
            }
            return parseNumber()
        }

        mutating func parseNumber() -> Bool {
            if peek() == "-" || peek() == "+" { index += 1 }
            let start = index
            while let next = peek(), next.isASCIIDigit { index += 1 }
            if peek() == ".", peek(1)?.isASCIIDigit == true {
                index += 1
                while let next = peek(), next.isASCIIDigit { index += 1 }
            }
            guard index > start else { return false }
            if peek() == "e" || peek() == "E", let next = peek(1), next.isASCIIDigit || next == "-" || next == "+" {
                index += 1
                if peek() == "-" || peek() == "+" { index += 1 }
                let exponentStart = index
                while let digit = peek(), digit.isASCIIDigit { index += 1 }
                guard index > exponentStart else { return false }
            }
            return true
        }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
