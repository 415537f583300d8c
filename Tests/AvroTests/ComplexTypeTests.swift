@testable import Avro
import Testing

@Suite("Complex types: records, enums, arrays, maps, unions, fixed")
struct ComplexTypeTests {
    static let kitchenSink = """
    {"type": "record", "name": "Everything", "namespace": "test.avro", "fields": [
      {"name": "n", "type": "null"},
      {"name": "flag", "type": "boolean"},
      {"name": "i", "type": "int"},
      {"name": "l", "type": {"type": "long", "logicalType": "timestamp-millis"}},
      {"name": "f", "type": "float"},
      {"name": "d", "type": "double"},
      {"name": "b", "type": "bytes"},
      {"name": "s", "type": "string"},
      {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
      {"name": "tags", "type": {"type": "array", "items": "string"}},
      {"name": "counts", "type": {"type": "map", "values": "long"}},
      {"name": "maybe", "type": ["null", "string", "Color"]},
      {"name": "hash", "type": {"type": "fixed", "name": "MD5", "size": 16}},
      {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
        {"name": "x", "type": "double"}, {"name": "again", "type": "Color"}]}},
      {"name": "matrix", "type": {"type": "array", "items": {"type": "array", "items": "int"}}},
      {"name": "nested", "type": {"type": "map", "values": {"type": "array", "items": ["null", "Inner"]}}}
    ]}
    """

    static let kitchenSinkValue = AvroValue.record([
        ("n", .null), ("flag", .boolean(true)), ("i", .int(-7)), ("l", .long(1_722_532_853_970)),
        ("f", .float(-1.5)), ("d", .double(2.25)), ("b", .bytes([0, 1, 254, 255])), ("s", .string("héllo")),
        ("color", .enumSymbol(index: 2, symbol: "BLUE")),
        ("tags", .array([.string("a"), .string(""), .string("c")])),
        ("counts", .map([("x", .long(1)), ("y", .long(-2)), ("", .long(Int64.max))])),
        ("maybe", .union(branch: 2, value: .enumSymbol(index: 0, symbol: "RED"))),
        ("hash", .fixed(Array(0..<16))),
        ("inner", .record([("x", .double(-0.0)), ("again", .enumSymbol(index: 1, symbol: "GREEN"))])),
        ("matrix", .array([.array([.int(1), .int(2)]), .array([]), .array([.int(.min)])])),
        ("nested", .map([
            ("k", .array([.union(branch: 0, value: .null),
                          .union(branch: 1, value: .record([("x", .double(1)), ("again", .enumSymbol(index: 0, symbol: "RED"))]))])),
            ("empty", .array([])),
        ])),
    ])

    @Test("every type round-trips exactly, in one block, in small blocks and with block byte sizes", arguments: [
        AvroEncoder(), AvroEncoder(blockSize: 1), AvroEncoder(blockSize: 2, writesBlockByteSizes: true),
        AvroEncoder(writesBlockByteSizes: true),
    ])
    func kitchenSinkRoundTrip(encoder: AvroEncoder) throws {
        let sink = try schema(Self.kitchenSink)
        let (_, decoded) = try roundTrip(Self.kitchenSinkValue, sink, encoder: encoder)
        #expect(decoded == Self.kitchenSinkValue)
        #expect(decoded[field: "inner"]?[field: "again"] == .enumSymbol(index: 1, symbol: "GREEN"))
        #expect(decoded[field: "counts"]?[key: ""] == .long(Int64.max))
        #expect(decoded[field: "maybe"]?.unwrapped == .enumSymbol(index: 0, symbol: "RED"))
    }

    @Test("a record is its fields one after another, with nothing between them")
    func recordLayout() throws {
        let pair = try schema(#"{"type":"record","name":"P","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#)
        let bytes = try AvroEncoder().encode(.record([("a", .long(27)), ("b", .string("foo"))]), as: pair)
        #expect(bytes == hex("36 06 66 6f 6f"))
    }

    @Test("arrays and maps: empty collections, the specification's example, multi-block with negative counts")
    func collections() throws {
        let longs = try schema(#"{"type":"array","items":"long"}"#)
        #expect(try AvroEncoder().encode(.array([]), as: longs) == hex("00"))
        #expect(try AvroDecoder().decode(hex("00"), as: longs) == .array([]))
        // The specification's example: [3, 27] is 04 06 36 00.
        #expect(try AvroEncoder().encode(.array([.long(3), .long(27)]), as: longs) == hex("04 06 36 00"))
        // Hand-written: a block of -2 items with byte size 2, then a block of 1 item, then the end.
        #expect(try AvroDecoder().decode(hex("03 04 02 04 02 06 00"), as: longs) == .array([.long(1), .long(2), .long(3)]))
        #expect(try AvroEncoder(blockSize: 2, writesBlockByteSizes: true).encode(.array([.long(1), .long(2), .long(3)]), as: longs)
            == hex("03 04 02 04 01 02 06 00"))

        let strings = try schema(#"{"type":"map","values":"string"}"#)
        #expect(try AvroEncoder().encode(.map([]), as: strings) == hex("00"))
        // {"a": "x"} then, in a sized block, {"b": "yz"}.
        let twoBlocks = hex("02 02 61 02 78 01 0a 02 62 04 79 7a 00")
        #expect(try AvroDecoder().decode(twoBlocks, as: strings) == .map([("a", .string("x")), ("b", .string("yz"))]))

        let nulls = try schema(#"{"type":"array","items":"null"}"#)
        #expect(try roundTrip(.array(Array(repeating: .null, count: 1_000)), nulls).decoded == .array(Array(repeating: .null, count: 1_000)))
    }

    @Test("unions write the branch index as a long, then the value")
    func unions() throws {
        let optional = try schema(#"["null", "double", "string"]"#)
        #expect(try AvroEncoder().encode(.union(branch: 0, value: .null), as: optional) == hex("00"))
        #expect(try AvroEncoder().encode(.union(branch: 2, value: .string("a")), as: optional) == hex("04 02 61"))
        for value: AvroValue in [.union(branch: 0, value: .null), .union(branch: 1, value: .double(.infinity)),
                                 .union(branch: 2, value: .string(""))] {
            #expect(try roundTrip(value, optional).decoded == value)
        }
        // A bare value goes to the first branch of its kind.
        #expect(try AvroEncoder().encode(.string("a"), as: optional) == hex("04 02 61"))
        #expect(try AvroEncoder().encode(.null, as: optional) == hex("00"))
        let ints = try schema(#"["int", "long"]"#)
        #expect(try roundTrip(.union(branch: 1, value: .long(5)), ints).decoded == .union(branch: 1, value: .long(5)))
    }

    @Test("enums and fixed")
    func enumsAndFixed() throws {
        let suit = try schema(#"{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS","DIAMONDS","CLUBS"],"default":"SPADES"}"#)
        #expect(try AvroEncoder().encode(.enumSymbol(index: 3, symbol: "CLUBS"), as: suit) == hex("06"))
        #expect(try AvroDecoder().decode(hex("02"), as: suit) == .enumSymbol(index: 1, symbol: "HEARTS"))
        let empty = try schema(#"{"type":"fixed","name":"Nothing","size":0}"#)
        #expect(try roundTrip(.fixed([]), empty).bytes == [])
        let four = try schema(#"{"type":"fixed","name":"Four","size":4}"#)
        #expect(try AvroDecoder().decode(hex("de ad be ef"), as: four) == .fixed([0xDE, 0xAD, 0xBE, 0xEF]))
    }

    @Test("a recursive type (linked list) round-trips")
    func recursiveList() throws {
        let list = try schema("""
        {"type":"record","name":"LongList","aliases":["LinkedLongs"],"fields":[
          {"name":"value","type":"long"},{"name":"next","type":["null","LongList"]}]}
        """)
        var value = AvroValue.record([("value", .long(0)), ("next", .union(branch: 0, value: .null))])
        for number in 1...20 {
            value = .record([("value", .long(Int64(number))), ("next", .union(branch: 1, value: value))])
        }
        let (bytes, decoded) = try roundTrip(value, list)
        #expect(decoded == value)
        #expect(bytes.count == 21 * 2)
    }

    @Test("the encoder checks values against the schema")
    func encoderValidation() throws {
        let record = try schema("""
        {"type":"record","name":"R","fields":[
          {"name":"a","type":"int"},{"name":"b","type":"string","default":"dflt"},
          {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
          {"name":"f","type":{"type":"fixed","name":"F","size":2}}]}
        """)
        let good = AvroValue.record([("a", .int(1)), ("e", .enumSymbol(index: 1, symbol: "Y")), ("f", .fixed([1, 2]))])
        // Field order does not matter and a missing field takes its default.
        let reordered = AvroValue.record([("f", .fixed([1, 2])), ("e", .enumSymbol(index: 1, symbol: "Y")), ("a", .int(1))])
        #expect(try AvroEncoder().encode(good, as: record) == AvroEncoder().encode(reordered, as: record))
        #expect(try roundTrip(good, record).decoded[field: "b"] == .string("dflt"))

        func mismatch(_ value: AvroValue) -> AvroError? { avroError { try AvroEncoder().encode(value, as: record) } }
        #expect(mismatch(.record([("e", .enumSymbol(index: 1, symbol: "Y")), ("f", .fixed([1, 2]))]))?.kind == .valueMismatch)
        #expect(mismatch(.record([("a", .long(1)), ("e", .enumSymbol(index: 1, symbol: "Y")), ("f", .fixed([1, 2]))]))?.pathDescription
            == "record R / field a")
        #expect(mismatch(.record([("a", .int(1)), ("e", .enumSymbol(index: 1, symbol: "X")), ("f", .fixed([1, 2]))]))?.kind == .valueMismatch)
        #expect(mismatch(.record([("a", .int(1)), ("e", .enumSymbol(index: 0, symbol: "X")), ("f", .fixed([1]))]))?.kind == .valueMismatch)
        #expect(mismatch(.record([("a", .int(1)), ("e", .enumSymbol(index: 0, symbol: "X")), ("f", .fixed([1, 2])), ("zz", .null)]))?.message
            == "fields not in the schema: zz")
        #expect(avroError { try AvroEncoder().encode(.string("x"), as: schema(#"["null","int"]"#)) }?.kind == .valueMismatch)
        #expect(avroError { try AvroEncoder().encode(.union(branch: 2, value: .null), as: schema(#"["null","int"]"#)) }?.kind == .valueMismatch)
        var buffer: [UInt8] = [9, 9]
        #expect(throws: AvroError.self) { try AvroEncoder().encode(.int(1), as: record, into: &buffer) }
        #expect(buffer == [9, 9])
    }

    @Test("Confluent frames built by the encoder decode back")
    func framedRoundTrip() throws {
        let sink = try schema(Self.kitchenSink)
        let frame = try AvroEncoder().encodeFrame(Self.kitchenSinkValue, as: sink, schemaID: 0x0102_0304)
        #expect(Array(frame.prefix(5)) == [0, 1, 2, 3, 4])
        let (schemaID, body) = try ConfluentFrame.parse(frame)
        #expect(schemaID == 0x0102_0304)
        #expect(try AvroDecoder().decode(body, as: sink) == Self.kitchenSinkValue)
    }
}
