import ArgumentParser
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// `consdb dev ...`: throwaway services for tests and the quick-start demo.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Throwaway services for tests and demos.",
        subcommands: [DevKafkaCommand.self, DevHeadersCommand.self, DevTelemetryCommand.self, DevRegistryCommand.self, DevInjectCommand.self]
    )
}

struct DevKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Run librdkafka's in-process mock Kafka cluster on loopback until stopped.",
        discussion: """
            Prints the bootstrap address (host:port[,host:port...]) as one line on standard output, and \
            writes it to --port-file if given, once the topics exist; then serves until SIGINT or SIGTERM.

            The mock keeps only about 4 MiB per partition, takes about 3 s to form a consumer group, \
            refuses commits during a rebalance and does not answer offset lookups by time; clients should \
            set fetch.wait.max.ms to about 10.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Number of brokers (1 to 64).")
    var brokers = 1

    @Option(name: .long, help: "Topics to create: comma-separated name or name:partitions, e.g. a,b:3.")
    var topics: String?

    @Option(name: .long, help: "Also write the bootstrap address to this file (removed again on exit).")
    var portFile: String?

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            guard (1...64).contains(brokers) else { throw SettingError("--brokers", "must be between 1 and 64; got \(brokers)") }
            var specs: [KafkaMockCluster.TopicSpec] = []
            if let topics {
                do {
                    specs = try KafkaMockCluster.TopicSpec.parseList(topics)
                } catch let error as KafkaConfigurationError {
                    throw SettingError(error.variable, error.problem)
                }
            }

            let cluster = try KafkaMockCluster.start(brokers: brokers, logger: logger)
            for spec in specs {
                try await cluster.createTopic(spec.name, partitions: spec.partitions, replicationFactor: min(brokers, 3))
            }
            let address = cluster.bootstrapServers
            if let portFile {
                do {
                    // Atomic: a script polling for the file never reads half of it.
                    try Data((address + "\n").utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)
                } catch {
                    throw SettingError("--port-file", "cannot be written: \(portFile): \(error.localizedDescription)")
                }
            }
            defer { if let portFile { try? FileManager.default.removeItem(atPath: portFile) } }
            FileHandle.standardOutput.write(Data((address + "\n").utf8))
            logger.info("mock Kafka cluster running", metadata: [
                "event": "dev.kafka.start", "bootstrap": "\(address)", "brokers": "\(brokers)",
                "topics": "\(specs.map { "\($0.name):\($0.partitions)" }.joined(separator: ","))",
            ])

            let group = ServiceGroup(configuration: .init(
                services: [ClosingService { await cluster.close() }], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            ))
            try await group.run()
            logger.info("mock Kafka cluster stopped", metadata: ["event": "dev.kafka.stop"])
        }
    }
}
