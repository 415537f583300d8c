import Avro
import DevServices
import EFD
import Foundation
import HeaderFile
import Ingest
import Testing
import TestSupport

/// What `consdb dev inject` sends: each kind must be bad in exactly the way it is named for (and no
/// other), so the dead letter it causes is the one the chaos night expects.
@Suite("Malformed inputs for fault drills")
struct MalformedKindTests {
    private let headerSchema = try! AvroSchema(parsing: LargeFileAnnouncement.schemaText(component: "MTHeaderService"))

    private func announcementFrame(schemaID: UInt32 = 7) throws -> [UInt8] {
        let value = LargeFileAnnouncement(url: "file:///data/headers/MC_O_20261207_000001.yaml", id: "MC_O_20261207_000001", generator: "MTHeaderService")
            .avroValue(component: "MTHeaderService")
        return try AvroEncoder().encodeFrame(value, as: headerSchema, schemaID: schemaID)
    }

    @Test func everyKindIsNamedAndRoutedToItsWorker() {
        #expect(MalformedKind.allCases.count == 10)
        #expect(MalformedKind.allCases.filter(\.isHeader).count == 6)
        #expect(Set(MalformedKind.allCases.map(\.rawValue)).count == MalformedKind.allCases.count)
        for kind in MalformedKind.allCases {
            #expect(kind.rawValue.hasPrefix(kind.isHeader ? "header-" : "telemetry-"))
        }
    }

    @Test func theUnframedBytesFailTheFrameCheck() {
        #expect(throws: AvroError.self) { try ConfluentFrame.parse(MalformedKind.unframed) }
    }

    @Test func aReframedMessageKeepsItsBodyUnderTheUnknownId() throws {
        let frame = try announcementFrame()
        let reframed = MalformedKind.reframed(frame, schemaID: MalformedKind.unknownSchemaID)
        let parsed = try ConfluentFrame.parse(reframed)
        #expect(parsed.schemaID == MalformedKind.unknownSchemaID)
        #expect(Array(parsed.body) == Array(frame.dropFirst(ConfluentFrame.headerSize)))
        // The body alone is a good event: only the id is wrong.
        #expect(try LargeFileAnnouncement(AvroDecoder().decode(parsed.body, as: headerSchema)).id == "MC_O_20261207_000001")
    }

    @Test func aTruncatedMessageIsFramedButItsBodyCannotBeDecoded() throws {
        let frame = try announcementFrame()
        let truncated = MalformedKind.truncated(frame)
        #expect(truncated.count < frame.count && truncated.count > ConfluentFrame.headerSize)
        let parsed = try ConfluentFrame.parse(truncated)
        #expect(parsed.schemaID == 7)
        #expect(throws: AvroError.self) { try AvroDecoder().decode(parsed.body, as: headerSchema) }
    }

    @Test func theNotYAMLHeaderIsRefusedByTheParser() {
        #expect(throws: HeaderFileError.self) { try HeaderFile.parse(MalformedKind.notYAML) }
    }

    @Test func theHeaderWithoutControllerParsesAndLacksOnlyCONTRLLR() throws {
        let made = MalformedKind.headerWithoutController(instrument: .lsstCam, sensors: 2)
        let header = try HeaderFile.parse(Array(made.yaml.utf8))
        #expect(header.sections.allSatisfy { $0["CONTRLLR"] == nil })
        #expect(header.primary?["SEQNUM"] == .int(Int64(MalformedKind.missingControllerSeqNum)))
        #expect(made.observationID.hasPrefix("MC_O_"))
        // The same observation with its controller is a header the worker ingests: the card is what is missing.
        #expect(header.primary?["OBSID"] == .string(made.observationID))
    }

    @Test func telemetryWithoutTheEFDStampLosesOnlyThatField() throws {
        let config = try EFDConfig.load(contentsOf: TestFiles.package("config/demo/efd_demo.yaml"))
        let telemetry = try DemoTelemetry(config: config)
        let topic = try #require(telemetry.topics.first)
        let value = telemetry.value(topic, utc: 1_796_000_000, index: topic.indices.first)
        let stripped = MalformedKind.withoutEFDStamp(schemaText: topic.schemaText, value: value)
        #expect(stripped.schemaText != topic.schemaText)
        #expect(!stripped.schemaText.contains("private_efdStamp"))
        let schema = try AvroSchema(parsing: stripped.schemaText)
        let bytes = try AvroEncoder().encode(stripped.value, as: schema)
        guard case .record(let fields) = try AvroDecoder().decode(bytes, as: schema), case .record(let original) = value else {
            Issue.record("not records"); return
        }
        #expect(fields.map(\.name) == original.map(\.name).filter { $0 != "private_efdStamp" })
    }
}
