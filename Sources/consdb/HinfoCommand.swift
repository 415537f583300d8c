import ArgumentParser
import Avro
import Fetch
import Foundation
import Hummingbird
import Ingest
import Kafka
import Logging
import Postgres
import ServiceLifecycle

struct HinfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hinfo",
        abstract: "Fill cdb_<instrument>.exposure and ccdexposure from HeaderService headers.",
        discussion: """
            Without --path or --day-obs, consumes lsst.sal.<HeaderService>.logevent_largeFileObjectAvailable \
            and ingests each announced header (waiting for it to become readable), committing the Kafka \
            offset only after the rows are committed. Inputs that cannot be ingested go to \
            consdb_ingest.rejected. With --path or --day-obs, ingests existing headers and exits (status 1 \
            if any was rejected).

            Environment: INSTRUMENT; CONSDB_DATABASE_URL (or POSTGRES_URL, CONSDB_URL); KAFKA_BOOTSTRAP, \
            KAFKA_GROUP_ID (default consdb-consumer), KAFKA_USERNAME, KAFKA_PASSWORD, KAFKA_SECURITY_PROTOCOL, \
            KAFKA_SASL_MECHANISM, KAFKA_SESSION_TIMEOUT_MS, KAFKA_HEARTBEAT_INTERVAL_MS, \
            KAFKA_MAX_POLL_INTERVAL_MS; SCHEMA_URL, SCHEMA_USERNAME, SCHEMA_PASSWORD; S3_ENDPOINT_URL, \
            AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION; BUCKET_PREFIX; LFA_BUCKET \
            (default rubinobs-lfa-cp); HEADER_URL_PREFIXES (comma-separated prefixes announced URLs must \
            start with, default s3://, which covers the site's https://s3.<site>.lsst.org/ rewritten to s3://; \
            others are dead-lettered, never fetched); HEADER_WAIT_SECONDS (60); HINFO_CONCURRENCY (4); \
            EXP_COLUMNS_TO_UPDATE, CCD_COLUMNS_TO_UPDATE (colon-separated; '@skip' skips ccdexposure); \
            CONSDB_HINFO_SCHEMA; CONSDB_METRICS_PORT (9090, 0 = off); CONSDB_REPLICA_URLS, CONSDB_REPLICA_LAG_THRESHOLD, \
            CONSDB_REPLICA_POLL_SECONDS, CONSDB_REPLICA_BATCH.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "LATISS, LSSTComCam or LSSTCam (else INSTRUMENT).")
    var instrument: String?

    @Option(name: .long, help: "Ingest every *.yaml below this directory (or this one file), then exit.")
    var path: String?

    @Option(name: .long, help: "Ingest every header of this observing day (YYYY-MM-DD or YYYYMMDD) in the LFA bucket, then exit.")
    var dayObs: String?

    @Option(name: .long, help: "LFA bucket for --day-obs (else LFA_BUCKET; default rubinobs-lfa-cp).")
    var bucket: String?

    @Flag(name: .long, help: "Rewrite existing rows (only EXP_COLUMNS_TO_UPDATE / CCD_COLUMNS_TO_UPDATE when set).")
    var update = false

    @Option(name: .long, help: "Write into this schema instead of the instrument's cdb_<instrument> (else CONSDB_HINFO_SCHEMA).")
    var schema: String?

    @Option(name: .long, help: "Headers in flight at once (else HINFO_CONCURRENCY; default 4, backfills two per core).")
    var concurrency: Int?

    @Option(name: .long, help: "Port for /metrics, /healthz and /readyz (else CONSDB_METRICS_PORT; default 9090; 0 = none).")
    var metricsPort: Int?

    @OptionGroup var replicaOptions: ReplicaOptions

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            let instrumentName = instrument ?? settings.string("INSTRUMENT")
            guard let instrumentName else { throw SettingError("INSTRUMENT", "is not set (--instrument LATISS, LSSTComCam or LSSTCam)") }
            guard let instrument = Instrument(name: instrumentName) else {
                throw SettingError("INSTRUMENT", "must be LATISS, LSSTComCam or LSSTCam; got '\(instrumentName)'")
            }
            guard path == nil || dayObs == nil else { throw SettingError("--path", "and --day-obs cannot be given together") }
            let url = try settings.databaseURL(flag: common.databaseURL)
            let policy = ExistingRowPolicy.from(update: update, exposureColumns: settings.string("EXP_COLUMNS_TO_UPDATE"), detectorColumns: settings.string("CCD_COLUMNS_TO_UPDATE"))
            let backfill = path != nil || dayObs != nil
            let slots = try concurrency ?? settings.positiveInt("HINFO_CONCURRENCY", default: backfill ? 2 * ProcessInfo.processInfo.activeProcessorCount : 4)
            guard slots > 0 else { throw SettingError("--concurrency", "must be positive; got \(slots)") }

            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: slots + 1), logger: logger)
            // The worker's service group closes the pool; this closes it on every other path (a backfill, an error).
            defer { Task { await pool.shutdown() } }
            let metrics = HinfoMetrics(instrument: instrument)
            let ingestor = HeaderIngestor(instrument: instrument, pool: pool, policy: policy,
                                          schemaOverride: schema ?? settings.string("CONSDB_HINFO_SCHEMA"), metrics: metrics, logger: logger)
            do {
                // A long-running worker waits for its database (a pod may start before PostgreSQL, or
                // during its restart); a one-shot backfill says at once that it cannot reach it.
                if backfill {
                    try await ingestor.prepare()
                } else {
                    try await DatabaseStartup.waitingForDatabase(logger: logger) { try await ingestor.prepare() }
                }
            } catch let error as IngestSetupError {
                throw SettingError("--schema", "cannot be used: \(error.description)")
            }
            let replication = try await ReplicaSetup.make(replicaOptions, settings, primary: url, schemas: ingestor.schemaOverride.map { [$0] } ?? Set(Controller.allCases.compactMap { instrument.schema(for: $0) }).sorted(), logger: logger)
            var fetcher = Fetcher(s3: S3Settings.fromEnvironment(settings.values), logger: logger)
            fetcher.rewrite = URLRewrite(bucketPrefix: settings.string("BUCKET_PREFIX") ?? "")

            // A backfill is a one-shot job outside any service group: SIGINT/SIGTERM end the process at once,
            // which loses nothing (one transaction per header; a rerun leaves written exposures alone).
            if backfill {
                let summary = try await runBackfill(instrument: instrument, ingestor: ingestor, fetcher: fetcher, concurrency: slots, settings: settings, logger: logger)
                await replication.drainBeforeExit(logger: logger)
                await pool.shutdown()
                if summary.rejected > 0 { throw ExitCode(1) }
                return
            }
            try await runWorker(instrument: instrument, pool: pool, ingestor: ingestor, fetcher: fetcher, concurrency: slots, settings: settings,
                                replication: replication, logger: logger)
        }
    }

    private func runBackfill(instrument: Instrument, ingestor: HeaderIngestor, fetcher: Fetcher, concurrency: Int, settings: Settings, logger: Logger) async throws -> BackfillSummary {
        let backfill = HeaderBackfill(ingestor: ingestor, fetcher: fetcher, concurrency: concurrency, logger: logger)
        let summary: BackfillSummary
        let started = ContinuousClock.now
        if let path {
            let files: [String]
            do { files = try HeaderBackfill.headerFiles(at: path) } catch let error as IngestSetupError {
                throw SettingError("--path", error.description)
            }
            let progress = ProgressReporter(total: files.count, label: "headers", logger: logger)
            summary = try await backfill.run(files: files, progress: progress)
            progress.finish()
        } else {
            let day = try Self.parseDayObs(dayObs!)
            let bucketName = (settings.string("BUCKET_PREFIX") ?? "") + (bucket ?? settings.string("LFA_BUCKET") ?? "rubinobs-lfa-cp")
            let keys = try await backfill.dayKeys(bucket: bucketName, dayObs: day)
            logger.info("listed headers", metadata: ["event": "hinfo.backfill.list", "bucket": "\(bucketName)", "day_obs": "\(day)", "headers": "\(keys.count)"])
            let progress = ProgressReporter(total: keys.count, label: "headers", logger: logger)
            summary = try await backfill.run(urls: keys.map { "s3://\(bucketName)/\($0)" }, progress: progress)
            progress.finish()
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        logger.info("backfill done", metadata: [
            "event": "hinfo.backfill.done", "headers": "\(summary.headers)", "written": "\(summary.written)",
            "unchanged": "\(summary.unchanged)", "skipped": "\(summary.skipped)", "rejected": "\(summary.rejected)",
            "exposure_rows": "\(summary.exposureRows)", "detector_rows": "\(summary.detectorRows)",
            "seconds": "\(String(format: "%.2f", seconds))",
            "headers_per_s": "\(String(format: "%.1f", seconds > 0 ? Double(summary.headers) / seconds : 0))",
        ])
        return summary
    }

    /// `YYYY-MM-DD` or `YYYYMMDD`.
    static func parseDayObs(_ text: String) throws -> Int {
        let digits = text.replacingOccurrences(of: "-", with: "")
        guard digits.count == 8, let value = Int(digits), (1..<10000).contains(value / 10000), (1...12).contains(value / 100 % 100), (1...31).contains(value % 100) else {
            throw SettingError("--day-obs", "must be a date YYYY-MM-DD; got '\(text)'")
        }
        return value
    }

    private func runWorker(instrument: Instrument, pool: ConnectionPool, ingestor: HeaderIngestor, fetcher: Fetcher, concurrency: Int, settings: Settings,
                           replication: ReplicaSetup, logger: Logger) async throws {
        let kafka = try WorkerSetup.kafka(settings, defaultGroup: "consdb-consumer")
        let registry = try WorkerSetup.registry(settings)
        var eventSettings = HeaderEventSettings()
        eventSettings.concurrency = concurrency
        eventSettings.headerWait = .seconds(try settings.positiveDouble("HEADER_WAIT_SECONDS", default: 60))
        if let prefixes = settings.string("HEADER_URL_PREFIXES") {
            do { eventSettings.allowedURLs = try URLPrefixAllowList.parse(prefixes) } catch {
                throw SettingError("HEADER_URL_PREFIXES", "has an entry that is not a URL prefix: \(error.description)")
            }
        }
        let port = try WorkerSetup.metricsPort(flag: metricsPort, settings)

        // No S3 settings are fine when headers come as file:// or http(s) URLs (the demo's); the first s3://
        // header announced without them pauses the worker with a warning naming the settings (ingest.pause).
        let consumer = try KafkaConsumer.make(configuration: kafka, logger: logger)
        let worker = HeaderEventWorker(consumer: consumer, registry: registry.client, fetcher: fetcher, ingestor: ingestor, settings: eventSettings, logger: logger)
        logger.info("hinfo starting", metadata: [
            "event": "hinfo.config", "instrument": "\(instrument.rawValue)", "topic": "\(instrument.eventTopic)", "kafka": "\(kafka)",
            "registry": "\(registry.redactedURL)", "metrics_port": "\(port)", "policy": "\(ingestor.policy)",
            "url_prefixes": "\(eventSettings.allowedURLs)",
        ])
        try await WorkerSetup.run(dependencies: [pool, ClosingService { await consumer.close() }], worker: worker.service, metricsPort: port,
                                  exposition: { ingestor.metrics.exposition() }, isReady: { !ingestor.metrics.isPaused }, replication: replication, logger: logger)
    }
}
