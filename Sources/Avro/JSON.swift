/// A JSON document as the schema parser and the registry client read it.
///
/// Avro schemas are JSON, and the registry wraps them in JSON again. The module keeps its own small strict
/// parser rather than Foundation's so it keeps member order (field order is the wire order in Avro), keeps
/// number text exact (defaults of long fields), rejects duplicate member names and bounds nesting, so a
/// hostile schema from the network gets an error, never a stack overflow.
enum JSON: Sendable {
    case null
    case bool(Bool)
    /// A number with its text as written.
    case number(String)
    case string(String)
    case array([JSON])
    /// Members in document order; names are unique.
    case object([(String, JSON)])

    /// The member `name` of an object.
    subscript(_ name: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A short name of the JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Deepest nesting accepted. An Avro type costs up to three JSON levels (record, fields array, field
    /// object), so this leaves room for ``AvroSchema/maximumDepth`` types and stays far from the stack's end.
    static let maximumDepth = 256

    static func parse(_ text: String) throws(AvroError) -> JSON {
        try parse(Array(text.utf8))
    }

    /// Parses one document: surrounding whitespace allowed, nothing else after it.
    static func parse(_ bytes: [UInt8]) throws(AvroError) -> JSON {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected data after the document") }
        return value
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    func error(_ reason: String) -> AvroError {
        AvroError(.invalidJSON, "invalid JSON at character \(index): \(reason)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(AvroError) -> JSON {
        guard depth < JSON.maximumDepth else { throw error("nesting deeper than \(JSON.maximumDepth) levels") }
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    mutating func literal(_ word: String) throws(AvroError) {
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else { throw error("invalid literal") }
            index += 1
        }
    }

    mutating func expect(_ character: Character) throws(AvroError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == character.asciiValue else { throw error("expected '\(character)'") }
        index += 1
    }

    /// True (and consumes it) when the next non-space character is `character`.
    mutating func consume(_ character: Character) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
        index += 1
        return true
    }

    mutating func object(depth: Int) throws(AvroError) -> JSON {
        index += 1
        var members: [(String, JSON)] = []
        var names = Set<String>()
        if consume("}") { return .object([]) }
        repeat {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let name = try string()
            guard names.insert(name).inserted else { throw error("duplicate member name \(AvroError.quoted(name))") }
            try expect(":")
            skipWhitespace()
            members.append((name, try value(depth: depth + 1)))
        } while consume(",")
        try expect("}")
        return .object(members)
    }

    mutating func array(depth: Int) throws(AvroError) -> JSON {
        index += 1
        var items: [JSON] = []
        if consume("]") { return .array([]) }
        repeat {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
        } while consume(",")
        try expect("]")
        return .array(items)
    }

    mutating func digits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    mutating func number() throws(AvroError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid number: no exponent digits") }
        }
        guard index - start <= 400 else { throw error("number too long") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func string() throws(AvroError) -> String {
        index += 1
        var utf8: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard UTF8Validation.isValid(utf8) else { throw error("invalid UTF-8 in a string") }
                return String(decoding: utf8, as: UTF8.self)
            case ..<0x20:
                throw error("control character in a string")
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unterminated string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): utf8.append(contentsOf: String(try unicodeEscape()).utf8)
                default: throw error("invalid escape")
                }
            default:
                utf8.append(byte)
            }
        }
        throw error("unterminated string")
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already read), joining a surrogate pair.
    mutating func unicodeEscape() throws(AvroError) -> Unicode.Scalar {
        let unit = try hex4()
        if (0xDC00...0xDFFF).contains(unit) { throw error("unpaired surrogate") }
        guard (0xD800...0xDBFF).contains(unit) else {
            guard let scalar = Unicode.Scalar(unit) else { throw error("invalid \\u escape") }
            return scalar
        }
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
            throw error("unpaired surrogate")
        }
        index += 2
        let low = try hex4()
        guard (0xDC00...0xDFFF).contains(low),
              let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
        else { throw error("unpaired surrogate") }
        return scalar
    }

    mutating func hex4() throws(AvroError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }
}
