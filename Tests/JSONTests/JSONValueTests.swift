import JSON
import Testing

@Suite("JSONValue: strict parsing and writing")
struct JSONValueTests {
    @Test("documents round-trip exactly, keeping member order and number text", arguments: [
        #"{"b":1,"a":[true,false,null],"c":{"d":"e"}}"#,
        #"[1,1.0,-0,0.5,1e3,1E+3,-2.5e-7,9007199254740993,123456789012345678901234567890]"#,
        #"{"":""}"#, "[]", "{}", "null", "true", "false", "0", "-1", #""snowman ☃ and 😀""#,
    ])
    func roundTrip(text: String) throws {
        let value = try JSONValue.parse(text)
        // Compact input comes out byte for byte as it went in.
        #expect(value.serialized == text)
        let again = try JSONValue.parse(value.serialized)
        #expect(exactlyEqual(value, again))
        #expect(value == again)
    }

    @Test("escapes are decoded, and written back in the one canonical form")
    func escapesRoundTrip() throws {
        let text = #""\"\\\/\b\f\n\r\t\u0001""#
        let value = try JSONValue.parse(text)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\t\u{01}"))
        #expect(value.serialized == #""\"\\/\u0008\u000c\n\r\t\u0001""#)
        #expect(exactlyEqual(try JSONValue.parse(value.serialized), value))
    }

    @Test("serialization is compact and escapes what it must")
    func serialization() throws {
        let value = try JSONValue.parse(" { \"a\" : [ 1 , \"x\\u00e9\\ud83d\\ude00\" ] , \"b\" : \"\\/\" } ")
        #expect(value.serialized == #"{"a":[1,"xé😀"],"b":"/"}"#)
        #expect(JSONValue.string("q\"b\\n\n\u{7F}\u{0}").serialized == #""q\"b\\n\n\u007f\u0000""#)
        #expect(JSONValue.double(.nan) == .null)
        #expect(JSONValue.double(.infinity) == .null)
        #expect(JSONValue.double(2.5).serialized == "2.5")
        #expect(JSONValue.int(Int64.min).serialized == "-9223372036854775808")
    }

    @Test("numbers keep their text: 3 and 3.0 are different ints and floats")
    func numberText() throws {
        #expect(JSONValue.isIntegerText(try JSONValue.parse("3").numberText ?? ""))
        #expect(!JSONValue.isIntegerText(try JSONValue.parse("3.0").numberText ?? ""))
        #expect(!JSONValue.isIntegerText(try JSONValue.parse("3E0").numberText ?? ""))
        #expect(try JSONValue.parse("9223372036854775808").numberText == "9223372036854775808")
        #expect(try JSONValue.parse(#"{"a":1}"#)["a"]?.numberText == "1")
        // Equality of numbers is by value; exact text is kept for writing.
        #expect(try JSONValue.parse("1.0") == JSONValue.parse("1"))
        #expect(!exactlyEqual(try JSONValue.parse("1.0"), try JSONValue.parse("1")))
    }

    @Test("nesting up to the limit parses; one level more does not")
    func depthLimit() throws {
        let limit = JSONValue.maximumDepth
        let ok = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let deep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(parseError(deep)?.reason == "nesting deeper than 64 levels")
        let hostile = String(repeating: "[", count: 100_000)
        #expect(parseError(hostile)?.reason == "nesting deeper than 64 levels")
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(parseError(objects)?.reason == "nesting deeper than 64 levels")
    }

    func parseError(_ text: String) -> JSONParseError? {
        parseError(Array(text.utf8))
    }

    func parseError(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("hostile and invalid documents are rejected with a reason and an offset", arguments: [
        ("", "unexpected end of input", 0), ("   ", "unexpected end of input", 3), ("01", "unexpected data after the document", 1),
        ("1.", "invalid number: no digits after '.'", 2), ("-", "truncated number", 1), ("-a", "invalid number", 1),
        ("1e", "invalid number: no exponent digits", 2), ("1e+", "invalid number: no exponent digits", 3), (".5", "unexpected character", 0),
        ("+1", "unexpected character", 0), ("0x10", "unexpected data after the document", 1), ("Infinity", "unexpected character", 0),
        (#""abc"#, "unterminated string", 4), (#""\"#, "unterminated string", 2), (#""\u12"#, "truncated \\u escape", 3),
        (#""\u12g4""#, "invalid \\u escape", 5), (#""\x""#, "invalid escape", 3), (#""\ud800""#, "unpaired surrogate", 7),
        (#""\udc00""#, "unpaired surrogate", 7), (#""\ud800\u0041""#, "unpaired surrogate", 13), ("\"a\tb\"", "control character in a string", 2),
        ("\"a\nb\"", "control character in a string", 2), (#"{"a":1,"a":2}"#, "duplicate member name \"a\"", 10),
        (#"{"a" 1}"#, "expected ':'", 5), (#"{"a":1 "b":2}"#, "expected ',' or '}'", 7), ("[1 2]", "expected ',' or ']'", 3),
        ("[1,]", "unexpected character", 3), ("{,}", "expected a member name", 1), ("tru", "invalid literal", 0),
        ("nul", "invalid literal", 0), ("nulll", "unexpected data after the document", 4), ("[", "unexpected end of input", 1),
        ("{\"a\":", "unexpected end of input", 5), (String(repeating: "1", count: 401), "number too long", 401),
    ])
    func invalid(text: String, reason: String, offset: Int) {
        let error = parseError(text)
        #expect(error?.reason == reason, "\(text.prefix(20)): \(String(describing: error))")
        #expect(error?.offset == offset, "\(text.prefix(20)): \(String(describing: error))")
    }

    @Test("invalid UTF-8 is rejected, in strings and outside them")
    func invalidUTF8() throws {
        #expect(parseError([0x22, 0xFF, 0x22])?.reason == "invalid UTF-8 in a string")
        #expect(parseError([0x22, 0xC3, 0x22])?.reason == "invalid UTF-8 in a string")
        // An overlong encoding of "/" and an encoded surrogate.
        #expect(parseError([0x22, 0xC0, 0xAF, 0x22])?.reason == "invalid UTF-8 in a string")
        #expect(parseError([0x22, 0xED, 0xA0, 0x80, 0x22])?.reason == "invalid UTF-8 in a string")
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x7B, 0x7D])?.reason == "unexpected character")
        #expect(parseError([0x5B, 0xFF, 0x5D])?.reason == "unexpected character")
        // Valid multi-byte text passes, also next to escapes.
        #expect(try JSONValue.parse([0x22, 0xC3, 0xA9, 0x5C, 0x6E, 0xC3, 0xA9, 0x22]) == .string("é\né"))
    }

    @Test("members and values are found by name")
    func accessors() throws {
        let value = try JSONValue.parse(#"{"i":1,"s":"x","a":[2],"n":null}"#)
        #expect(value["i"]?.numberText == "1")
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?.arrayValue == [.number("2")])
        #expect(value["n"] == .null)
        #expect(value["missing"] == nil)
        #expect(value["s"]?.numberText == nil && value["i"]?.stringValue == nil && value["i"]?.arrayValue == nil)
        #expect(JSONValue.array([])["i"] == nil)
    }
}

/// Exactly equal JSON: same structure, member order, and number text (so `1` differs from `1.0`).
func exactlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    a.serialized == b.serialized
}
