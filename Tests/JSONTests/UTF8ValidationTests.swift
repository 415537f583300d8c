import JSON
import Testing
import TestSupport

@Suite("UTF-8 validation")
struct UTF8ValidationTests {
    @Test("UTF-8 validation accepts exactly the well-formed sequences")
    func utf8Validation() {
        let valid: [[UInt8]] = [
            [], Array("plain ascii longer than eight bytes".utf8), [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80],
            [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
            Array("12345678é12345678😀".utf8),
        ]
        for bytes in valid { #expect(UTF8Validation.isValid(bytes), "\(bytes)") }
        let invalid: [[UInt8]] = [
            [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC2, 0x41], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
            [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            [0xE1, 0x80], Array("12345678".utf8) + [0xF0, 0x9F, 0x98],
        ]
        for bytes in invalid { #expect(!UTF8Validation.isValid(bytes), "\(bytes)") }
    }

    @Test("a sequence is valid, invalid, or cut short by the end of the data")
    func sequences() {
        func sequence(_ bytes: [UInt8]) -> UTF8Validation.Sequence {
            bytes.withUnsafeBufferPointer { UTF8Validation.sequence(at: 0, in: $0.baseAddress!, count: $0.count) }
        }
        #expect(sequence([0xC3, 0xA9]) == .valid(length: 2))
        #expect(sequence([0xE2, 0x98, 0x83, 0x41]) == .valid(length: 3))
        #expect(sequence([0xF0, 0x9F, 0x98, 0x80]) == .valid(length: 4))
        #expect(sequence([0xF0, 0x9F, 0x98]) == .cutShort)
        #expect(sequence([0xC3]) == .cutShort)
        #expect(sequence([0x80, 0x80]) == .invalid)
        #expect(sequence([0xC0, 0xAF]) == .invalid)
        #expect(sequence([0xE2, 0x98, 0x41]) == .invalid)
    }

    @Test("every code point the standard library encodes is valid; seeded random bytes agree with the standard library")
    func agreesWithStandardLibrary() {
        for value in stride(from: UInt32(0), through: 0x10FFFF, by: 7) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(UTF8Validation.isValid(Array(String(scalar).utf8)), "U+\(String(value, radix: 16))")
        }
        var generator = SeededGenerator(label: "UTF8ValidationTests.agreesWithStandardLibrary")
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...12, using: &generator)
            // Bytes biased towards the interesting ranges: ASCII, continuation bytes and lead bytes.
            let bytes = (0..<count).map { _ in
                [UInt8.random(in: 0...0x7F, using: &generator), UInt8.random(in: 0x80...0xBF, using: &generator),
                 UInt8.random(in: 0xC0...0xFF, using: &generator)].randomElement(using: &generator)!
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(UTF8Validation.isValid(bytes) == expected, "\(bytes) (seed \(generator.seed))")
        }
    }
}
