/// Decoding of the escapes in a JSON string (RFC 8259 section 7), shared by the tree parser and the
/// InfluxDB answer scanner so both accept exactly the same escapes and pair surrogates the same way.
public enum JSONEscape {
    /// Why an escape is not acceptable. Each reader words its own message.
    public enum Failure: Error, Sendable, Equatable {
        /// The text ended right after the backslash.
        case unterminated
        /// A backslash followed by a character that starts no escape (the index is at that character).
        case invalidEscape
        /// Fewer than four characters after `\u`.
        case truncatedUnicode
        /// A character of the four after `\u` that is not a hex digit (the index is at it).
        case invalidHexDigit
        /// A high surrogate not followed by `\u` and a low one, or a low surrogate alone.
        case unpairedSurrogate
    }

    /// Decodes the escape whose backslash is at `index`, leaving `index` just after it. On failure `index`
    /// is where the problem was found (see ``Failure``).
    @inlinable
    public static func decode(_ base: UnsafePointer<UInt8>, count: Int, index: inout Int) throws(Failure) -> Unicode.Scalar {
        index += 1
        guard index < count else { throw .unterminated }
        let simple: UInt8
        switch base[index] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            index += 1
            return try unicode(base, count: count, index: &index)
        default: throw .invalidEscape
        }
        index += 1
        return Unicode.Scalar(simple)
    }

    /// The scalar of a `\uXXXX` escape whose hex digits start at `index`, joining a surrogate pair.
    @inlinable
    static func unicode(_ base: UnsafePointer<UInt8>, count: Int, index: inout Int) throws(Failure) -> Unicode.Scalar {
        let unit = try hex4(base, count: count, index: &index)
        if unit >= 0xDC00 && unit <= 0xDFFF { throw .unpairedSurrogate }
        guard unit >= 0xD800 && unit <= 0xDBFF else {
            // Not a surrogate, so always a scalar.
            return Unicode.Scalar(unit).unsafelyUnwrapped
        }
        guard count - index >= 2, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u") else {
            throw .unpairedSurrogate
        }
        index += 2
        let low = try hex4(base, count: count, index: &index)
        guard low >= 0xDC00 && low <= 0xDFFF else { throw .unpairedSurrogate }
        // Beyond U+FFFF and at most U+10FFFF, not a surrogate: always a scalar.
        return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)).unsafelyUnwrapped
    }

    @inlinable
    static func hex4(_ base: UnsafePointer<UInt8>, count: Int, index: inout Int) throws(Failure) -> UInt32 {
        guard count - index >= 4 else { throw .truncatedUnicode }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = base[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw .invalidHexDigit
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
