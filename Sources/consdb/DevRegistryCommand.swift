import ArgumentParser
import DevServices
import Foundation
import Logging
import ServiceLifecycle

struct DevRegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Run an in-memory Confluent-compatible schema registry on loopback until stopped.",
        discussion: """
            Prints "schema registry listening on http://127.0.0.1:PORT" as one line on standard output, \
            and writes the base URL to --port-file if given, once connections are accepted; then serves \
            until SIGINT or SIGTERM. Use the URL as SCHEMA_URL.

            Schemas are kept in memory only and are gone when the process ends, unless --state-file names a \
            file: then the registry starts with that file's schemas, subjects and ids and saves every new \
            registration there before answering, so a registry restarted on the same file (after a crash \
            too) serves every schema under the id it had. It serves POST \
            /subjects/{subject}/versions, GET /schemas/ids/{id}[/schema], GET /subjects and GET \
            /subjects/{subject}/versions[/{n|latest}].
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Port to listen on (default 0: a free port).")
    var port = 0

    @Option(name: .long, help: "Also write the base URL to this file (removed again on exit).")
    var portFile: String?

    @Option(name: .long, help: "Keep the schemas in this JSON file too: loaded at start if it exists, saved after every registration.")
    var stateFile: String?

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            guard (0...65535).contains(port) else { throw SettingError("--port", "must be between 0 and 65535; got \(port)") }

            let server: SchemaRegistryServer
            if let stateFile {
                do {
                    server = try SchemaRegistryServer(port: port, stateFile: URL(fileURLWithPath: stateFile), logger: logger)
                } catch {
                    throw SettingError("--state-file", "cannot be loaded: \(error)")
                }
            } else {
                server = SchemaRegistryServer(port: port, logger: logger)
            }
            let boundPort: Int
            do {
                boundPort = try await server.start()
            } catch {
                throw SettingError("--port", "cannot listen on \(SchemaRegistryServer.host):\(port): \(error)")
            }
            let url = "http://\(SchemaRegistryServer.host):\(boundPort)"
            if let portFile {
                do {
                    // Atomic: a script polling for the file never reads half of it.
                    try Data((url + "\n").utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)
                } catch {
                    await server.stop()
                    throw SettingError("--port-file", "cannot be written: \(portFile): \(error.localizedDescription)")
                }
            }
            defer { if let portFile { try? FileManager.default.removeItem(atPath: portFile) } }
            // FileHandle writes are unbuffered, so a script reading the pipe sees the line at once.
            FileHandle.standardOutput.write(Data("schema registry listening on \(url)\n".utf8))
            logger.info("schema registry running", metadata: ["event": "dev.registry.start", "url": "\(url)"])

            let group = ServiceGroup(configuration: .init(
                services: [ClosingService { await server.stop() }], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            ))
            try await group.run()
            logger.info("schema registry stopped", metadata: ["event": "dev.registry.stop"])
        }
    }
}
