@testable import Avro
import Testing

@Suite("SAL topics: telemetry and the LFA event, as the workers will see them")
struct SALTopicTests {
    @Test("MTMount encoder telemetry round-trips and has the SAL field layout")
    func encoderTelemetry() throws {
        let encoder = try schema(SALSchemas.encoder)
        #expect(try #require(encoder.rootRecord).name.fullName == "lsst.sal.MTMount.encoder")
        let (bytes, decoded) = try roundTrip(SALSchemas.encoderValue, encoder)
        #expect(decoded == SALSchemas.encoderValue)
        // salIndex 0, then the first double (private_sndStamp) little-endian.
        #expect(bytes[0] == 0x00)
        var sndStamp = 1_722_532_853.970_123.bitPattern.littleEndian
        #expect(Array(bytes[1..<9]) == withUnsafeBytes(of: &sndStamp) { Array($0) })
        // Sizes: int 1, 4 doubles, seqNum 3, 2 strings, origin 2, array (1 + 80 + 1), float, boolean,
        // string, union (1 + 8).
        #expect(bytes.count == 1 + 32 + 3 + 9 + 8 + 2 + 82 + 4 + 1 + 9 + 9)
        #expect(decoded[field: "private_seqNum"] == .int(81_234))
        #expect(decoded[field: "azimuthOffset"]?.doubleValue == -0.25)
        #expect(decoded[field: "controllerMode"]?.stringValue == "TRACKING")
        #expect(decoded[field: "elevationTemperature"] == .float(8.95))
    }

    @Test("defaults of the SAL schema fill an empty record")
    func encoderDefaults() throws {
        let encoder = try schema(SALSchemas.encoder)
        let decoded = try roundTrip(.record([]), encoder).decoded
        #expect(decoded[field: "azimuthEncoderRaw"] == .array(Array(repeating: .double(0), count: 10)))
        #expect(decoded[field: "azimuthOffset"] == .union(branch: 0, value: .null))
        #expect(decoded[field: "private_identity"] == .string(""))
    }

    @Test("the flattening reader gives azimuthEncoderRaw0..9 and the scalar columns")
    func encoderFlattened() throws {
        let encoder = try schema(SALSchemas.encoder)
        let bytes = try AvroEncoder().encode(SALSchemas.encoderValue, as: encoder)
        let columns = ["private_efdStamp", "salIndex"] + (0..<10).map { "azimuthEncoderRaw\($0)" }
            + ["elevationTemperature", "trackingEnabled", "azimuthOffset", "controllerMode", "azimuthEncoderRaw10", "nosuchField"]
        let reader = try AvroRecordReader(schema: encoder, columns: columns)
        // Array lengths are not in the schema, so azimuthEncoderRaw10 may exist; it stays NaN when it does not.
        #expect(reader.unmatchedColumns == ["controllerMode", "nosuchField"])
        var values: [Double] = []
        try reader.read(bytes, into: &values)
        #expect(values.count == columns.count)
        #expect(values[0] == 1_722_532_816.970_123)
        #expect(values[1] == 0)
        // Named and typed apart: inside #expect the closure's literals left the type checker too many choices.
        let positions: [Double] = (0..<10).map { 180.5 + Double($0) * 0.001 }
        #expect(Array(values[2..<12]) == positions)
        #expect(values[12] == Double(Float(8.95)))
        #expect(values[13] == 1)
        #expect(values[14] == -0.25)
        #expect(values[15].isNaN && values[16].isNaN && values[17].isNaN)

        let pairs = try reader.read(bytes)
        #expect(pairs.map(\.name) == ["salIndex", "private_efdStamp"] + (0..<10).map { "azimuthEncoderRaw\($0)" }
            + ["elevationTemperature", "trackingEnabled", "azimuthOffset"])

        // The decoded value flattens the same way.
        let decoded = try AvroDecoder().decode(bytes, as: encoder)
        let flattened = decoded.flattenedNumbers
        #expect(flattened.map(\.name).filter { $0.hasPrefix("azimuthEncoderRaw") } == (0..<10).map { "azimuthEncoderRaw\($0)" })
        #expect(flattened.first { $0.name == "azimuthEncoderRaw9" }?.value == 180.509)
        #expect(decoded.flattenedStrings.map(\.name) == ["private_revCode", "private_identity", "controllerMode"])
    }

    @Test("HeaderService logevent_largeFileObjectAvailable round-trips with its field types")
    func largeFileObjectAvailable() throws {
        let lfa = try schema(SALSchemas.largeFileObjectAvailable)
        let record = try #require(lfa.rootRecord)
        #expect(record.name.fullName == "lsst.sal.ATHeaderService.logevent_largeFileObjectAvailable")
        #expect(record.fields.first { $0.name == "version" }?.type == .float)
        #expect(record.fields.first { $0.name == "byteSize" }?.type == .int)
        #expect(record.fieldIndex("salIndex") == nil)

        let frame = try AvroEncoder().encodeFrame(SALSchemas.largeFileObjectAvailableValue, as: lfa, schemaID: 42)
        let (schemaID, body) = try ConfluentFrame.parse(frame)
        #expect(schemaID == 42)
        let decoded = try AvroDecoder().decode(body, as: lfa)
        #expect(decoded == SALSchemas.largeFileObjectAvailableValue)
        #expect(decoded[field: "url"]?.stringValue?.hasSuffix("ATHeaderService_header_AT_O_20240801_000302.yaml") == true)
        #expect(decoded[field: "id"] == .string("AT_O_20240801_000302"))
        #expect(decoded[field: "byteSize"]?.int64Value == 35_712)
        #expect(decoded[field: "version"] == .float(1))
        // The float version (00 00 80 3f) follows the generator string, the last length-prefixed
        // "ATHeaderService" (private_identity is the first).
        let generator = [0x1E] + Array("ATHeaderService".utf8)
        let bodyBytes = Array(body)
        let at = try #require((0...(bodyBytes.count - generator.count)).last { Array(bodyBytes[$0..<$0 + generator.count]) == generator })
        #expect(Array(bodyBytes[(at + generator.count)..<(at + generator.count + 4)]) == hex("00 00 80 3f"))
    }

    @Test("schemas built from .avsc files put private fields last and use nullable unions")
    func avscLayout() throws {
        let avsc = try schema("""
        {"type":"record","name":"logevent_summaryState","namespace":"lsst.sal.MTMount","fields":[
          {"name":"summaryState","type":["null","int"],"default":null},
          {"name":"private_sndStamp","type":["null","double"],"default":null},
          {"name":"private_identity","type":["null","string"],"default":null}]}
        """)
        let value = AvroValue.record([("summaryState", .int(2)), ("private_sndStamp", .double(5)), ("private_identity", .null)])
        let decoded = try roundTrip(value, avsc).decoded
        #expect(decoded[field: "summaryState"] == .union(branch: 1, value: .int(2)))
        #expect(decoded[field: "private_identity"]?.isNull == true)
        let reader = try AvroRecordReader(schema: avsc, columns: ["summaryState", "private_sndStamp", "private_identity"])
        #expect(try reader.read(AvroEncoder().encode(value, as: avsc)).map(\.name) == ["summaryState", "private_sndStamp"])
        #expect(reader.unmatchedColumns == ["private_identity"])
    }
}
