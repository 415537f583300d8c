import JSON
import Testing
import TestSupport

@Suite("JSON parsing: malformed, truncated, oversized and hostile input")
struct HostileInputTests {
    static let sample = #"{"name":"r\u00e9cord ☃","values":[1,-2.5e-3,true,false,null,"a\"b\\c\n"],"nested":{"x":[[],{}],"y":12345678901234567890}}"#

    func parseError(_ bytes: [UInt8], limits: JSONLimits = .standard) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test("every proper prefix of a document is refused (a truncated body never parses)")
    func truncated() throws {
        let bytes = Array(Self.sample.utf8)
        #expect(try JSONValue.parse(bytes)["nested"]?["y"]?.numberText == "12345678901234567890")
        for length in 0..<bytes.count {
            let error = parseError(Array(bytes[..<length]))
            #expect(error != nil, "prefix of \(length) bytes parsed")
            if let error { #expect(error.offset <= length, "\(error)") }
        }
    }

    @Test("documents larger than the size limit are refused before parsing")
    func oversized() {
        let limits = JSONLimits(maximumDepth: 64, maximumBytes: 10)
        #expect(parseError(Array("[1,2,3,4,5]".utf8), limits: limits)?.reason == "document larger than 10 bytes")
        #expect(parseError(Array("[1,2,3,4]".utf8), limits: limits) == nil)
        #expect(parseError(Array(("\"" + String(repeating: "x", count: 100) + "\"").utf8), limits: limits) != nil)
    }

    @Test("the number and depth limits are configurable")
    func configurableLimits() {
        let limits = JSONLimits(maximumDepth: 3, maximumNumberLength: 5)
        #expect(parseError(Array("[[1]]".utf8), limits: limits) == nil)
        #expect(parseError(Array("[[[1]]]".utf8), limits: limits)?.reason == "nesting deeper than 3 levels")
        #expect(parseError(Array("-1234".utf8), limits: limits) == nil)
        #expect(parseError(Array("-12345".utf8), limits: limits)?.reason == "number too long")
        // Avro schemas nest deeper than request bodies: 256 levels.
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(parseError(Array(deep.utf8), limits: JSONLimits(maximumDepth: 256)) == nil)
    }

    @Test("bytes that are never JSON outside strings are refused", arguments: [
        "\u{0}", "[\u{0}]", "\"a\u{0}\"", "\u{FEFF}1", "[1]\u{0}", "{'a':1}", "[01]", "[-]", "[1.e5]", "[.1]", "NaN",
        "[true false]", "{\"a\"}", "{\"a\":}", "{1:2}", "[\"\\u00\"]", "//", "/* */ 1", "\u{7F}", "tRUE", "nulL", "1 2",
    ])
    func malformed(text: String) {
        #expect(parseError(Array(text.utf8)) != nil, "\(Array(text.utf8))")
    }

    @Test("seeded random mutations of a valid document never crash, and what parses writes back to itself")
    func mutations() throws {
        var generator = SeededGenerator(label: "HostileInputTests.mutations")
        let original = Array(Self.sample.utf8)
        let interesting: [UInt8] = Array("{}[]\",:\\u0123456789eE+-.tfn ".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xFF]
        for _ in 0..<5_000 {
            var bytes = original
            for _ in 0...Int.random(in: 0...3, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = interesting.randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(interesting.randomElement(using: &generator)!, at: position)
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            guard let value = try? JSONValue.parse(bytes) else { continue }
            let again = try JSONValue.parse(value.serialized)
            #expect(again.serialized == value.serialized, "\(bytes) (seed \(generator.seed))")
        }
    }

    @Test("seeded random bytes never crash the parser")
    func garbage() {
        var generator = SeededGenerator(label: "HostileInputTests.garbage")
        var parsed = 0
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if (try? JSONValue.parse(bytes)) != nil { parsed += 1 }
        }
        // Random bytes are almost never JSON (a lone digit or a short string can be).
        #expect(parsed < 100, "seed \(generator.seed)")
    }

    @Test("hostile nesting of every kind stops at the limit, not at the stack's end")
    func hostileNesting() {
        for opener in ["[", #"{"a":"#, #"[{"a":"#] {
            let text = String(repeating: opener, count: 200_000)
            #expect(parseError(Array(text.utf8))?.reason == "nesting deeper than 64 levels")
        }
    }

    @Test("a long string, many members and a wide array parse (size, not depth, is the cost)")
    func largeDocuments() throws {
        let long = String(repeating: "é☃x", count: 100_000)
        #expect(try JSONValue.parse(JSONValue.string(long).serialized) == .string(long))
        let members = (0..<1_000).map { ("k\($0)", JSONValue.int($0)) }
        #expect(try JSONValue.parse(JSONValue.object(members).serialized) == .object(members))
        let duplicate = JSONValue.object(members).serialized.dropLast() + #","k999":0}"#
        #expect(parseError(Array(duplicate.utf8))?.reason == #"duplicate member name "k999""#)
        let wide = JSONValue.array((0..<100_000).map { .int($0) })
        #expect(try JSONValue.parse(wide.serialized) == wide)
    }
}
