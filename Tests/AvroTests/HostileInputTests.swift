@testable import Avro
import Testing
import TestSupport

@Suite("Hostile input: truncated, corrupt and malicious bodies are errors, never crashes or huge allocations")
struct HostileInputTests {
    /// The zig-zag varint of `value`.
    func varint(_ value: Int64) -> [UInt8] {
        var output = AvroOutput()
        output.writeLong(value)
        return output.bytes
    }

    func decodeError(_ bytes: [UInt8], _ json: String, options: AvroDecodingOptions = AvroDecodingOptions()) -> AvroError? {
        avroError { try AvroDecoder(options: options).decode(bytes, as: schema(json)) }
    }

    @Test("every truncation of a valid message throws", arguments: [
        (ComplexTypeTests.kitchenSink, ComplexTypeTests.kitchenSinkValue),
        (SALSchemas.encoder, SALSchemas.encoderValue),
        (SALSchemas.largeFileObjectAvailable, SALSchemas.largeFileObjectAvailableValue),
    ])
    func truncations(json: String, value: AvroValue) throws {
        let parsed = try schema(json)
        for encoder in [AvroEncoder(), AvroEncoder(blockSize: 1, writesBlockByteSizes: true)] {
            let bytes = try encoder.encode(value, as: parsed)
            #expect(try AvroDecoder().decode(bytes, as: parsed) == value)
            for end in 0..<bytes.count {
                let error = avroError { try AvroDecoder().decode(bytes[..<end], as: parsed) }
                #expect(error?.kind == .truncated, "cut at \(end): \(String(describing: error))")
                #expect((error?.offset ?? .max) <= end)
            }
        }
    }

    @Test("lengths: negative, larger than the input, at the end of the input")
    func lengths() {
        #expect(decodeError(hex("01"), #""string""#)?.kind == .invalidLength)
        #expect(decodeError(hex("01 61"), #""bytes""#)?.kind == .invalidLength)
        #expect(decodeError(varint(.min), #""bytes""#)?.kind == .invalidLength)
        let long = decodeError(hex("c8 01 61 62 63"), #""string""#)
        #expect(long?.kind == .truncated)
        #expect(long?.offset == 0)
        #expect(decodeError(varint(.max) + [0x61], #""string""#)?.kind == .truncated)
        #expect(decodeError(hex("06 61 62"), #""string""#)?.kind == .truncated)
        #expect(decodeError(hex("00 00 00"), #""double""#)?.kind == .truncated)
        #expect(decodeError(hex("01 02"), #"{"type":"fixed","name":"F","size":3}"#)?.kind == .truncated)
        let field = decodeError(hex("02 01"), #"{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#)
        #expect(field?.kind == .invalidLength)
        #expect(field?.offset == 1)
        #expect(field?.pathDescription == "record R / field b")
    }

    @Test("varints: 11 bytes, 64-bit overflow, ints beyond 32 bits, cut short")
    func varints() throws {
        #expect(decodeError(hex("ff ff ff ff ff ff ff ff ff ff 01"), #""long""#)?.kind == .invalidVarint)
        #expect(decodeError(hex("80 80 80 80 80 80 80 80 80 80 80 00"), #""long""#)?.kind == .invalidVarint)
        #expect(decodeError(hex("ff ff ff ff ff ff ff ff ff 02"), #""long""#)?.kind == .invalidVarint)
        #expect(decodeError(hex("80 80 80 80 10"), #""int""#)?.kind == .intOverflow)
        #expect(decodeError(hex("ff ff ff ff 1f"), #""int""#)?.kind == .intOverflow)
        #expect(decodeError(hex("80 80 80 80 80 00"), #""int""#)?.kind == .intOverflow)
        #expect(decodeError(varint(Int64(Int32.max) + 1), #""int""#)?.kind == .intOverflow)
        #expect(decodeError(varint(Int64(Int32.min) - 1), #""int""#)?.kind == .intOverflow)
        #expect(decodeError(hex("80"), #""long""#)?.kind == .truncated)
        #expect(decodeError(hex("ff ff"), #""int""#)?.kind == .truncated)
        #expect(decodeError([], #""long""#)?.kind == .truncated)
        // Canonical varints in the last byte's range still decode.
        #expect(try AvroDecoder().decode(hex("fe ff ff ff 0f"), as: schema(#""int""#)) == .int(.max))
    }

    @Test("indices and flags out of range: union branches, enum symbols, booleans")
    func indices() {
        let union = #"["null","int"]"#
        #expect(decodeError(hex("04"), union)?.kind == .unionBranchOutOfRange)
        #expect(decodeError(hex("01"), union)?.kind == .unionBranchOutOfRange)
        #expect(decodeError(varint(1 << 40), union)?.kind == .unionBranchOutOfRange)
        #expect(decodeError(hex("00"), "[]")?.kind == .unionBranchOutOfRange)
        let suit = #"{"type":"enum","name":"Suit","symbols":["A","B","C","D"]}"#
        #expect(decodeError(hex("08"), suit)?.kind == .enumIndexOutOfRange)
        #expect(decodeError(hex("01"), suit)?.kind == .enumIndexOutOfRange)
        #expect(decodeError(hex("02"), #""boolean""#)?.kind == .invalidBoolean)
        #expect(decodeError(hex("ff"), #""boolean""#)?.kind == .invalidBoolean)
        let nested = decodeError(hex("02 03"), #"{"type":"array","items":["null","int"]}"#)
        #expect(nested?.pathDescription == "array item 0")
        let inItem = decodeError(hex("04 00 04"), #"{"type":"array","items":["null","int"]}"#)
        #expect(inItem?.kind == .unionBranchOutOfRange)
        #expect(inItem?.offset == 2)
        #expect(inItem?.pathDescription == "array item 1")
    }

    @Test("strings that are not UTF-8 are errors", arguments: [
        "02 ff", "02 80", "04 c3 28", "06 ed a0 80", "04 c0 af", "08 f4 90 80 80", "02 c3",
    ])
    func invalidUTF8(bytes: String) {
        let error = decodeError(hex(bytes), #""string""#)
        #expect(error?.kind == .invalidUTF8 || error?.kind == .truncated)
        #expect(decodeError(hex(bytes), #"{"type":"map","values":"int"}"#) != nil)
    }

    @Test("collections: counts of 2^62 fail at once, limits bound zero-size items, block sizes are checked")
    func collections() {
        let nulls = #"{"type":"array","items":"null"}"#
        let huge = decodeError(varint(1 << 62) + [0], nulls)
        #expect(huge?.kind == .limitExceeded)
        #expect(huge?.offset == 0)
        #expect(decodeError(varint(-(1 << 62)) + varint(0) + [0], nulls)?.kind == .limitExceeded)
        #expect(decodeError(varint(.min) + [0], nulls)?.kind == .invalidLength)
        #expect(decodeError(varint(1 << 62) + [0], #"{"type":"array","items":"long"}"#)?.kind == .truncated)
        #expect(decodeError(varint(1 << 40) + [0], #"{"type":"map","values":"null"}"#)?.kind == .truncated)
        #expect(decodeError(varint(3) + [0, 0, 0, 0, 0, 0, 0, 0], #"{"type":"array","items":"double"}"#)?.kind == .truncated)
        // Endless blocks of nulls hit the per-collection limit.
        let manyBlocks = Array(Array(repeating: varint(100_000), count: 11).joined()) + [0]
        #expect(decodeError(manyBlocks, nulls)?.kind == .limitExceeded)
        let small = AvroDecodingOptions(maximumItemsPerCollection: 1_000, maximumItemsPerMessage: 1_500)
        #expect(throws: Never.self) { try AvroDecoder(options: small).decode(varint(1_000) + [0], as: schema(nulls)) }
        #expect(decodeError(varint(1_001) + [0], nulls, options: small)?.kind == .limitExceeded)
        #expect(decodeError(varint(600) + varint(401) + [0], nulls, options: small)?.kind == .limitExceeded)
        let twoArrays = #"{"type":"record","name":"T","fields":[{"name":"a","type":\#(nulls)},{"name":"b","type":\#(nulls)}]}"#
        let perMessage = decodeError(varint(1_000) + [0] + varint(501) + [0], twoArrays, options: small)
        #expect(perMessage?.kind == .limitExceeded)
        #expect(perMessage?.pathDescription == "record T / field b")
        // Block byte sizes: negative, beyond the input, and not matching the items.
        let longs = #"{"type":"array","items":"long"}"#
        #expect(decodeError(hex("03 03 02 04 00"), longs)?.kind == .invalidLength)
        #expect(decodeError(hex("03 64 02 04 00"), longs)?.kind == .truncated)
        #expect(decodeError(hex("03 06 02 04 00 00"), longs)?.kind == .blockSizeMismatch)
        #expect(decodeError(hex("03 02 02 04 00"), longs)?.kind == .truncated)
    }

    @Test("recursion in the data is bounded by the depth limit")
    func deepValues() throws {
        let list = try schema(#"{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}"#)
        let deep = [UInt8](repeating: 2, count: 100_000) + [0]
        #expect(avroError { try AvroDecoder().decode(deep, as: list) }?.kind == .tooDeep)
        #expect(avroError { try AvroRecordReader(schema: list, columns: ["x"]).read(deep) }?.kind == .tooDeep)
        // 31 nodes nest 62 levels (record and union each count): inside the default limit of 64.
        let fine = [UInt8](repeating: 2, count: 30) + [0]
        #expect(throws: Never.self) { try AvroDecoder().decode(fine, as: list) }
        let shallow = AvroDecodingOptions(maximumDepth: 8)
        #expect(avroError { try AvroDecoder(options: shallow).decode(fine, as: list) }?.kind == .tooDeep)
        // An infinite type without a base case cannot be decoded, but fails cleanly.
        let endless = try schema(#"{"type":"record","name":"Loop","fields":[{"name":"again","type":"Loop"}]}"#)
        #expect(avroError { try AvroDecoder().decode([], as: endless) }?.kind == .tooDeep)
        #expect(endless.minimumEncodedSize(endless.root) == 0)
        var value = AvroValue.null
        for _ in 0..<100 { value = .record([("next", .union(branch: 1, value: value))]) }
        #expect(avroError { try AvroEncoder().encode(value, as: list) }?.kind == .tooDeep)
    }

    @Test("bytes after the value are an error unless allowed")
    func trailingBytes() throws {
        let error = decodeError(hex("02 00"), #""long""#)
        #expect(error?.kind == .trailingBytes)
        #expect(error?.offset == 1)
        let lenient = AvroDecoder(options: AvroDecodingOptions(allowsTrailingBytes: true))
        #expect(try lenient.decode(hex("02 00 ff"), as: schema(#""long""#)) == .long(1))
    }

    @Test("20,000 random buffers and 20,000 mutated messages only ever throw AvroError")
    func fuzz() throws {
        var random = SeededGenerator(seed: 0x5EED_0F_A7B0)
        let schemas = try [
            schema(ComplexTypeTests.kitchenSink), schema(SALSchemas.encoder), schema(SALSchemas.largeFileObjectAvailable),
            schema(#"{"type":"record","name":"Tree","fields":[{"name":"kids","type":{"type":"array","items":"Tree"}},{"name":"tag","type":["null","string","Tree"]}]}"#),
            schema(#"{"type":"map","values":{"type":"array","items":["null","boolean",{"type":"map","values":"bytes"}]}}"#),
        ]
        let readers = try [
            AvroRecordReader(schema: schemas[0], columns: ["i", "l", "f", "d", "flag", "matrix0"]),
            AvroRecordReader(schema: schemas[1], columns: ["private_efdStamp", "azimuthEncoderRaw3", "azimuthOffset"]),
        ]
        let small = AvroDecoder(options: AvroDecodingOptions(maximumItemsPerCollection: 10_000, maximumItemsPerMessage: 50_000))
        var decoded = 0
        var failures: [AvroError.Kind: Int] = [:]
        func attempt(_ bytes: [UInt8]) {
            for parsed in schemas {
                do {
                    _ = try small.decode(bytes, as: parsed)
                    decoded += 1
                } catch {
                    failures[error.kind, default: 0] += 1
                }
            }
            var values: [Double] = []
            for reader in readers { _ = try? reader.read(bytes, into: &values) }
        }
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...96, using: &random)
            attempt((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        let valid = try [
            AvroEncoder().encode(ComplexTypeTests.kitchenSinkValue, as: schemas[0]),
            AvroEncoder(blockSize: 2, writesBlockByteSizes: true).encode(ComplexTypeTests.kitchenSinkValue, as: schemas[0]),
            AvroEncoder().encode(SALSchemas.encoderValue, as: schemas[1]),
        ]
        for index in 0..<20_000 {
            var bytes = valid[index % valid.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            attempt(bytes)
        }
        #expect(failures.values.reduce(0, +) + decoded == 40_000 * schemas.count)
        #expect(failures[.truncated, default: 0] > 0)
        #expect(decoded > 0)
    }
}
