import Avro
import EFD
import Foundation
import TimeScales

/// Plausible telemetry for the topics of an EFD config, for the demo: each topic at a rate like the
/// real one (mounts and accelerometers 50 Hz, hexapods every 5 s, weather 1 Hz), each field a slow
/// drift plus a little noise, indexed sensors (a `salIndex` subset field) publishing one message per index.
public struct DemoTelemetry: Sendable {
    public struct Topic: Sendable {
        public var name: String
        /// Messages per second (per index).
        public var rate: Double
        public var fields: [String]
        /// `salIndex` values published, or empty for a topic that is not indexed.
        public var indices: [Int32]
        public var schema: AvroSchema
        public var schemaText: String
    }

    public let topics: [Topic]

    public init(config: EFDConfig) throws {
        var fieldsByTopic: [String: [String]] = [:]
        var indicesByTopic: [String: Set<Int32>] = [:]
        for column in config.columns {
            for topic in column.topics {
                for field in topic.fields where field != column.subsetField && !(fieldsByTopic[topic.name] ?? []).contains(field) {
                    fieldsByTopic[topic.name, default: []].append(field)
                }
                if column.subsetField == "salIndex" {
                    indicesByTopic[topic.name, default: []].formUnion(column.subsetValues.compactMap { Int32(exactly: $0) })
                }
            }
        }
        topics = try config.topicNames.map { name in
            let fields = fieldsByTopic[name] ?? []
            let indices = (indicesByTopic[name] ?? []).sorted()
            let text = Self.schemaText(topic: name, fields: fields, indexed: !indices.isEmpty)
            return Topic(name: name, rate: Self.rate(of: name), fields: fields, indices: indices, schema: try AvroSchema(parsing: text), schemaText: text)
        }
    }

    static func rate(of topic: String) -> Double {
        if topic.contains("MTMount") || topic.contains("accelerometer") { return 50 }
        if topic.contains("Hexapod") { return 0.2 }
        return 1
    }

    /// A SAL-shaped record: salIndex (indexed topics), the private stamps, then the fields as doubles.
    static func schemaText(topic: String, fields: [String], indexed: Bool) -> String {
        let parts = topic.split(separator: ".")
        let name = parts.last.map(String.init) ?? "telemetry"
        let namespace = parts.dropLast().joined(separator: ".")
        var list: [String] = []
        if indexed { list.append("{\"name\": \"salIndex\", \"type\": \"int\"}") }
        list += ["private_sndStamp", "private_efdStamp", "private_kafkaStamp"].map { "{\"name\": \"\($0)\", \"type\": \"double\"}" }
        list += fields.map { "{\"name\": \"\($0)\", \"type\": \"double\"}" }
        return "{\"type\": \"record\", \"name\": \"\(name)\", \"namespace\": \"\(namespace)\", \"fields\": [\(list.joined(separator: ", "))]}"
    }

    /// One message of `topic` at UTC time `utc` (and index, for indexed topics).
    public func value(_ topic: Topic, utc: Double, index: Int32?) -> AvroValue {
        let tai = LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc)
        var fields: [(name: String, value: AvroValue)] = []
        if let index { fields.append(("salIndex", .int(index))) }
        fields += [("private_sndStamp", .double(tai)), ("private_efdStamp", .double(utc)), ("private_kafkaStamp", .double(tai))]
        for (position, field) in topic.fields.enumerated() {
            fields.append((field, .double(Self.level(topic: topic.name, field: field, position: position, utc: utc, index: index))))
        }
        return .record(fields)
    }

    /// A field's value: a level typical of what it measures, a slow swing and some noise.
    static func level(topic: String, field: String, position: Int, utc: Double, index: Int32?) -> Double {
        let phase = Double(position) + Double(index ?? 0) * 0.1
        let noise = Double.random(in: -1...1)
        switch true {
        case topic.contains("temperature"): return 11.5 + 0.8 * sin(utc / 900 + phase) + 0.05 * noise
        case topic.contains("airFlow"): return max(0, 4 + 1.5 * sin(utc / 120 + phase) + 0.6 * noise)
        case topic.contains("elevation"): return 55 + 15 * sin(utc / 3000 + phase) + 0.0005 * noise
        case topic.contains("azimuth"): return 180 + 60 * sin(utc / 2400 + phase) + 0.0005 * noise
        case topic.contains("Hexapod"): return 120 + 5 * sin(utc / 1800 + phase) + 0.1 * noise
        case topic.contains("accelerometer"): return 0.002 * noise
        default: return sin(utc / 600 + phase) + 0.01 * noise
        }
    }
}
