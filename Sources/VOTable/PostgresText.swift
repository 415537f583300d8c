import Foundation

/// Readers of PostgreSQL's text output, over UTF-8 bytes and without building strings. Each returns
/// `nil` (or `false`) for text that is not the form PostgreSQL writes for the type with its default
/// settings (`DateStyle` ISO, `bytea_output` hex, pgSphere output in radians); the writers then write
/// NULL, so one odd value can neither stop the stream nor put bytes into it that a reader would take
/// for another column.
enum PostgresText {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: Integers

    /// A decimal integer (`-?[0-9]+`) within `range`.
    static func integer(_ text: Bytes, in range: ClosedRange<Int64>) -> Int64? {
        integer(text, from: 0, to: text.count, in: range)
    }

    static func integer(_ text: Bytes, from start: Int, to end: Int, in range: ClosedRange<Int64>) -> Int64? {
        var index = start
        guard index < end else { return nil }
        let negative = text[index] == UInt8(ascii: "-")
        if negative || text[index] == UInt8(ascii: "+") { index += 1 }
        guard index < end, end - index <= 19 else { return nil }
        var value: Int64 = 0
        while index < end {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            // Accumulating negatively reaches Int64.min without overflow.
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times.subtractingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        if !negative {
            guard value != .min else { return nil }
            value = -value
        }
        return range.contains(value) ? value : nil
    }

    // MARK: Floating point

    /// The special values PostgreSQL writes for floats and numerics.
    enum Special { case nan, infinity, negativeInfinity }

    static func special(_ text: Bytes, from start: Int, to end: Int) -> Special? {
        let length = end - start
        guard length == 3 || length == 8 || length == 9 else { return nil }
        func matches(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == length else { return false }
            let pointer = word.utf8Start
            for offset in 0..<length where text[start + offset] != pointer[offset] { return false }
            return true
        }
        if matches("NaN") { return .nan }
        if matches("Infinity") { return .infinity }
        if matches("-Infinity") { return .negativeInfinity }
        return nil
    }

    /// Whether `text[start..<end]` is a decimal number: `[+-]?digits[.digits][(e|E)[+-]digits]`, with
    /// at least one digit before the exponent. (No hex, no `inf`, no spaces, which `strtod` would take.)
    static func isDecimal(_ text: Bytes, from start: Int, to end: Int) -> Bool {
        var index = start
        if index < end, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") { index += 1 }
        var digits = 0
        while index < end, isDigit(text[index]) { index += 1; digits += 1 }
        if index < end, text[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, isDigit(text[index]) { index += 1; digits += 1 }
        }
        guard digits > 0 else { return false }
        if index < end, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") { index += 1 }
            var exponentDigits = 0
            while index < end, isDigit(text[index]) { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return index == end
    }

    /// A double from a decimal number or a special value.
    static func double(_ text: Bytes, from start: Int, to end: Int) -> Double? {
        if let special = special(text, from: start, to: end) {
            switch special {
            case .nan: return .nan
            case .infinity: return .infinity
            case .negativeInfinity: return -.infinity
            }
        }
        guard isDecimal(text, from: start, to: end) else { return nil }
        if let (mantissa, exponent, negative) = smallDecimal(text, from: start, to: end), mantissa <= 1 << 53,
            (-22...22).contains(exponent)
        {
            // Clinger's fast path: both operands are exact doubles, so one correctly rounded operation
            // gives the correctly rounded value, as strtod would.
            let value = exponent < 0 ? Double(mantissa) / powersOfTen[-exponent] : Double(mantissa) * powersOfTen[exponent]
            return negative ? -value : value
        }
        return withCString(text, from: start, to: end) { strtod($0, nil) }
    }

    /// The digits of a decimal number (checked by ``isDecimal``) as an integer and a power of ten, when
    /// there are at most 19 significant digits and a short exponent.
    private static func smallDecimal(_ text: Bytes, from start: Int, to end: Int) -> (UInt64, Int, Bool)? {
        var index = start
        var negative = false
        if text[index] == UInt8(ascii: "-") { negative = true; index += 1 } else if text[index] == UInt8(ascii: "+") { index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var seenPoint = false
        while index < end {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if isDigit(byte) {
                if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 19 else { return nil }
                mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                if seenPoint { exponent -= 1 }
            } else {
                break
            }
            index += 1
        }
        if index < end {
            // The exponent: isDecimal has checked its form.
            index += 1
            var exponentNegative = false
            if text[index] == UInt8(ascii: "-") { exponentNegative = true; index += 1 } else if text[index] == UInt8(ascii: "+") { index += 1 }
            guard end - index <= 3 else { return nil }
            var value = 0
            while index < end { value = value * 10 + Int(text[index] &- UInt8(ascii: "0")); index += 1 }
            exponent += exponentNegative ? -value : value
        }
        return (mantissa, exponent, negative)
    }

    private static let powersOfTen: [Double] = (0...22).map { power in
        var value = 1.0
        for _ in 0..<power { value *= 10 }
        return value
    }
    private static let floatPowersOfTen: [Float] = (0...10).map { power in
        var value: Float = 1
        for _ in 0..<power { value *= 10 }
        return value
    }

    /// A float from a decimal number or a special value, rounded once from the decimal text (PostgreSQL
    /// writes `real` values as the shortest text that reads back to the same float).
    static func float(_ text: Bytes, from start: Int, to end: Int) -> Float? {
        if let special = special(text, from: start, to: end) {
            switch special {
            case .nan: return .nan
            case .infinity: return .infinity
            case .negativeInfinity: return -.infinity
            }
        }
        guard isDecimal(text, from: start, to: end) else { return nil }
        if let (mantissa, exponent, negative) = smallDecimal(text, from: start, to: end), mantissa <= 1 << 24,
            (-10...10).contains(exponent)
        {
            let value = exponent < 0 ? Float(mantissa) / floatPowersOfTen[-exponent] : Float(mantissa) * floatPowersOfTen[exponent]
            return negative ? -value : value
        }
        return withCString(text, from: start, to: end) { strtof($0, nil) }
    }

    @inline(__always)
    private static func withCString<T>(_ text: Bytes, from start: Int, to end: Int, _ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { buffer in
            for offset in 0..<(end - start) { buffer[offset] = CChar(bitPattern: text[start + offset]) }
            buffer[end - start] = 0
            return body(buffer.baseAddress!)
        }
    }

    // MARK: Booleans

    static func boolean(_ text: Bytes) -> Bool? {
        guard text.count == 1 else {
            if text.count == 4, text[0] == UInt8(ascii: "t"), text[1] == UInt8(ascii: "r"), text[2] == UInt8(ascii: "u"), text[3] == UInt8(ascii: "e") { return true }
            if text.count == 5, text[0] == UInt8(ascii: "f"), text[1] == UInt8(ascii: "a"), text[2] == UInt8(ascii: "l"), text[3] == UInt8(ascii: "s"), text[4] == UInt8(ascii: "e") { return false }
            return nil
        }
        switch text[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    // MARK: Times

    /// Whether `text` is `YYYY-MM-DD` (a four-digit year: PostgreSQL writes BC dates with a ` BC` suffix
    /// and `infinity` as a word, neither of which has an ISO 8601 form a VOTable reader accepts).
    static func isDate(_ text: Bytes) -> Bool {
        text.count == 10 && isDate(text, at: 0)
    }

    private static func isDate(_ text: Bytes, at start: Int) -> Bool {
        isDigit(text[start]) && isDigit(text[start + 1]) && isDigit(text[start + 2]) && isDigit(text[start + 3])
            && text[start + 4] == UInt8(ascii: "-") && isDigit(text[start + 5]) && isDigit(text[start + 6])
            && text[start + 7] == UInt8(ascii: "-") && isDigit(text[start + 8]) && isDigit(text[start + 9])
    }

    /// Whether `text` is a time of day `hh:mm:ss[.f…]`.
    static func isTime(_ text: Bytes) -> Bool {
        guard text.count >= 8, timeEnd(text, from: 0) == text.count else { return false }
        return true
    }

    /// The end of `hh:mm:ss[.f…]` starting at `start`, or `nil`.
    private static func timeEnd(_ text: Bytes, from start: Int) -> Int? {
        guard text.count >= start + 8,
            isDigit(text[start]), isDigit(text[start + 1]), text[start + 2] == UInt8(ascii: ":"),
            isDigit(text[start + 3]), isDigit(text[start + 4]), text[start + 5] == UInt8(ascii: ":"),
            isDigit(text[start + 6]), isDigit(text[start + 7])
        else { return nil }
        var index = start + 8
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < text.count, isDigit(text[index]) { index += 1 }
            guard index > digitsStart else { return nil }
        }
        return index
    }

    /// A PostgreSQL timestamp `YYYY-MM-DD hh:mm:ss[.f…][±hh[:mm[:ss]]]`: where the time ends and the
    /// zone offset in seconds (`nil` when there is none).
    struct Timestamp {
        var end: Int
        var offsetSeconds: Int?
    }

    static func timestamp(_ text: Bytes) -> Timestamp? {
        guard text.count >= 19, isDate(text, at: 0), text[10] == UInt8(ascii: " "),
            let end = timeEnd(text, from: 11)
        else { return nil }
        if end == text.count { return Timestamp(end: end, offsetSeconds: nil) }
        let sign = text[end]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        var index = end + 1
        var seconds = 0
        var unit = 3600
        while true {
            guard index + 2 <= text.count, isDigit(text[index]), isDigit(text[index + 1]), unit >= 1 else { return nil }
            seconds += (Int(text[index] - 48) * 10 + Int(text[index + 1] - 48)) * unit
            index += 2
            if index == text.count { break }
            guard text[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            unit /= 60
        }
        return Timestamp(end: end, offsetSeconds: sign == UInt8(ascii: "-") ? -seconds : seconds)
    }

    // MARK: bytea

    /// The bytes of bytea hex output (`\x` then pairs of hex digits), visited in order; `false` when
    /// the text is not that form (the old `escape` output is not read).
    static func hexBytes(_ text: Bytes, _ body: (UInt8) -> Void) -> Bool {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return false }
        var index = 2
        while index < text.count {
            guard let high = hexValue(text[index]), let low = hexValue(text[index + 1]) else { return false }
            body(high << 4 | low)
            index += 2
        }
        return true
    }

    static func isHexBytes(_ text: Bytes) -> Bool {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return false }
        for index in 2..<text.count where hexValue(text[index]) == nil { return false }
        return true
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: Arrays and pgSphere values

    /// The element ranges of a one-dimensional array `{a,b,c}` (`{}` has none); `nil` for anything
    /// else: nested arrays, explicit bounds (`[0:2]={…}`), quoted elements. An element may be `NULL`.
    static func arrayElements(_ text: Bytes, _ body: (Int, Int) -> Bool) -> Bool {
        guard text.count >= 2, text[0] == UInt8(ascii: "{"), text[text.count - 1] == UInt8(ascii: "}") else { return false }
        let end = text.count - 1
        if end == 1 { return true }
        var start = 1
        var index = 1
        while index <= end {
            let byte = text[index]
            if index == end || byte == UInt8(ascii: ",") {
                guard index > start, body(start, index) else { return false }
                start = index + 1
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "\"") {
                return false
            }
            index += 1
        }
        return true
    }

    @inline(__always)
    static func isNullElement(_ text: Bytes, from start: Int, to end: Int) -> Bool {
        end - start == 4 && text[start] == UInt8(ascii: "N") && text[start + 1] == UInt8(ascii: "U")
            && text[start + 2] == UInt8(ascii: "L") && text[start + 3] == UInt8(ascii: "L")
    }

    /// The numbers of a pgSphere value in order (`(0.1 , 0.2)`, `<(0.1 , 0.2) , 0.05>`,
    /// `{(0.1 , 0.2),(…)}`, `((…), (…))`); `false` when anything but brackets, commas, spaces and
    /// decimal numbers appears (pgSphere's degree or DMS output, for one).
    static func sphereNumbers(_ text: Bytes, _ body: (Double) -> Void) -> Bool {
        var index = 0
        let count = text.count
        while index < count {
            switch text[index] {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "{"),
                UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: " "):
                index += 1
            default:
                let start = index
                while index < count, isNumberByte(text[index]) { index += 1 }
                guard index > start, isDecimal(text, from: start, to: index),
                    let value = double(text, from: start, to: index), value.isFinite
                else { return false }
                body(value)
            }
        }
        return true
    }

    @inline(__always)
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// How many numbers a pgSphere value of `kind` holds, or `nil` when `count` does not fit it.
    static func sphereCountFits(_ kind: ValueKind, _ count: Int) -> Bool {
        switch kind {
        case .point: count == 2
        case .circle: count == 3
        case .box: count == 4
        case .polygon: count >= 6 && count % 2 == 0
        default: false
        }
    }

    static let degreesPerRadian = 180 / Double.pi
}
