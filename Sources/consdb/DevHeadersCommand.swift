import ArgumentParser
import DevServices
import Fetch
import Foundation
import HeaderFile
import Ingest
import Kafka
import Logging
import ServiceLifecycle
import TimeScales

/// `consdb dev headers`: plays HeaderService for a demo night.
struct DevHeadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headers",
        abstract: "Write a demo night of header files and announce each on Kafka, as HeaderService does.",
        discussion: """
            Registers the logevent_largeFileObjectAvailable schema with the registry (SCHEMA_URL), then for \
            each exposure writes <dir>/<HeaderService>_header_<obsid>.yaml and sends an event whose url is \
            the file:// URL of that file to lsst.sal.<HeaderService>.logevent_largeFileObjectAvailable \
            (KAFKA_BOOTSTRAP).
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "LATISS, LSSTComCam or LSSTCam.")
    var instrument = "LSSTCam"

    @Option(name: .long, help: "Directory for the header files (created if needed).")
    var dir: String

    @Option(name: .long, help: "Number of exposures.")
    var count = 24

    @Option(name: .long, help: "Observing day, YYYYMMDD.")
    var dayObs = 20261124

    @Option(name: .long, help: "Seconds between announcements (0: all at once).")
    var interval = 0.0

    @Option(name: .long, help: "Only the first N sensors of the camera (default all).")
    var sensors: Int?

    @Flag(name: .long, help: "Exposures happen now: each announced header describes an exposure that just ended (its day_obs follows).")
    var live = false

    @Option(name: .long, help: "Exposure time in seconds.")
    var exposureTime = 30.0

    @Option(name: .long, help: "Kafka bootstrap servers (else KAFKA_BOOTSTRAP).")
    var bootstrap: String?

    @Option(name: .long, help: "Schema registry URL (else SCHEMA_URL).")
    var registry: String?

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            guard let instrument = Instrument(name: instrument) else { throw SettingError("--instrument", "must be LATISS, LSSTComCam or LSSTCam; got '\(self.instrument)'") }
            guard let servers = bootstrap ?? settings.string("KAFKA_BOOTSTRAP") else { throw SettingError("KAFKA_BOOTSTRAP", "is not set (--bootstrap)") }
            guard let registryURL = registry ?? settings.string("SCHEMA_URL") else { throw SettingError("SCHEMA_URL", "is not set (--registry)") }
            guard count > 0, count < 100_000 else { throw SettingError("--count", "must be between 1 and 99999; got \(count)") }
            guard interval >= 0, interval.isFinite else { throw SettingError("--interval", "must be zero or more seconds; got \(interval)") }
            let directory = URL(fileURLWithPath: dir).standardizedFileURL
            do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
                throw SettingError("--dir", "cannot be created: \(dir): \(error.localizedDescription)")
            }

            let schemaID = try await HeaderAnnouncer.registerSchema(for: instrument, registryURL: registryURL)
            let producer = try KafkaProducer.make(configuration: KafkaConfiguration(bootstrapServers: servers), logger: logger)
            let announcer = try HeaderAnnouncer(instrument: instrument, producer: producer, schemaID: schemaID)
            guard exposureTime > 0, exposureTime < 3600 else { throw SettingError("--exposure-time", "must be between 0 and 3600 seconds; got \(exposureTime)") }
            let sensorNames = sensors.map { Array(DemoHeaders.sensors(of: instrument).prefix(max(1, $0))) }
            let night = DemoHeaders.night(instrument: instrument, dayObs: dayObs, count: count, sensors: sensorNames)
            let interval = interval, live = live, exposureTime = exposureTime
            // SIGTERM / SIGINT end the night between two announcements; the producer then delivers what was sent.
            let stopped = StopSignal()
            let announcements = WorkerService(run: {
                for (index, planned) in night.enumerated() {
                    if index > 0, interval > 0, await stopped.wait(atMost: .seconds(interval)) { break }
                    guard !stopped.isFired else { break }
                    var observation = planned
                    observation.exposureTime = exposureTime
                    if live {
                        // Ended half a second ago.
                        let begin = TAITimestamp.now().adding(seconds: -exposureTime - 0.5) ?? TAITimestamp.now()
                        observation.begin = begin
                        observation.dayObs = begin.dayObs
                        observation = DemoHeaders.pointed(observation)
                    }
                    let file = directory.appendingPathComponent("\(instrument.headerService)_header_\(observation.observationID).yaml")
                    let text = HeaderFileWriter.yaml(DemoHeaders.header(observation))
                    try Data(text.utf8).write(to: file, options: .atomic)
                    try await announcer.announce(LargeFileAnnouncement(
                        url: file.absoluteString, id: observation.observationID, generator: instrument.headerService,
                        byteSize: Int64(text.utf8.count), sentTAI: TAITimestamp.now().taiUnixSeconds
                    ), sequence: Int32(index))
                    logger.info("announced header", metadata: ["event": "dev.headers.announce", "obsid": "\(observation.observationID)", "url": "\(file.absoluteString)"])
                }
            }, stop: { stopped.fire() })
            try await WorkerSetup.run(dependencies: [ClosingService { await producer.close() }], worker: announcements, metricsPort: 0,
                                      exposition: { "" }, isReady: { true }, logger: logger)
        }
    }
}
