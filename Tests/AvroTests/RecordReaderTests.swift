@testable import Avro
import Testing

@Suite("AvroRecordReader: selected numeric columns without building the record")
struct RecordReaderTests {
    static let topic = """
    {"type":"record","name":"forces","namespace":"lsst.sal.MTM1M3","fields":[
      {"name":"private_sndStamp","type":"double"},
      {"name":"comment","type":"string"},
      {"name":"zForces","type":{"type":"array","items":"float"}},
      {"name":"counts","type":{"type":"array","items":"long"}},
      {"name":"flags","type":{"type":"array","items":"boolean"}},
      {"name":"lookup","type":{"type":"map","values":{"type":"array","items":"double"}}},
      {"name":"maybe","type":["null","long","string"]},
      {"name":"maybeArray","type":["null",{"type":"array","items":["null","int"]}]},
      {"name":"z","type":"int"},
      {"name":"zForces1","type":"double"}
    ]}
    """

    static let value = AvroValue.record([
        ("private_sndStamp", .double(10.5)),
        ("comment", .string("skipped")),
        ("zForces", .array((0..<12).map { .float(Float($0) / 2) })),
        ("counts", .array([.long(Int64.max), .long(-3)])),
        ("flags", .array([.boolean(false), .boolean(true)])),
        ("lookup", .map([("a", .array([.double(1), .double(2)]))])),
        ("maybe", .union(branch: 1, value: .long(77))),
        ("maybeArray", .union(branch: 1, value: .array([.union(branch: 1, value: .int(5)), .union(branch: 0, value: .null),
                                                        .union(branch: 1, value: .int(-6))]))),
        ("z", .int(-1)),
        ("zForces1", .double(99)),
    ])

    static let columns = [
        "zForces0", "zForces11", "zForces1", "counts0", "counts1", "flags1", "maybe", "maybeArray0", "maybeArray1",
        "maybeArray2", "z", "private_sndStamp", "comment", "lookup", "zForces12", "zForces01", "missing",
    ]

    @Test("columns are filled from scalars, array elements and nullable unions", arguments: [
        AvroEncoder(), AvroEncoder(blockSize: 5), AvroEncoder(blockSize: 3, writesBlockByteSizes: true),
    ])
    func columns(encoder: AvroEncoder) throws {
        let topic = try schema(Self.topic)
        let reader = try AvroRecordReader(schema: topic, columns: Self.columns)
        // zForces12 could exist (array lengths are not in the schema); this message has 12 elements, so it is NaN.
        #expect(reader.unmatchedColumns == ["comment", "lookup", "zForces01", "missing"])
        let bytes = try encoder.encode(Self.value, as: topic)
        var values: [Double] = [1, 2, 3]
        try reader.read(bytes, into: &values)
        let byName = Dictionary(uniqueKeysWithValues: zip(Self.columns, values))
        #expect(byName["zForces0"] == 0)
        #expect(byName["zForces11"] == 5.5)
        // A scalar field named like an array element wins, as the EFD's columns would collide the same way.
        #expect(byName["zForces1"] == 99)
        #expect(byName["counts0"] == Double(Int64.max))
        #expect(byName["counts1"] == -3)
        #expect(byName["flags1"] == 1)
        #expect(byName["maybe"] == 77)
        #expect(byName["maybeArray0"] == 5)
        #expect(byName["maybeArray1"]?.isNaN == true)
        #expect(byName["maybeArray2"] == -6)
        #expect(byName["z"] == -1)
        #expect(byName["private_sndStamp"] == 10.5)
        for absent in reader.unmatchedColumns + ["zForces12"] { #expect(byName[absent]?.isNaN == true) }

        // Reading again reuses the buffer and resets absent columns.
        let other = AvroValue.record([
            ("private_sndStamp", .double(1)), ("comment", .string("")), ("zForces", .array([])), ("counts", .array([])),
            ("flags", .array([])), ("lookup", .map([])), ("maybe", .union(branch: 2, value: .string("s"))),
            ("maybeArray", .union(branch: 0, value: .null)), ("z", .int(0)), ("zForces1", .double(0)),
        ])
        try reader.read(encoder.encode(other, as: topic), into: &values)
        #expect(values.filter { !$0.isNaN } == [0, 0, 1])
    }

    @Test("the reader's columns agree with the full decoder's flattening")
    func agreesWithDecoder() throws {
        let topic = try schema(Self.topic)
        let bytes = try AvroEncoder(blockSize: 4, writesBlockByteSizes: true).encode(Self.value, as: topic)
        let flattened = try AvroDecoder().decode(bytes, as: topic).flattenedNumbers
        let reader = try AvroRecordReader(schema: topic, columns: flattened.map(\.name).filter { $0 != "zForces1" })
        let pairs = try reader.read(bytes)
        let expected = flattened.filter { pair in pair.name != "zForces1" }
        #expect(pairs.map(\.name).sorted() == expected.map(\.name).sorted())
        for pair in pairs { #expect(expected.first { $0.name == pair.name }?.value == pair.value, "\(pair.name)") }
    }

    @Test("nullable numbers in either branch order, and numbers inside wider unions")
    func nullableOrders() throws {
        let unions = try schema("""
        {"type":"record","name":"U","fields":[
          {"name":"a","type":["null","float"]},{"name":"b","type":["int","null"]},
          {"name":"c","type":["string","boolean","null"]},{"name":"d","type":["double","long"]}]}
        """)
        let reader = try AvroRecordReader(schema: unions, columns: ["a", "b", "c", "d"])
        func read(_ fields: [AvroValue]) throws -> [Double?] {
            var values: [Double] = []
            try reader.read(AvroEncoder().encode(.record(zip(["a", "b", "c", "d"], fields).map { ($0, $1) }), as: unions), into: &values)
            return values.map { $0.isNaN ? nil : $0 }
        }
        #expect(try read([.union(branch: 1, value: .float(0.5)), .union(branch: 0, value: .int(-2)),
                          .union(branch: 1, value: .boolean(true)), .union(branch: 1, value: .long(7))]) == [0.5, -2, 1, 7])
        #expect(try read([.union(branch: 0, value: .null), .union(branch: 1, value: .null),
                          .union(branch: 0, value: .string("x")), .union(branch: 0, value: .double(3))]) == [nil, nil, nil, 3])
        let bad = avroError { try reader.read(hex("04")) }
        #expect(bad?.kind == .unionBranchOutOfRange)
        #expect(bad?.pathDescription == "record U / field a")
    }

    @Test("flattened names: a field name and a canonical decimal index")
    func elementIndex() {
        #expect(AvroRecordReader.elementIndex("zForces0", of: "zForces") == 0)
        #expect(AvroRecordReader.elementIndex("zForces155", of: "zForces") == 155)
        #expect(AvroRecordReader.elementIndex("zForces", of: "zForces") == nil)
        #expect(AvroRecordReader.elementIndex("zForces01", of: "zForces") == nil)
        #expect(AvroRecordReader.elementIndex("zForces1a", of: "zForces") == nil)
        #expect(AvroRecordReader.elementIndex("zForces-1", of: "zForces") == nil)
        #expect(AvroRecordReader.elementIndex("zForces1234567", of: "zForces") == nil)
        #expect(AvroRecordReader.elementIndex("xForces1", of: "zForces") == nil)
    }

    @Test("bad readers and bad messages are errors with the field's path")
    func errors() throws {
        let topic = try schema(Self.topic)
        #expect(avroError { try AvroRecordReader(schema: schema(#""int""#), columns: []) }?.kind == .invalidArgument)
        #expect(avroError { try AvroRecordReader(schema: topic, columns: ["z", "z"]) }?.kind == .invalidArgument)
        let reader = try AvroRecordReader(schema: topic, columns: ["z", "zForces3"])
        let bytes = try AvroEncoder().encode(Self.value, as: topic)
        var values: [Double] = []
        for end in 0..<bytes.count {
            #expect(throws: AvroError.self) { try reader.read(Array(bytes[..<end]), into: &values) }
        }
        let trailing = avroError { try reader.read(bytes + [0], into: &values) }
        #expect(trailing?.kind == .trailingBytes)
        #expect(trailing?.offset == bytes.count)
        let lenient = try AvroRecordReader(schema: topic, columns: ["z"], options: AvroDecodingOptions(allowsTrailingBytes: true))
        try lenient.read(bytes + [0], into: &values)
        #expect(values == [-1])
        // A corrupt array element reports where it is: flags[1] sits at byte 81 (8 + 8 + 1 + 48 + 1 + 1 + 11 + 1 + 1 + 1).
        var corrupt = bytes
        #expect(corrupt[81] == 1)
        corrupt[81] = 2
        let flagsReader = try AvroRecordReader(schema: topic, columns: ["flags1"])
        let badBoolean = avroError { try flagsReader.read(corrupt, into: &values) }
        #expect(badBoolean?.kind == .invalidBoolean)
        #expect(badBoolean?.offset == 81)
        #expect(badBoolean?.pathDescription == "record lsst.sal.MTM1M3.forces / field flags / array item 1")
        // A block count the remaining bytes cannot hold fails before any item is read.
        let short = avroError { try reader.read(Array(bytes[..<24]), into: &values) }
        #expect(short?.kind == .truncated)
        #expect(short?.offset == 16)
        #expect(short?.pathDescription == "record lsst.sal.MTM1M3.forces / field zForces")
    }

    @Test("fields nobody asked for are skipped, including blocks jumped over by byte size")
    func skipping() throws {
        let wide = try schema("""
        {"type":"record","name":"W","fields":[
          {"name":"big","type":{"type":"array","items":{"type":"record","name":"P","fields":[
            {"name":"s","type":"string"},{"name":"m","type":{"type":"map","values":"bytes"}},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},{"name":"x","type":{"type":"fixed","name":"X","size":3}},
            {"name":"u","type":["null","float","P"]}]}}},
          {"name":"after","type":"long"}]}
        """)
        let item = AvroValue.record([("s", .string("abc")), ("m", .map([("k", .bytes([1, 2]))])),
                                     ("e", .enumSymbol(index: 1, symbol: "B")), ("x", .fixed([1, 2, 3])),
                                     ("u", .union(branch: 1, value: .float(2)))])
        let value = AvroValue.record([("big", .array(Array(repeating: item, count: 50))), ("after", .long(123_456))])
        let reader = try AvroRecordReader(schema: wide, columns: ["after"])
        for encoder in [AvroEncoder(), AvroEncoder(blockSize: 7, writesBlockByteSizes: true)] {
            #expect(try reader.read(encoder.encode(value, as: wide)).map(\.value) == [123_456])
        }
    }
}
