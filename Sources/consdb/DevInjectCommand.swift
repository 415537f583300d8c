import ArgumentParser
import Avro
import DevServices
import EFD
import Foundation
import HeaderFile
import Ingest
import JSON
import Kafka
import Logging

/// `consdb dev inject`: sends malformed inputs of the kinds a worker must dead-letter exactly once.
struct DevInjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inject",
        abstract: "Send one malformed input of each given kind to the workers' topics, for fault drills.",
        discussion: """
            Kinds: \(MalformedKind.allCases.map(\.rawValue).joined(separator: ", ")), or all. Header kinds \
            go to the HeaderService topic of --instrument (header files that must exist are written to --dir, \
            which must be under HEADER_URL_PREFIXES); telemetry kinds go to --topic or the first topic of \
            --efd-config (registering the topic's schema, or for telemetry-without-efd-stamp a version of it \
            without private_efdStamp, with SCHEMA_URL). Prints one JSON line per message sent: \
            {"kind", "topic", "partition", "offset"}, the coordinates its dead letter in \
            consdb_ingest.rejected carries.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Comma-separated kinds, or all.")
    var kind: String

    @Option(name: .long, help: "LATISS, LSSTComCam or LSSTCam (the header topic).")
    var instrument = "LSSTCam"

    @Option(name: .long, help: "Directory for header files the header kinds announce.")
    var dir: String?

    @Option(name: .long, help: "Transformed-EFD config whose topic the telemetry kinds use.")
    var efdConfig: String?

    @Option(name: .long, help: "Telemetry topic (default the config's first).")
    var topic: String?

    @Option(name: .long, help: "Kafka bootstrap servers (else KAFKA_BOOTSTRAP).")
    var bootstrap: String?

    @Option(name: .long, help: "Schema registry URL (else SCHEMA_URL).")
    var registry: String?

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            let kinds = try Self.kinds(kind)
            guard let instrument = Instrument(name: instrument) else { throw SettingError("--instrument", "must be LATISS, LSSTComCam or LSSTCam; got '\(self.instrument)'") }
            guard let servers = bootstrap ?? settings.string("KAFKA_BOOTSTRAP") else { throw SettingError("KAFKA_BOOTSTRAP", "is not set (--bootstrap)") }
            guard let registryURL = registry ?? settings.string("SCHEMA_URL") else { throw SettingError("SCHEMA_URL", "is not set (--registry)") }
            let needsFiles = kinds.contains(.headerNotYAML) || kinds.contains(.headerMissingController)
            let directory = try dir.map { path in
                let url = URL(fileURLWithPath: path).standardizedFileURL
                do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                    throw SettingError("--dir", "cannot be created: \(path): \(error.localizedDescription)")
                }
                return url
            }
            if needsFiles, directory == nil { throw SettingError("--dir", "is needed for header-not-yaml and header-missing-contrllr") }
            let telemetryTopic = try kinds.contains(where: { !$0.isHeader }) ? telemetry() : nil

            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: servers), logger: logger)
            let headerSchemaID = try await HeaderAnnouncer.registerSchema(for: instrument, registryURL: registryURL)
            let encoder = AvroEncoder()
            let headerSchema = try AvroSchema(parsing: LargeFileAnnouncement.schemaText(component: instrument.headerService))
            func announcement(url: String, id: String) throws -> [UInt8] {
                try encoder.encodeFrame(LargeFileAnnouncement(url: url, id: id, generator: instrument.headerService, byteSize: 1).avroValue(component: instrument.headerService),
                                        as: headerSchema, schemaID: headerSchemaID)
            }
            func file(_ name: String, _ bytes: [UInt8]) throws -> String {
                let url = directory!.appendingPathComponent(name)
                try Data(bytes).write(to: url, options: .atomic)
                return url.absoluteString
            }

            for kind in kinds {
                let target: String
                let bytes: [UInt8]
                let stamp = UInt64(Date().timeIntervalSince1970 * 1000)
                switch kind {
                case .headerNotFramed:
                    (target, bytes) = (instrument.eventTopic, MalformedKind.unframed)
                case .headerUnknownSchema:
                    (target, bytes) = (instrument.eventTopic, MalformedKind.reframed(try announcement(url: "file:///unknown-schema.yaml", id: "unknown"), schemaID: MalformedKind.unknownSchemaID))
                case .headerTruncatedAvro:
                    (target, bytes) = (instrument.eventTopic, MalformedKind.truncated(try announcement(url: "file:///truncated-event-\(stamp).yaml", id: "truncated")))
                case .headerURLOutsideAllowList:
                    (target, bytes) = (instrument.eventTopic, try announcement(url: "file:///etc/passwd", id: "outside"))
                case .headerNotYAML:
                    let url = try file("not_yaml_\(stamp).yaml", MalformedKind.notYAML)
                    (target, bytes) = (instrument.eventTopic, try announcement(url: url, id: "not_yaml_\(stamp)"))
                case .headerMissingController:
                    let header = MalformedKind.headerWithoutController(instrument: instrument)
                    let url = try file("no_contrllr_\(header.observationID)_\(stamp).yaml", Array(header.yaml.utf8))
                    (target, bytes) = (instrument.eventTopic, try announcement(url: url, id: header.observationID))
                case .telemetryNotFramed, .telemetryUnknownSchema, .telemetryTruncatedAvro, .telemetryWithoutEFDStamp:
                    let topic = telemetryTopic!
                    let value = topic.value
                    let id = try await SchemaRegistration.register(subject: topic.name + "-value", schemaText: topic.schemaText, registryURL: registryURL)
                    let frame = try encoder.encodeFrame(value, as: AvroSchema(parsing: topic.schemaText), schemaID: id)
                    switch kind {
                    case .telemetryNotFramed: bytes = MalformedKind.unframed
                    case .telemetryUnknownSchema: bytes = MalformedKind.reframed(frame, schemaID: MalformedKind.unknownSchemaID)
                    case .telemetryTruncatedAvro: bytes = MalformedKind.truncated(frame)
                    default:
                        let stripped = MalformedKind.withoutEFDStamp(schemaText: topic.schemaText, value: value)
                        let strippedID = try await SchemaRegistration.register(subject: topic.name + "-value", schemaText: stripped.schemaText, registryURL: registryURL)
                        bytes = try encoder.encodeFrame(stripped.value, as: AvroSchema(parsing: stripped.schemaText), schemaID: strippedID)
                    }
                    target = topic.name
                }
                let report = try await producer.send(topic: target, value: bytes)
                let line = JSONValue.object([
                    ("kind", .string(kind.rawValue)), ("topic", .string(report.topic)),
                    ("partition", .int(report.partition)), ("offset", .int(report.offset)),
                ]).serialized
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                logger.info("malformed input sent", metadata: ["event": "dev.inject", "kind": "\(kind.rawValue)", "topic": "\(report.topic)", "offset": "\(report.offset)"])
            }
            await producer.close()
        }
    }

    /// `--kind`: names separated by commas, or `all`.
    static func kinds(_ text: String) throws -> [MalformedKind] {
        if text == "all" { return MalformedKind.allCases }
        return try text.split(separator: ",").map { name in
            guard let kind = MalformedKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw SettingError("--kind", "unknown kind '\(name)'; kinds: \(MalformedKind.allCases.map(\.rawValue).joined(separator: ", ")), all")
            }
            return kind
        }
    }

    /// The telemetry topic the telemetry kinds use, with its schema and one good sample.
    private func telemetry() throws -> (name: String, schemaText: String, value: AvroValue) {
        guard let efdConfig else { throw SettingError("--efd-config", "is needed for the telemetry kinds") }
        let config: EFDConfig
        do { config = try EFDConfig.load(contentsOf: URL(fileURLWithPath: efdConfig)) } catch {
            throw SettingError("--efd-config", "\(error)")
        }
        let demo = try DemoTelemetry(config: config)
        guard let chosen = topic.map({ name in demo.topics.first { $0.name == name } }) ?? demo.topics.first else {
            throw SettingError("--topic", "is not a topic of \(efdConfig)")
        }
        return (chosen.name, chosen.schemaText, demo.value(chosen, utc: Date().timeIntervalSince1970, index: chosen.indices.first))
    }
}
