import Avro
import Testing

@Suite("Confluent framing: magic byte, big-endian schema id, body")
struct ConfluentFrameTests {
    @Test("the header is 0x00 and the id big-endian; the body follows unchanged")
    func parseAndBuild() throws {
        let frame = ConfluentFrame.build(schemaID: 0xDEAD_BEEF, body: [1, 2, 3])
        #expect(frame == [0x00, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3])
        let (schemaID, body) = try ConfluentFrame.parse(frame)
        #expect(schemaID == 0xDEAD_BEEF)
        #expect(Array(body) == [1, 2, 3])
        #expect(try ConfluentFrame.parse(hex("00 00 00 00 07")).schemaID == 7)
        #expect(try ConfluentFrame.parse(hex("00 00 00 00 07")).body.isEmpty)
        try frame.withUnsafeBytes { raw in
            let parsed = try ConfluentFrame.parse(raw)
            #expect(parsed.schemaID == 0xDEAD_BEEF)
            #expect(Array(parsed.body) == [1, 2, 3])
        }
    }

    @Test("short input and a wrong magic byte are errors", arguments: [
        ("", AvroError.Kind.frameTooShort), ("00", .frameTooShort), ("00 00 00 01", .frameTooShort),
        ("01 00 00 00 01", .invalidMagicByte), ("7b 22 61 22 3a", .invalidMagicByte),
    ])
    func errors(bytes: String, kind: AvroError.Kind) {
        #expect(avroError { try ConfluentFrame.parse(bytes.isEmpty ? [] : hex(bytes)) }?.kind == kind)
    }
}
