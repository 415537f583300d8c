import JSON
import Testing
import TestSupport

@Suite("JSON writing and parsing: seeded random round trips")
struct RandomRoundTripTests {
    /// Random text from ASCII, controls, quotes, backslashes, DEL and multi-byte scalars.
    static func randomString(_ generator: inout SeededGenerator) -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{8}", "\u{C}", "\u{1F}",
                                      "\u{7F}", "\u{80}", "é", "☃", "\u{FFFF}", "😀", "\u{10FFFF}"]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &generator) { scalars.append(pool.randomElement(using: &generator)!) }
        return String(scalars)
    }

    static func randomNumber(_ generator: inout SeededGenerator) -> String {
        var text = Bool.random(using: &generator) ? "-" : ""
        text += Bool.random(using: &generator) ? "0" : String(UInt64.random(in: 1...UInt64.max, using: &generator))
        if Bool.random(using: &generator) { text += "." + String(UInt32.random(in: 0...UInt32.max, using: &generator)) }
        if Bool.random(using: &generator) { text += ["e", "E", "e+", "e-"].randomElement(using: &generator)! + String(Int.random(in: 0...400, using: &generator)) }
        return text
    }

    static func randomValue(_ generator: inout SeededGenerator, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .number(randomNumber(&generator))
        case 3: return .string(randomString(&generator))
        case 4: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            let count = Int.random(in: 0...4, using: &generator)
            // Distinct names: the parser refuses duplicates.
            return .object((0..<count).map { ("\($0)#" + randomString(&generator), randomValue(&generator, depth: depth + 1)) })
        }
    }

    @Test("random trees written and parsed again are the same tree, byte for byte")
    func trees() throws {
        var generator = SeededGenerator(label: "RandomRoundTripTests.trees")
        for _ in 0..<2_000 {
            let value = Self.randomValue(&generator, depth: 0)
            let text = value.serialized
            let parsed = try JSONValue.parse(text)
            #expect(parsed == value, "\(text) (seed \(generator.seed))")
            #expect(parsed.serialized == text, "seed \(generator.seed)")
        }
    }

    @Test("random strings: escaped output is ASCII-safe where it must be and decodes to the input")
    func strings() throws {
        var generator = SeededGenerator(label: "RandomRoundTripTests.strings")
        for _ in 0..<5_000 {
            let text = Self.randomString(&generator)
            let quoted = JSONValue.quoted(text)
            #expect(!quoted.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "seed \(generator.seed)")
            #expect(try JSONValue.parse(quoted) == .string(text), "\(quoted) (seed \(generator.seed))")
        }
    }
}
