import JSON

// A strict JSON scanner over one chunk of an InfluxDB answer. It reads the answer's own shape and turns
// numbers straight into Doubles, rather than building a general JSON tree (the project's general
// parser, JSON.JSONValue, allocates a node per value, which a million-row answer cannot afford). UTF-8 and
// escapes are checked by the JSON module's pieces, so the scanner accepts exactly what the tree parser does.

/// Why an answer could not be read.
struct ResponseFailure: Error, Sendable {
    enum Kind: Sendable {
        /// Not the JSON shape InfluxDB writes.
        case malformed
        /// InfluxDB put an `"error"` in the answer: the message is the server's.
        case server
        /// The answer stopped before its last chunk.
        case truncated
        /// A chunk larger than the limit.
        case tooLarge
    }
    var kind: Kind
    var message: String
    /// The data ended where more was expected (so a cut connection, if it is the end of the answer).
    var atEnd = false

    static func malformed(_ message: String) -> ResponseFailure { ResponseFailure(kind: .malformed, message: message) }
}

/// Reads JSON tokens from `bytes[index...]`. Every read checks bounds; nothing traps on any input.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var index = 0

    /// Deepest nesting skipped inside members we do not read (InfluxDB's own shape is 6 deep).
    static let maximumDepth = 64
    /// Longest number text accepted (a double needs at most ~770 significant digits to be exact, and
    /// InfluxDB writes at most 17 plus an exponent).
    static let maximumNumberLength = 1024

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    var isAtEnd: Bool { index >= count }

    /// The current byte, or 0 at the end (a raw NUL is invalid anywhere in JSON, so 0 always stops).
    @inline(__always) var current: UInt8 { index < count ? base[index] : 0 }

    @inline(__always) mutating func skipWhitespace() {
        while index < count {
            switch base[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    func failure(_ what: String) -> ResponseFailure {
        if index >= count { return ResponseFailure(kind: .malformed, message: "\(what), but the chunk ended (byte \(index))", atEnd: true) }
        let byte = base[index]
        let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16)
        return .malformed("\(what), found \(shown) at byte \(index)")
    }

    /// Skips whitespace, then requires `byte`.
    @inline(__always) mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws(ResponseFailure) {
        skipWhitespace()
        guard current == byte else { throw failure("expected \(what())") }
        index += 1
    }

    /// Skips whitespace; consumes `byte` if it is next.
    @inline(__always) mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if current == byte {
            index += 1
            return true
        }
        return false
    }

    // MARK: Objects and arrays

    /// Reads the members of an object (after its `{`), calling `member` with each name; `member` must
    /// read the value. Duplicate names are left to `member` to refuse.
    mutating func members(_ member: (inout JSONScanner, String) throws(ResponseFailure) -> Void) throws(ResponseFailure) {
        if consume(UInt8(ascii: "}")) { return }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let name = try string()
            try expect(UInt8(ascii: ":"), "':' after a member name")
            skipWhitespace()
            try member(&self, name)
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return
        }
    }

    /// Reads the elements of an array (after its `[`); `element` must read each value.
    mutating func elements(_ element: (inout JSONScanner) throws(ResponseFailure) -> Void) throws(ResponseFailure) {
        if consume(UInt8(ascii: "]")) { return }
        while true {
            skipWhitespace()
            try element(&self)
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return
        }
    }

    /// Validates and skips any value, nested at most ``maximumDepth`` deep.
    mutating func skipValue(depth: Int = 0) throws(ResponseFailure) {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
            index += 1
            if consume(UInt8(ascii: "}")) { return }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                try skipString()
                try expect(UInt8(ascii: ":"), "':' after a member name")
                try skipValue(depth: depth + 1)
                if consume(UInt8(ascii: ",")) { continue }
                try expect(UInt8(ascii: "}"), "',' or '}' in an object")
                return
            }
        case UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
            index += 1
            if consume(UInt8(ascii: "]")) { return }
            while true {
                try skipValue(depth: depth + 1)
                if consume(UInt8(ascii: ",")) { continue }
                try expect(UInt8(ascii: "]"), "',' or ']' in an array")
                return
            }
        default:
            _ = try scalar()
        }
    }

    // MARK: Scalars

    /// What a scalar value was.
    enum Scalar {
        case number(Double)
        case bool(Bool)
        case string
        case null
    }

    /// Reads a number, boolean, string (skipped) or null; arrays and objects are an error.
    @inline(__always) mutating func scalar() throws(ResponseFailure) -> Scalar {
        switch current {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "\""): try skipString(); return .string
        case UInt8(ascii: "["), UInt8(ascii: "{"): throw failure("expected a number, boolean, string or null")
        default: throw failure("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(ResponseFailure) {
        let length = word.utf8CodeUnitCount
        guard count - index >= length else { throw failure("expected \(word)") }
        let text = word.utf8Start
        for offset in 0..<length where base[index + offset] != text[offset] {
            index += offset
            throw failure("expected \(word)")
        }
        index += length
        if isIdentifierByte(current) { throw failure("expected \(word)") }
    }

    private func isIdentifierByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// Reads a JSON number as the nearest Double. Out-of-range magnitudes (which InfluxDB never
    /// writes: it cannot store infinities) are an error rather than ±infinity.
    @inline(__always) mutating func number() throws(ResponseFailure) -> Double {
        let start = index
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var inexact = false  // a non-zero digit did not fit in the mantissa
        // Integer part: 0 or [1-9][0-9]*.
        let first = current
        if first == UInt8(ascii: "0") {
            index += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + UInt64(digit)
                    significantDigits += 1
                } else {
                    exponent += 1  // a dropped integer digit scales by ten
                    if digit != 0 { inexact = true }
                }
                index += 1
            }
        } else {
            throw failure("expected a digit")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if significantDigits < 19 {
                    if mantissa != 0 || digit != 0 {
                        mantissa = mantissa * 10 + UInt64(digit)
                        significantDigits += 1
                    }
                    exponent -= 1
                } else if digit != 0 {
                    inexact = true
                }
                index += 1
            }
            guard index > fractionStart else { throw failure("expected a digit after '.'") }
        }
        if current | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") {
                exponentNegative = current == UInt8(ascii: "-")
                index += 1
            }
            let digitsStart = index
            var explicit = 0
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if explicit < 100_000 { explicit = explicit * 10 + Int(digit) }  // saturates: far out of range either way
                index += 1
            }
            guard index > digitsStart else { throw failure("expected a digit in the exponent") }
            exponent += exponentNegative ? -explicit : explicit
        }
        guard index - start <= Self.maximumNumberLength else {
            index = start
            throw failure("a number longer than \(Self.maximumNumberLength) characters")
        }
        if isIdentifierByte(current) || current == UInt8(ascii: ".") || current == UInt8(ascii: "-") || current == UInt8(ascii: "+") {
            throw failure("expected the end of a number")
        }
        var value: Double
        if !inexact, let fast = DecimalConversion.double(mantissa: mantissa, exponent: exponent) {
            value = fast
        } else {
            // Rare (more than 19 significant digits, or a magnitude beyond 1e±27 with many digits):
            // the standard library's correctly rounded parser, which needs a String.
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
            guard let parsed = Double(text) else {
                index = start
                throw failure("a malformed number")
            }
            value = parsed.magnitude
        }
        guard value.isFinite else {
            index = start
            throw failure("a number beyond the range of a double")
        }
        if negative { value = -value }
        return value
    }

    /// Reads an integer that fits in Int64 (InfluxDB's `epoch=ns` times); a fraction or exponent is
    /// an error.
    @inline(__always) mutating func int64() throws(ResponseFailure) -> Int64 {
        let start = index
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        // Accumulate negatively so Int64.min is reachable.
        var value: Int64 = 0
        let first = current
        if first == UInt8(ascii: "0") {
            index += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while index < count {
                let digit = base[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = times10.subtractingReportingOverflow(Int64(digit))
                guard !overflow1 && !overflow2 else {
                    index = start
                    throw failure("an integer beyond 64 bits")
                }
                value = next
                index += 1
            }
        } else {
            throw failure("expected an integer")
        }
        if current == UInt8(ascii: ".") || current | 0x20 == UInt8(ascii: "e") {
            index = start
            throw failure("expected an integer (nanoseconds), not a fraction")
        }
        if isIdentifierByte(current) { throw failure("expected the end of a number") }
        if negative { return value }
        guard value != Int64.min else {
            index = start
            throw failure("an integer beyond 64 bits")
        }
        return -value
    }

    // MARK: Strings

    /// Validates and skips a string (the scanner is at its opening quote).
    mutating func skipString() throws(ResponseFailure) {
        try scanString(into: nil)
    }

    /// Reads and decodes a string (the scanner is at its opening quote).
    mutating func string() throws(ResponseFailure) -> String {
        let start = index + 1
        // Fast path: no escapes, so the text is the bytes between the quotes (already validated).
        var decoded: [UInt8] = []
        let escaped = try scanString(into: &decoded)
        if !escaped {
            return String(decoding: UnsafeBufferPointer(start: base + start, count: index - 1 - start), as: UTF8.self)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Scans a string: UTF-8 must be well formed, control characters escaped, escapes valid
    /// (surrogates paired). With `output`, collects the decoded bytes once an escape is met (the
    /// text before it included). Returns whether any escape was met.
    @discardableResult
    private mutating func scanString(into output: UnsafeMutablePointer<[UInt8]>?) throws(ResponseFailure) -> Bool {
        index += 1  // the opening quote
        let contentStart = index
        var escaped = false
        while true {
            guard index < count else { throw failure("expected the end of a string") }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return escaped
            }
            if byte == UInt8(ascii: "\\") {
                if !escaped, let output {
                    output.pointee.append(contentsOf: UnsafeBufferPointer(start: base + contentStart, count: index - contentStart))
                }
                escaped = true
                try escape(into: output)
                continue
            }
            if byte < 0x20 { throw failure("a control character in a string") }
            let length: Int
            if byte < 0x80 {
                length = 1
            } else {
                length = try utf8Sequence()
            }
            if escaped, let output {
                output.pointee.append(contentsOf: UnsafeBufferPointer(start: base + index, count: length))
            }
            index += length
        }
    }

    /// The length of the well-formed UTF-8 sequence at `index` (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    private func utf8Sequence() throws(ResponseFailure) -> Int {
        switch UTF8Validation.sequence(at: index, in: base, count: count) {
        case .valid(let length): return length
        case .invalid: throw failure("invalid UTF-8")
        case .cutShort: throw failure("invalid UTF-8 (a sequence cut short)")
        }
    }

    /// Reads one escape (the scanner is at its backslash).
    private mutating func escape(into output: UnsafeMutablePointer<[UInt8]>?) throws(ResponseFailure) {
        let scalar: Unicode.Scalar
        do {
            scalar = try JSONEscape.decode(base, count: count, index: &index)
        } catch {
            switch error {
            case .unterminated: throw failure("an unterminated string")
            case .invalidEscape: throw failure("an invalid escape in a string")
            case .truncatedUnicode: throw failure("an unterminated \\u escape")
            case .invalidHexDigit: throw failure("a \\u escape without four hex digits")
            case .unpairedSurrogate: throw failure("an unpaired surrogate escape")
            }
        }
        guard let output else { return }
        if scalar.isASCII {
            output.pointee.append(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            output.pointee.append(contentsOf: UTF8.encode(scalar).unsafelyUnwrapped)
        }
    }
}
