import ArgumentParser
import Avro
import EFD
import Felis
import FelisCatalog
import Foundation
import Ingest
import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// `consdb efd ...`: EFD summaries.
struct EFDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "efd",
        abstract: "Summarize EFD telemetry per exposure and per visit.",
        subcommands: [EFDStreamCommand.self, EFDBatchCommand.self]
    )
}

/// The options every EFD command takes: which instrument, which column config, which exposures are visits.
struct EFDTargetOptions: ParsableArguments {
    /// Required, except by `efd batch --status` (which then lists every instrument's queue).
    @Option(name: .long, help: "Instrument (schemas cdb_<instrument> and efd_<instrument>).")
    var instrument: String?

    @Option(name: .long, help: "Transformed-EFD column config (the reference's YAML format).")
    var efdConfig: String?

    @Option(name: .long, help: "A boolean column of visit1 that marks the exposures that are visits (else EFD_VISIT_FILTER_COLUMN; default all).")
    var visitFilter: String?
}

/// Which file is the EFD column config and which the settings file, in a command whose `--config` once
/// named the EFD column config (and `--settings` the settings file).
struct EFDConfigChoice {
    /// The transformed-EFD column config.
    var efdConfig: String
    /// The common options with `--config` left only when it names the settings file.
    var common: CommonOptions
    /// The old spelling, if used: one line for the log.
    var deprecations: [String] = []

    /// `--efd-config` when given; without it, a `--config` file that is not a flat settings mapping is taken
    /// as the EFD column config of the old spelling (an EFD config is nested: `columns:` of mappings).
    init(efdConfig: String?, common: CommonOptions) throws {
        self.common = common
        if let efdConfig {
            self.efdConfig = efdConfig
            return
        }
        guard let old = common.config, (try? Settings.load(configFile: old, environment: [:])) == nil else {
            throw SettingError("--efd-config", "is required (the transformed-EFD column config; --config is the settings file)")
        }
        self.efdConfig = old
        self.common.config = nil
        deprecations = ["--config for the EFD column config is deprecated: write --efd-config \(old) (--config now names the settings file)"]
    }
}

/// What the EFD commands share: the instrument's name, the column config, and the schemas' check.
enum EFDCommandSupport {
    /// The instrument's schema suffix (`latiss` for `--instrument LATISS`).
    static func schemaName(_ instrument: String) throws -> String {
        let name = instrument.lowercased()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw SettingError("--instrument", "must be letters, digits and _; got '\(instrument)'")
        }
        return name
    }

    /// Loads the column config; a bad config prints every problem and exits with status 2.
    static func loadConfig(_ path: String) throws -> EFDConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw SettingError("--efd-config", "names a file that does not exist: \(path)") }
        do { return try EFDConfig.load(contentsOf: URL(fileURLWithPath: path)) } catch {
            FileHandle.standardError.write(Data("consdb: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Both schemas must exist, and efd_<instrument> must have every column the config writes.
    static func checkSchemas(pool: ConnectionPool, instrument: String, configPath: String, config: EFDConfig) async throws {
        let name = try schemaName(instrument)
        let cdbSchema = "cdb_\(name)", efdSchema = "efd_\(name)"
        let (cdb, efd) = try await pool.withConnection { connection in
            (try await Catalog.load(schema: cdbSchema, on: connection), try await Catalog.load(schema: efdSchema, on: connection))
        }
        guard cdb?.tables["exposure"] != nil else { throw SettingError("--instrument", "has no \(cdbSchema).exposure table to read exposures from") }
        guard let efd else {
            throw SettingError("--efd-config", "has no schema yet: run consdb schema apply --efd-config \(configPath) --instrument \(instrument)")
        }
        for table in EFDTable.allCases {
            let missing = (table.isUnpivoted ? [] : config.columns(for: table)).map(\.name).filter { efd.tables[table.rawValue]?.column($0) == nil }
            guard efd.tables[table.rawValue] != nil, missing.isEmpty else {
                throw SettingError("--efd-config", "names columns \(efdSchema).\(table.rawValue) lacks (\(missing.prefix(5).joined(separator: ", "))...): re-run consdb schema apply --efd-config")
            }
        }
    }
}

struct EFDStreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Consume EFD telemetry from Kafka and write exposure_efd / visit1_efd rows seconds after each exposure.",
        discussion: """
            Subscribes to every topic the config names, keeps the fields it needs, learns exposures and visits \
            from cdb_<instrument>.exposure and .visit1 (NOTIFY from hinfo, and polling), and upserts each \
            window's summary into efd_<instrument> once every topic has data past its end plus the lateness, or \
            after the maximum wait. Create the schema first: consdb schema apply --efd-config FILE --instrument NAME. \
            --config FILE is the settings file (the old --config for the column config still works, with a warning).

            Environment: CONSDB_DATABASE_URL; KAFKA_BOOTSTRAP, KAFKA_GROUP_ID (default consdb-efd-<instrument>), \
            KAFKA_USERNAME, KAFKA_PASSWORD, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM; SCHEMA_URL, \
            SCHEMA_USERNAME, SCHEMA_PASSWORD; EFD_LATENESS_SECONDS (5), EFD_MAX_WAIT_SECONDS (60), \
            EFD_DISCOVERY_HORIZON_SECONDS (600: telemetry kept for exposures not yet in ConsDB; memory grows with \
            it), EFD_VISIT_FILTER_COLUMN; CONSDB_METRICS_PORT (9090, 0 = off); CONSDB_REPLICA_URLS (see consdb replicas).
            """
    )

    @OptionGroup var options: CommonOptions

    @OptionGroup var target: EFDTargetOptions
    /// Checked by `validate()`.
    var instrument: String { target.instrument ?? "" }
    var visitFilter: String? { target.visitFilter }

    @Option(name: .long, help: "Port for /metrics, /healthz and /readyz (else CONSDB_METRICS_PORT; default 9090; 0 = none).")
    var metricsPort: Int?

    func validate() throws {
        guard target.instrument != nil else { throw ValidationError("Missing expected argument '--instrument <instrument>'") }
    }

    @OptionGroup var replicaOptions: ReplicaOptions

    func run() async throws {
        try await runReportingSettingErrors {
            let choice = try EFDConfigChoice(efdConfig: target.efdConfig, common: options)
            let common = choice.common, config = choice.efdConfig
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings, deprecations: choice.deprecations)
            let url = try settings.databaseURL(flag: common.databaseURL)
            ProcessMemory.tuneAllocator()
            let name = try EFDCommandSupport.schemaName(instrument)
            let efdConfig = try EFDCommandSupport.loadConfig(config)
            // Cooperative rebalances move only the partitions that change owner: every partition moved costs
            // its topic's buffered history.
            var kafka = try WorkerSetup.kafka(settings, defaultGroup: "consdb-efd-\(name)", defaultAssignment: .cooperativeSticky)
            // librdkafka prefetches up to 64 MiB by default; the stream's own inbox already holds 20,000
            // messages, so a smaller prefetch costs no throughput and bounds memory during a catch-up.
            if kafka.extraProperties["queued.max.messages.kbytes"] == nil { kafka.extraProperties["queued.max.messages.kbytes"] = "16384" }
            let registry = try WorkerSetup.registry(settings)
            var streamSettings = EFDStreamSettings()
            let lateness = try settings.positiveDouble("EFD_LATENESS_SECONDS", default: 5)
            let maximumWait = try settings.positiveDouble("EFD_MAX_WAIT_SECONDS", default: 60)
            guard lateness <= 3600 else { throw SettingError("EFD_LATENESS_SECONDS", "must be at most 3600; got \(lateness)") }
            guard maximumWait <= 86400 else { throw SettingError("EFD_MAX_WAIT_SECONDS", "must be at most 86400; got \(maximumWait)") }
            let discovery = try settings.positiveDouble("EFD_DISCOVERY_HORIZON_SECONDS", default: 600)
            guard discovery >= 10, discovery <= 86400 else { throw SettingError("EFD_DISCOVERY_HORIZON_SECONDS", "must be 10 to 86400; got \(discovery)") }
            streamSettings.discoveryHorizon = .seconds(discovery)
            streamSettings.lateness = .seconds(lateness)
            streamSettings.maximumWait = .seconds(maximumWait)
            let port = try WorkerSetup.metricsPort(flag: metricsPort, settings)

            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4), logger: logger)
            let efdSchema = "efd_\(name)"
            // The stream waits for its database at start, as it does for an outage once running.
            try await DatabaseStartup.waitingForDatabase(logger: logger) {
                try await EFDCommandSupport.checkSchemas(pool: pool, instrument: instrument, configPath: config, config: efdConfig)
            }
            let replication = try await ReplicaSetup.make(replicaOptions, settings, primary: url, schemas: [efdSchema], logger: logger)
            let consumer = try KafkaConsumer.make(configuration: kafka, logger: logger)
            let metrics = EFDStreamMetrics(instrument: instrument)
            let worker = EFDStreamWorker(
                consumer: consumer, registry: registry.client, engine: SummaryEngine(config: efdConfig), pool: pool, listenURL: url,
                instrument: instrument, cdbSchema: "cdb_\(name)", efdSchema: efdSchema,
                visitFilterColumn: visitFilter ?? settings.string("EFD_VISIT_FILTER_COLUMN"), settings: streamSettings, metrics: metrics, logger: logger
            )
            try await WorkerSetup.run(dependencies: [pool, ClosingService { await consumer.close() }], worker: worker.service, metricsPort: port,
                                      exposition: { metrics.exposition() }, isReady: { !metrics.isPaused }, replication: replication, logger: logger)
        }
    }
}
