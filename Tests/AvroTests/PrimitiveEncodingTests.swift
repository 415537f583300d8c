@testable import Avro
import Testing

@Suite("Primitive types: the specification's bytes and exact round trips")
struct PrimitiveEncodingTests {
    @Test("longs and ints use zig-zag varints as in the specification's table", arguments: [
        (Int64(0), "00"), (-1, "01"), (1, "02"), (-2, "03"), (2, "04"), (-64, "7f"), (64, "80 01"),
        (-65, "81 01"), (8_191, "fe 7f"), (-8_192, "ff 7f"), (8_192, "80 80 01"),
        (Int64.max, "fe ff ff ff ff ff ff ff ff 01"), (Int64.min, "ff ff ff ff ff ff ff ff ff 01"),
    ])
    func longEncoding(value: Int64, expected: String) throws {
        let longSchema = try schema(#""long""#)
        #expect(try AvroEncoder().encode(.long(value), as: longSchema) == hex(expected))
        #expect(try AvroDecoder().decode(hex(expected), as: longSchema) == .long(value))
        if let small = Int32(exactly: value) {
            let intSchema = try schema(#""int""#)
            #expect(try AvroEncoder().encode(.int(small), as: intSchema) == hex(expected))
            #expect(try AvroDecoder().decode(hex(expected), as: intSchema) == .int(small))
        }
    }

    @Test("int extremes take five bytes")
    func intExtremes() throws {
        let intSchema = try schema(#""int""#)
        #expect(try AvroEncoder().encode(.int(.max), as: intSchema) == hex("fe ff ff ff 0f"))
        #expect(try AvroEncoder().encode(.int(.min), as: intSchema) == hex("ff ff ff ff 0f"))
        for value in [Int32.min, .min + 1, -1, 0, 1, .max - 1, .max] {
            #expect(try roundTrip(.int(value), intSchema).decoded == .int(value))
        }
    }

    @Test("strings, bytes, booleans, null, floats and doubles have the specification's layout")
    func knownBytes() throws {
        #expect(try AvroEncoder().encode(.string("foo"), as: schema(#""string""#)) == hex("06 66 6f 6f"))
        #expect(try AvroDecoder().decode(hex("06 66 6f 6f"), as: schema(#""string""#)) == .string("foo"))
        #expect(try AvroEncoder().encode(.bytes([0, 255]), as: schema(#""bytes""#)) == hex("04 00 ff"))
        #expect(try AvroEncoder().encode(.boolean(true), as: schema(#""boolean""#)) == hex("01"))
        #expect(try AvroEncoder().encode(.boolean(false), as: schema(#""boolean""#)) == hex("00"))
        #expect(try AvroEncoder().encode(.null, as: schema(#""null""#)) == [])
        #expect(try AvroDecoder().decode([], as: schema(#""null""#)) == .null)
        #expect(try AvroEncoder().encode(.float(1), as: schema(#""float""#)) == hex("00 00 80 3f"))
        #expect(try AvroEncoder().encode(.double(1), as: schema(#""double""#)) == hex("00 00 00 00 00 00 f0 3f"))
        #expect(try AvroDecoder().decode(hex("00 00 00 00 00 00 f0 bf"), as: schema(#""double""#)) == .double(-1))
    }

    @Test("longs round-trip at every bit width")
    func longWidths() throws {
        let longSchema = try schema(#""long""#)
        for shift in 0..<63 {
            for value in [Int64(1) << shift, -(Int64(1) << shift), (Int64(1) << shift) - 1] {
                #expect(try roundTrip(.long(value), longSchema).decoded == .long(value))
            }
        }
    }

    @Test("floats and doubles keep their exact bits: -0, NaN payloads, infinities, subnormals")
    func floatingPointBits() throws {
        let floatSchema = try schema(#""float""#)
        let doubleSchema = try schema(#""double""#)
        let floats: [Float] = [
            0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFF80_0001),
            .leastNonzeroMagnitude, .greatestFiniteMagnitude, 8.95,
        ]
        for value in floats {
            let (bytes, decoded) = try roundTrip(.float(value), floatSchema)
            #expect(bytes.count == 4)
            guard case .float(let back) = decoded else { Issue.record("not a float"); continue }
            #expect(back.bitPattern == value.bitPattern)
        }
        let doubles: [Double] = [
            0, -0.0, .infinity, -.infinity, .nan, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF),
            Double(bitPattern: 0xFFF0_0000_0000_0001), .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi,
        ]
        for value in doubles {
            let (bytes, decoded) = try roundTrip(.double(value), doubleSchema)
            #expect(bytes.count == 8)
            guard case .double(let back) = decoded else { Issue.record("not a double"); continue }
            #expect(back.bitPattern == value.bitPattern)
        }
        // Equality is by bits, so 0 and -0 differ and NaN equals itself.
        #expect(AvroValue.double(0) != .double(-0.0))
        #expect(AvroValue.double(.nan) == .double(.nan))
    }

    @Test("strings and bytes: empty, multi-byte UTF-8, long")
    func stringsAndBytes() throws {
        let stringSchema = try schema(#""string""#)
        let bytesSchema = try schema(#""bytes""#)
        for text in ["", "a", "snowman ☃ and 😀", "é\u{0}nul", String(repeating: "x", count: 100_000)] {
            #expect(try roundTrip(.string(text), stringSchema).decoded == .string(text))
        }
        #expect(try AvroEncoder().encode(.string(""), as: stringSchema) == hex("00"))
        for bytes in [[], [0], Array(0...255), [UInt8](repeating: 7, count: 70_000)] as [[UInt8]] {
            #expect(try roundTrip(.bytes(bytes), bytesSchema).decoded == .bytes(bytes))
        }
    }
}
