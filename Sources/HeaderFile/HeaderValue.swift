/// One header value as HeaderService writes it: YAML scalars typed the way PyYAML (YAML 1.1) reads them.
public enum HeaderValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    public var isNull: Bool { self == .null }

    /// The value as a number: ints and doubles, and strings that hold a decimal number (HeaderService
    /// writes some numeric keywords, e.g. `DAYOBS`, as strings). Booleans are not numbers here.
    public var double: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .string(let text): return Double(text.trimmingSpaces)
        case .null, .bool: return nil
        }
    }

    /// The value as an integer: ints, integral doubles, and strings holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value):
            guard value.isFinite, value.rounded() == value, abs(value) < 9.2e18 else { return nil }
            return Int64(value)
        case .string(let text): return Int64(text.trimmingSpaces)
        case .null, .bool: return nil
        }
    }

    /// The value as text: strings as written (FITS pads some with trailing blanks; callers trim where
    /// the keyword's meaning asks for it), numbers and booleans in their YAML spelling.
    public var text: String? {
        switch self {
        case .string(let text): return text
        case .int(let value): return String(value)
        case .double(let value): return value.description
        case .bool(let value): return value ? "true" : "false"
        case .null: return nil
        }
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return value.description
        case .string(let text): return "'\(text)'"
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var slice = self[...]
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return slice
    }
}

/// Types plain (unquoted) scalars with PyYAML's YAML 1.1 rules, since HeaderService writes its files with
/// PyYAML and the reference reads them with it: `null`/`~`/empty, the YAML 1.1 booleans (`yes`, `off`,
/// ...), decimal, hexadecimal, octal and binary integers, and floats only with a decimal point (`1.0e+05`,
/// `.nan`, `-.inf`; PyYAML reads `1e5` as a string). Sexagesimal numbers (`1:30`) stay strings.
enum PlainScalar {
    static func resolve(_ text: String) -> HeaderValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        default: break
        }
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") || isDigit(first) else {
            return .string(text)
        }
        if let value = integer(bytes) { return value }
        if isFloat(bytes), let value = Double(String(decoding: bytes.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)) {
            return .double(value)
        }
        return .string(text)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private static func integer(_ bytes: [UInt8]) -> HeaderValue? {
        var body = bytes[...]
        var negative = false
        if let sign = body.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let radix: Int
        var digits: ArraySlice<UInt8>
        if body.starts(with: Array("0x".utf8)) {
            radix = 16; digits = body.dropFirst(2)
        } else if body.starts(with: Array("0b".utf8)) {
            radix = 2; digits = body.dropFirst(2)
        } else if body.count > 1, body.first == UInt8(ascii: "0") {
            radix = 8; digits = body.dropFirst()
        } else {
            radix = 10; digits = body
        }
        digits = digits.filter { $0 != UInt8(ascii: "_") }[...]
        // A leading underscore or an empty digit string is not an integer in PyYAML either.
        guard !digits.isEmpty, radix != 10 || isDigit(body.first!) else { return nil }
        guard let magnitude = UInt64(String(decoding: digits, as: UTF8.self), radix: radix) else {
            // Too large for 64 bits but still all digits: keep the number, as a double.
            if radix == 10, digits.allSatisfy(isDigit), let value = Double(String(decoding: digits, as: UTF8.self)) {
                return .double(negative ? -value : value)
            }
            return nil
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .double(-Double(magnitude)) }
            return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .double(Double(magnitude)) }
        return .int(Int64(magnitude))
    }

    /// PyYAML's float pattern: `[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?` (the leading-digits part
    /// optional only when digits follow the point).
    private static func isFloat(_ bytes: [UInt8]) -> Bool {
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) || (index > integerStart && bytes[index] == UInt8(ascii: "_")) { index += 1 }
        let hasInteger = index > integerStart
        guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return false }
        index += 1
        let fractionStart = index
        while index < bytes.count, isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_") { index += 1 }
        guard hasInteger || (index > fractionStart && isDigit(bytes[fractionStart])) else { return false }
        if index == bytes.count { return true }
        guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return false }
        index += 1
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") else { return false }
        index += 1
        let exponentStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index == bytes.count && index > exponentStart
    }
}
