import Avro
import Foundation
import HeaderFile
import Ingest
import TimeScales

/// A kind of bad input a worker must turn into exactly one dead letter (`consdb_ingest.rejected`) while
/// it goes on with the good ones: what `consdb dev inject` sends, and what the chaos night throws at the
/// workers. Header kinds go to the header worker's topic, telemetry kinds to an EFD topic.
public enum MalformedKind: String, CaseIterable, Sendable {
    /// Header event bytes without the Confluent frame (no magic byte, no schema id).
    case headerNotFramed = "header-not-framed"
    /// A framed header event whose schema id the registry does not know.
    case headerUnknownSchema = "header-unknown-schema"
    /// A header event cut in the middle of its Avro body.
    case headerTruncatedAvro = "header-truncated-avro"
    /// A valid header event naming a URL outside the allow-list (`file:///etc/passwd`).
    case headerURLOutsideAllowList = "header-url-outside-allow-list"
    /// A valid event announcing an allowed file that is not YAML.
    case headerNotYAML = "header-not-yaml"
    /// A valid event announcing a header without CONTRLLR (the exposure's controller cannot be NULL).
    case headerMissingController = "header-missing-contrllr"
    /// Telemetry bytes without the Confluent frame.
    case telemetryNotFramed = "telemetry-not-framed"
    /// Framed telemetry whose schema id the registry does not know.
    case telemetryUnknownSchema = "telemetry-unknown-schema"
    /// Telemetry cut in the middle of its Avro body.
    case telemetryTruncatedAvro = "telemetry-truncated-avro"
    /// Telemetry written with a schema that has no `private_efdStamp` (its EFD time).
    case telemetryWithoutEFDStamp = "telemetry-without-efd-stamp"

    /// Whether the header worker (rather than the EFD stream) receives it.
    public var isHeader: Bool { rawValue.hasPrefix("header-") }

    /// A schema id no registry of ours hands out (ids count up from 1 and a night registers a few dozen).
    public static let unknownSchemaID: UInt32 = 999_999

    /// The seq_num of the header without CONTRLLR: far above any demo night's, so a header of it can
    /// never collide with a real exposure.
    public static let missingControllerSeqNum = 99_990

    /// Bytes that are not YAML at all (an unclosed flow sequence, a tab where YAML forbids one).
    public static let notYAML: [UInt8] = Array("PRIMARY: [\n\t- keyword: : \"unterminated\n".utf8)

    /// Any bytes without the 0x00 magic byte a Confluent frame starts with.
    public static let unframed: [UInt8] = Array("this is not a Confluent-framed Avro message".utf8)

    /// The first half of a framed message: the header and part of the body.
    public static func truncated(_ frame: [UInt8]) -> [UInt8] {
        Array(frame.prefix(ConfluentFrame.headerSize + max(1, (frame.count - ConfluentFrame.headerSize) / 2)))
    }

    /// A framed message of `schemaID` whose body is `frame`'s (so only the id is wrong).
    public static func reframed(_ frame: [UInt8], schemaID: UInt32) -> [UInt8] {
        ConfluentFrame.header(schemaID: schemaID) + frame.dropFirst(ConfluentFrame.headerSize)
    }

    /// A demo header without any CONTRLLR card, for `instrument`, taken just now.
    public static func headerWithoutController(instrument: Instrument, sensors: Int = 1) -> (observationID: String, yaml: String) {
        let begin = TAITimestamp.now().adding(seconds: -40) ?? TAITimestamp.now()
        var observation = DemoObservation(instrument: instrument, dayObs: begin.dayObs, seqNum: missingControllerSeqNum, begin: begin,
                                          sensors: Array(DemoHeaders.sensors(of: instrument).prefix(max(1, sensors))))
        observation = DemoHeaders.pointed(observation)
        let header = DemoHeaders.header(observation)
        let stripped = HeaderFile(sections: header.sections.map { section in
            HeaderSection(name: section.name, cards: section.cards.filter { $0.keyword != "CONTRLLR" })
        })
        return (observation.observationID, HeaderFileWriter.yaml(stripped))
    }

    /// `schemaText` (a SAL-shaped record schema) without its `private_efdStamp` field, and `value` without it.
    public static func withoutEFDStamp(schemaText: String, value: AvroValue) -> (schemaText: String, value: AvroValue) {
        let text = schemaText.replacingOccurrences(of: "{\"name\": \"private_efdStamp\", \"type\": \"double\"}, ", with: "")
        guard case .record(let fields) = value else { return (text, value) }
        return (text, .record(fields.filter { $0.name != "private_efdStamp" }))
    }
}
