/// Why a document is not acceptable JSON, with the byte offset where that was found.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }

    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }
}

/// Bounds on what a parse accepts, so a hostile document gets an error, never a stack overflow or an
/// unbounded allocation.
public struct JSONLimits: Sendable {
    /// Deepest nesting of arrays and objects; the parser recurses once per level.
    public var maximumDepth: Int
    /// Longest number text (a double needs at most ~770 significant digits; nobody writes that many).
    public var maximumNumberLength: Int
    /// Largest document, in bytes.
    public var maximumBytes: Int

    /// Request bodies need three or four levels.
    public static let standard = JSONLimits(maximumDepth: 64, maximumNumberLength: 400, maximumBytes: 64 << 20)

    public init(maximumDepth: Int, maximumNumberLength: Int = 400, maximumBytes: Int = 64 << 20) {
        self.maximumDepth = maximumDepth
        self.maximumNumberLength = maximumNumberLength
        self.maximumBytes = maximumBytes
    }
}

extension JSONValue {
    /// Deepest nesting accepted by default; real request bodies need three or four levels.
    public static let maximumDepth = JSONLimits.standard.maximumDepth

    /// Parses one JSON document (surrounding whitespace allowed, nothing else after it).
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        if let result = bytes.withContiguousStorageIfAvailable({ parseResult($0, limits: limits) }) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { parseResult($0, limits: limits) }.get()
    }

    public static func parse(_ text: String, limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseResult($0, limits: limits) }.get()
    }

    /// The standard library's buffer accessors rethrow untyped errors: the result crosses them as a value.
    private static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) in try parse(buffer, limits: limits) }
    }

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits) throws(JSONParseError) -> JSONValue {
        guard buffer.count <= limits.maximumBytes else {
            throw JSONParseError(reason: "document larger than \(limits.maximumBytes) bytes", offset: limits.maximumBytes)
        }
        guard let base = buffer.baseAddress else { throw JSONParseError(reason: "unexpected end of input", offset: 0) }
        var parser = JSONTreeParser(base: base, count: buffer.count, limits: limits)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.count else { throw parser.error("unexpected data after the document") }
        return value
    }
}

/// Reads a whole document into a ``JSONValue`` tree; every read checks bounds.
private struct JSONTreeParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let limits: JSONLimits
    var index = 0

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.count = count
        self.limits = limits
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(reason: reason, offset: index) }

    /// The current byte, or 0 at the end (a raw NUL is invalid anywhere in JSON, so 0 always stops).
    @inline(__always) var current: UInt8 { index < count ? base[index] : 0 }

    mutating func skipWhitespace() {
        while index < count {
            switch base[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < limits.maximumDepth else { throw error("nesting deeper than \(limits.maximumDepth) levels") }
        guard index < count else { throw error("unexpected end of input") }
        switch base[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let length = word.utf8CodeUnitCount
        guard count - index >= length else { throw error("invalid literal") }
        for offset in 0..<length where base[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal")
        }
        index += length
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var members: [(String, JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object([]) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let name = try parseString()
            // Most objects are small: a linear check is cheaper than hashing until they are not.
            let duplicate = members.count < 16 ? members.contains { $0.0 == name } : !seen.insert(name).inserted
            if members.count == 15 { seen = Set(members.map(\.0) + [name]) }
            guard !duplicate else { throw error("duplicate member name \"\(name)\"") }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            members.append((name, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard index < count else { throw error("unexpected end of input in an object") }
            if base[index] == UInt8(ascii: ",") { index += 1; continue }
            if base[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array([]) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < count else { throw error("unexpected end of input in an array") }
            if base[index] == UInt8(ascii: ",") { index += 1; continue }
            if base[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    /// Skips decimal digits; returns how many.
    mutating func digits() -> Int {
        let begin = index
        while index < count, base[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return index - begin
    }

    mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        if base[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count else { throw error("truncated number") }
        if base[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if current | 0x20 == UInt8(ascii: "e") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid number: no exponent digits") }
        }
        guard index - start <= limits.maximumNumberLength else { throw error("number too long") }
        return text(start, index)
    }

    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
    }

    /// True when `base[start..<end]` is well-formed UTF-8 (the caller knows whether it is all ASCII).
    func isValidUTF8(_ start: Int, _ end: Int) -> Bool {
        UTF8Validation.isValid(UnsafeBufferPointer(start: base + start, count: end - start))
    }

    mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        // Most strings have no escapes, and most are ASCII: copied in one step, validated only when not.
        let start = index
        var ascii = true
        while index < count {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                guard ascii || isValidUTF8(start, index) else { throw error("invalid UTF-8 in a string") }
                index += 1
                return text(start, index - 1)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        // Escapes (or an error): decoded into bytes, each run between escapes validated on its own.
        var decoded: [UInt8] = []
        var runStart = start
        index = start
        while index < count {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                guard isValidUTF8(runStart, index) else { throw error("invalid UTF-8 in a string") }
                decoded.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: decoded, as: UTF8.self)
                }
                let scalar: Unicode.Scalar
                do {
                    scalar = try JSONEscape.decode(base, count: count, index: &index)
                } catch {
                    throw escapeError(error)
                }
                if scalar.isASCII {
                    decoded.append(UInt8(truncatingIfNeeded: scalar.value))
                } else {
                    decoded.append(contentsOf: UTF8.encode(scalar).unsafelyUnwrapped)
                }
                runStart = index
                continue
            }
            if byte < 0x20 { throw error("control character in a string") }
            index += 1
        }
        throw error("unterminated string")
    }

    mutating func escapeError(_ failure: JSONEscape.Failure) -> JSONParseError {
        switch failure {
        case .unterminated: return error("unterminated string")
        case .invalidEscape:
            // Reported after the escape's character, as this parser always has.
            index += 1
            return error("invalid escape")
        case .truncatedUnicode: return error("truncated \\u escape")
        case .invalidHexDigit: return error("invalid \\u escape")
        case .unpairedSurrogate: return error("unpaired surrogate")
        }
    }
}
