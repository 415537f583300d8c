import Avro
import TimeScales

/// HeaderService's `logevent_largeFileObjectAvailable`: a new header file is at `url`.
public struct LargeFileAnnouncement: Sendable, Equatable {
    public var url: String
    /// The image name (OBSID), e.g. `AT_O_20240801_000302`.
    public var id: String
    public var generator: String
    public var mimeType: String
    public var byteSize: Int64
    public var checkSum: String
    /// When HeaderService sent it (TAI unix seconds), 0 when unknown.
    public var sentTAI: Double

    public init(url: String, id: String, generator: String = "", mimeType: String = "YAML", byteSize: Int64 = 0, checkSum: String = "", sentTAI: Double = 0) {
        self.url = url
        self.id = id
        self.generator = generator
        self.mimeType = mimeType
        self.byteSize = byteSize
        self.checkSum = checkSum
        self.sentTAI = sentTAI
    }

    /// Reads the fields from a decoded message; `url` must be a non-empty string.
    public init(_ value: AvroValue) throws(HeaderMappingError) {
        guard case .record = value.unwrapped else { throw HeaderMappingError("the event is not a record: \(value)") }
        guard let url = value[field: "url"]?.stringValue else { throw HeaderMappingError("the event has no url field") }
        guard !url.isEmpty else { throw HeaderMappingError("the event's url is empty") }
        self.url = url
        id = value[field: "id"]?.stringValue ?? ""
        generator = value[field: "generator"]?.stringValue ?? ""
        mimeType = value[field: "mimeType"]?.stringValue ?? ""
        byteSize = value[field: "byteSize"]?.int64Value ?? 0
        checkSum = value[field: "checkSum"]?.stringValue ?? ""
        sentTAI = value[field: "private_sndStamp"]?.doubleValue ?? 0
    }

    /// The event's Avro schema as SAL generates it for a HeaderService (private fields first, no salIndex:
    /// the HeaderServices are not indexed). For producing events in tests and the demo.
    public static func schemaText(component: String) -> String {
        let fields: [(String, String, String)] = [
            ("private_sndStamp", "double", "0.0"), ("private_rcvStamp", "double", "0.0"),
            ("private_efdStamp", "double", "0.0"), ("private_kafkaStamp", "double", "0.0"),
            ("private_seqNum", "int", "0"), ("private_revCode", "string", "\"\""),
            ("private_identity", "string", "\"\""), ("private_origin", "int", "0"),
            ("url", "string", "\"\""), ("generator", "string", "\"\""), ("version", "float", "0.0"),
            ("byteSize", "int", "0"), ("checkSum", "string", "\"\""), ("mimeType", "string", "\"\""),
            ("id", "string", "\"\""),
        ]
        let list = fields.map { "{\"name\": \"\($0.0)\", \"type\": \"\($0.1)\", \"default\": \($0.2)}" }.joined(separator: ", ")
        return "{\"type\": \"record\", \"name\": \"logevent_largeFileObjectAvailable\", \"namespace\": \"lsst.sal.\(component)\", \"fields\": [\(list)]}"
    }

    /// The message value for ``schemaText(component:)``.
    public func avroValue(component: String, sequence: Int32 = 0) -> AvroValue {
        let utc = sentTAI == 0 ? 0 : LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: sentTAI)
        return .record([
            ("private_sndStamp", .double(sentTAI)), ("private_rcvStamp", .double(0)),
            ("private_efdStamp", .double(utc)), ("private_kafkaStamp", .double(sentTAI)),
            ("private_seqNum", .int(sequence)), ("private_revCode", .string("")),
            ("private_identity", .string(component)), ("private_origin", .int(0)),
            ("url", .string(url)), ("generator", .string(generator.isEmpty ? component : generator)),
            ("version", .float(1)), ("byteSize", .int(Int32(clamping: byteSize))), ("checkSum", .string(checkSum)),
            ("mimeType", .string(mimeType)), ("id", .string(id)),
        ])
    }
}
