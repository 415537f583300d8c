import ArgumentParser
import Avro
import DevServices
import EFD
import Fetch
import Foundation
import InfluxDB
import Ingest
import Kafka
import Logging

/// `consdb dev telemetry`: plays the EFD's producers for the demo.
struct DevTelemetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry",
        abstract: "Produce live demo telemetry for every topic of an EFD config until stopped.",
        discussion: """
            Registers a SAL-shaped Avro schema per topic with the registry (SCHEMA_URL) and sends Confluent-framed \
            messages to KAFKA_BOOTSTRAP in real time: mount and accelerometer topics at 50 Hz, hexapods every \
            5 s, the rest at 1 Hz, one message per salIndex for indexed sensors. With --efd-url, writes the same \
            telemetry into that InfluxDB too (database efd, created if missing), as the EFD's Telegraf would, so \
            that `consdb efd batch` can summarize it later.
            """
    )

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Transformed-EFD config whose topics to produce.")
    var efdConfig: String?

    @Option(name: .long, help: "Kafka bootstrap servers (else KAFKA_BOOTSTRAP).")
    var bootstrap: String?

    @Option(name: .long, help: "Schema registry URL (else SCHEMA_URL).")
    var registry: String?

    @Option(name: .long, help: "Also write the telemetry into this InfluxDB (base URL, database efd), as the EFD does.")
    var efdURL: String?

    @Option(name: .long, help: "Stop after this many seconds (default: run until stopped).")
    var duration: Double?

    func run() async throws {
        try await runReportingSettingErrors {
            let choice = try EFDConfigChoice(efdConfig: efdConfig, common: options)
            let common = choice.common, config = choice.efdConfig
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings, deprecations: choice.deprecations)
            guard let servers = bootstrap ?? settings.string("KAFKA_BOOTSTRAP") else { throw SettingError("KAFKA_BOOTSTRAP", "is not set (--bootstrap)") }
            guard let registryURL = registry ?? settings.string("SCHEMA_URL") else { throw SettingError("SCHEMA_URL", "is not set (--registry)") }
            let columnConfig: EFDConfig
            do { columnConfig = try EFDConfig.load(contentsOf: URL(fileURLWithPath: config)) } catch let error as EFDConfigError {
                FileHandle.standardError.write(Data("consdb: \(error.description)\n".utf8))
                throw ExitCode(2)
            }
            let telemetry = try DemoTelemetry(config: columnConfig)
            var schemaIDs: [String: UInt32] = [:]
            for topic in telemetry.topics {
                schemaIDs[topic.name] = try await SchemaRegistration.register(subject: topic.name + "-value", schemaText: topic.schemaText, registryURL: registryURL)
            }
            var kafka = KafkaConfiguration(bootstrapServers: servers)
            kafka.linger = .milliseconds(5)
            let producer = try KafkaProducer.make(configuration: kafka, logger: logger)
            logger.info("producing demo telemetry", metadata: ["event": "dev.telemetry.start", "topics": "\(telemetry.topics.count)"])
            let influx = try efdURL.map { url in
                do { return try InfluxClient(settings: InfluxSettings(url: url, database: "efd"), logger: logger) } catch {
                    throw SettingError("--efd-url", "\(error)")
                }
            }
            if let influx { try await influx.createDatabase("efd") }
            // SIGTERM / SIGINT stop the production after the current tick; the producer then delivers what was sent.
            let stopped = StopSignal()
            let duration = duration, ids = schemaIDs
            let production = WorkerService(run: {
                var lines: [String] = []
                var lastWrite = Date().timeIntervalSince1970
                let encoder = AvroEncoder()
                let start = Date().timeIntervalSince1970
                var next = telemetry.topics.map { _ in start }
                let tick = 0.02
                while !stopped.isFired, duration.map({ Date().timeIntervalSince1970 - start < $0 }) ?? true {
                    let now = Date().timeIntervalSince1970
                    var batch: [KafkaOutgoingMessage] = []
                    for (position, topic) in telemetry.topics.enumerated() {
                        while next[position] <= now {
                            for index in topic.indices.isEmpty ? [nil] : topic.indices.map(Optional.some) {
                                let value = telemetry.value(topic, utc: next[position], index: index)
                                batch.append(KafkaOutgoingMessage(topic: topic.name, key: [], value: try encoder.encodeFrame(value, as: topic.schema, schemaID: ids[topic.name]!)))
                                if influx != nil, let line = EFDLineProtocol.line(topic: topic.name, record: value) { lines.append(line) }
                            }
                            next[position] += 1 / topic.rate
                        }
                    }
                    if !batch.isEmpty { _ = try await producer.send(batch) }
                    // Telegraf writes the EFD in batches; once a second here.
                    if let influx, now - lastWrite >= 1, !lines.isEmpty {
                        try await influx.write(lineProtocol: lines.joined(separator: "\n"))
                        lines.removeAll(keepingCapacity: true)
                        lastWrite = now
                    }
                    try await Task.sleep(for: .seconds(tick))
                }
            }, stop: { stopped.fire() })
            try await WorkerSetup.run(dependencies: [ClosingService { await producer.close() }], worker: production, metricsPort: 0,
                                      exposition: { "" }, isReady: { true }, logger: logger)
        }
    }
}
