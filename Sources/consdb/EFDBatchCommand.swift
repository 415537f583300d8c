import ArgumentParser
import EFD
import Foundation
import InfluxDB
import Ingest
import Kafka
import Logging
import Postgres
import ServiceLifecycle
import Synchronization
import TimeScales

/// `consdb efd batch`: summarize EFD history over time ranges through the resumable task queue.
struct EFDBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Summarize EFD history (InfluxDB) over a time range into exposure_efd / visit1_efd rows, as queued, resumable tasks.",
        discussion: """
            Cuts --start..--end into intervals (--interval, each reaching --overlap back), queues them in \
            consdb_ingest.efd_batch_task, and works through the queue: for each task, every exposure and visit of \
            cdb_<instrument> that begins in the interval is summarized from the EFD's telemetry with the same engine \
            as `consdb efd stream`, and its rows are upserted with the task's done mark in one transaction. Any \
            number of workers (here or on other machines, e.g. with --resume) drain one queue together; a task whose \
            worker died is taken again once its lease expires; a failed task is retried up to --max-attempts times.

            Modes: a range (--start, --end; running it again resumes it, --redo computes done intervals again); \
            --resume (only the unfinished tasks); --cron (the finished intervals of the last --cron-window not done \
            yet, for a Kubernetes CronJob); --failure-monitor (exposures and visits of the last --days days without \
            EFD rows, queued again). --dry-run lists the tasks instead and changes nothing.

            --status prints the queue (counts per status, the oldest waiting task, tasks in hand with their leases, \
            recent failures) and changes nothing; the same tasks are in the read-only views efd_scheduler.<instrument>.

            Exit status: 0 when every task is done, 1 when some failed, 2 for a bad setting (or, with --status, a \
            database that cannot be read), 64 for bad options.

            Environment: CONSDB_DATABASE_URL; EFD_URL (InfluxDB, e.g. http://host:8086), EFD_DATABASE (efd), \
            EFD_USERNAME, EFD_PASSWORD; with --source kafka: KAFKA_BOOTSTRAP, KAFKA_USERNAME, KAFKA_PASSWORD, \
            KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, SCHEMA_URL; EFD_VISIT_FILTER_COLUMN; CONSDB_OPERATOR_ROLE (granted \
            SELECT on efd_scheduler); CONSDB_BATCH_METRICS_PORT (0 = none).
            """
    )

    @OptionGroup var options: CommonOptions

    @OptionGroup var target: EFDTargetOptions
    /// Checked by `validate()` (only `--status` goes without it).
    var instrument: String { target.instrument ?? "" }
    var visitFilter: String? { target.visitFilter }

    @Option(name: .long, help: "Start of the range, UTC (YYYY-MM-DDTHH:MM:SS[.fff][Z]).")
    var start: String?

    @Option(name: .long, help: "End of the range, UTC.")
    var end: String?

    @Option(name: .long, help: "Length of a task (e.g. 5m, 1h, 300s).")
    var interval: String = "5m"

    @Option(name: .long, help: "How far each task reaches back into the one before (windows beginning there are summarized twice).")
    var overlap: String = "1m"

    @Flag(name: .long, help: "With --start/--end: compute again the intervals already done (e.g. after columns were added to the config).")
    var redo = false

    @Flag(name: .long, help: "Queue nothing: work through the instrument's unfinished tasks.")
    var resume = false

    @Flag(name: .long, help: "Queue the finished intervals of the last --cron-window that are not done, then run them.")
    var cron = false

    @Option(name: .long, help: "With --cron: how far back to look for intervals not done.")
    var cronWindow: String = "1h"

    @Option(name: .long, help: "With --cron: how long after an interval's end its telemetry is taken as complete in the EFD.")
    var cronDelay: String = "2m"

    @Flag(name: .long, help: "Queue again the intervals holding exposures or visits of the last --days days that have no EFD row.")
    var failureMonitor = false

    @Option(name: .long, help: "With --failure-monitor: how many days back to look.")
    var days: Double = 7

    @Option(name: .long, help: "Attempts per task before it is marked failed.")
    var maxAttempts: Int = 3

    @Option(name: .long, help: "How long a claimed task is held without renewal (renewed every third of it while it runs).")
    var lease: String = "10m"


    @Option(name: .long, help: "Where the history is read: influxdb (EFD_URL) or kafka (KAFKA_BOOTSTRAP, SCHEMA_URL: telemetry still retained).")
    var source: String = "influxdb"

    @Flag(name: .long, help: "List the tasks that would be queued (or are unfinished, with --resume) and exit.")
    var dryRun = false

    @Flag(name: .long, help: "Print the queue (of --instrument, else of every instrument): counts per status, the oldest waiting task, tasks in hand with their leases, recent failures. Changes nothing.")
    var status = false

    @Option(name: .long, help: "With --status: how many of the most recent failures to print.")
    var failures: Int = 10

    @Option(name: .long, help: "Port for /metrics (consdb_efd_batch_tasks), /healthz and /readyz while the run lasts (else CONSDB_BATCH_METRICS_PORT; default 0 = none).")
    var metricsPort: Int?

    @OptionGroup var replicaOptions: ReplicaOptions

    func validate() throws {
        let modes = [start != nil || end != nil, resume, cron, failureMonitor, status].filter { $0 }.count
        guard modes == 1 else {
            throw ValidationError("give exactly one of: --start and --end, --resume, --cron, --failure-monitor, --status")
        }
        guard status || target.instrument != nil else { throw ValidationError("Missing expected argument '--instrument <instrument>'") }
        guard (1...1000).contains(failures) else { throw ValidationError("--failures must be 1 to 1000") }
        if start != nil || end != nil {
            guard start != nil, end != nil else { throw ValidationError("--start and --end go together") }
        }
        guard ["influxdb", "kafka"].contains(source) else { throw ValidationError("--source must be influxdb or kafka") }
        guard maxAttempts > 0, maxAttempts <= 100 else { throw ValidationError("--max-attempts must be 1 to 100") }
        guard days > 0, days <= 3650 else { throw ValidationError("--days must be more than 0 and at most 3650") }
    }

    func run() async throws {
        if status {
            try await runReportingSettingErrors { try await printStatus() }
            return
        }
        try await runReportingSettingErrors {
            let choice = try EFDConfigChoice(efdConfig: target.efdConfig, common: options)
            let common = choice.common, config = choice.efdConfig
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings, deprecations: choice.deprecations)
            let url = try settings.databaseURL(flag: common.databaseURL)
            let name = try EFDCommandSupport.schemaName(instrument)
            let efdConfig = try EFDCommandSupport.loadConfig(config)
            let length = try Self.duration("--interval", interval, atLeast: 1)
            let reach = try Self.duration("--overlap", overlap, atLeast: 0)
            guard reach < length else { throw SettingError("--overlap", "must be shorter than --interval") }
            var batchSettings = EFDBatchSettings()
            batchSettings.lease = .seconds(try Self.duration("--lease", lease, atLeast: 1))
            // A batch run is often a one-shot job beside long-running workers: no metrics port unless asked for,
            // and a variable of its own, so a host-wide CONSDB_METRICS_PORT cannot make it clash with a worker's.
            let port = try metricsPort ?? settings.positiveIntOrZero("CONSDB_BATCH_METRICS_PORT", default: 0)
            guard (0...65535).contains(port) else { throw SettingError("--metrics-port", "must be between 0 and 65535; got \(port)") }
            let operatorRole = settings.string("CONSDB_OPERATOR_ROLE")

            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4), logger: logger)
            // A run's service group closes the pool; this closes it when no group ran (a dry run, an error before).
            do {
                try await execute(pool: pool, name: name, configPath: config, efdConfig: efdConfig, length: length, reach: reach, batchSettings: batchSettings,
                                  metricsPort: port, operatorRole: operatorRole, settings: settings, logger: logger)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    private func execute(pool: ConnectionPool, name: String, configPath: String, efdConfig: EFDConfig, length: Double, reach: Double, batchSettings: EFDBatchSettings,
                         metricsPort: Int, operatorRole: String?, settings: Settings, logger: Logger) async throws {
        try await EFDCommandSupport.checkSchemas(pool: pool, instrument: instrument, configPath: configPath, config: efdConfig)
        let queue = BatchTaskQueue(pool: pool)
        let windows = WindowSource(schema: "cdb_\(name)", visitFilterColumn: visitFilter ?? settings.string("EFD_VISIT_FILTER_COLUMN"))

        // The tasks to queue.
        var intervals: [BatchInterval] = []
        // Which tasks of earlier runs are queued again: a range re-run resumes (done tasks stay done unless
        // --redo), --cron adds only new intervals, the failure monitor's intervals lack rows whatever their state.
        var requeue: Set<BatchTask.State> = redo ? Set(BatchTask.State.allCases) : [.pending, .running, .failed]
        if let start, let end {
            guard let from = BatchInterval.parseUTC(start) else { throw SettingError("--start", "is not a UTC time (YYYY-MM-DDTHH:MM:SS): '\(start)'") }
            guard let through = BatchInterval.parseUTC(end) else { throw SettingError("--end", "is not a UTC time (YYYY-MM-DDTHH:MM:SS): '\(end)'") }
            guard through > from else { throw SettingError("--end", "must be after --start") }
            intervals = BatchInterval.split(start: from, end: through, length: length, overlap: reach)
            guard intervals.count <= 1_000_000 else { throw SettingError("--interval", "cuts the range into more than 1,000,000 tasks") }
        } else if cron {
            let plan = BatchCron(window: try Self.duration("--cron-window", cronWindow, atLeast: 1),
                                 delay: try Self.duration("--cron-delay", cronDelay, atLeast: 0), length: length, overlap: reach)
            intervals = plan.intervals(at: Date().timeIntervalSince1970)
            requeue = BatchCron.requeue
        } else if failureMonitor {
            let monitor = BatchFailureMonitor(days: days, length: length, overlap: reach)
            let since = monitor.since(now: Date().timeIntervalSince1970)
            let missing = try await pool.withConnection { try await windows.windowsWithoutRows(endingAfter: since, efdSchema: "efd_\(name)", on: $0) }
            intervals = monitor.intervals(missing: missing)
            requeue = BatchFailureMonitor.requeue
            logger.info("failure monitor", metadata: [
                "event": "efd.batch.missing", "windows": "\(missing.count)", "intervals": "\(intervals.count)", "days": "\(days)",
            ])
        }

        // A dry run only reads: the queue's table is created by the first real run (without it, nothing is unfinished).
        if dryRun {
            var listed = intervals
            if resume {
                let tasks = try await queue.exists() ? try await queue.tasks(instrument: name) : []
                listed = tasks.filter { $0.state == .pending || $0.state == .running }.map(\.interval)
            }
            for interval in listed { print("\(name) \(interval)") }
            print("\(listed.count) task\(listed.count == 1 ? "" : "s")")
            return
        }
        // The source first: a missing setting stops the command before anything is queued.
        let history: any TelemetryHistory
        var replayConsumer: KafkaConsumer?
        if source == "kafka" {
            // A group of its own that never commits: a replay reads by time, not from committed offsets.
            var kafka = try WorkerSetup.kafka(settings, defaultGroup: "consdb-efd-batch-\(name)")
            kafka.groupID = "consdb-efd-batch-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
            let consumer = try KafkaConsumer.make(configuration: kafka, logger: logger)
            replayConsumer = consumer
            history = KafkaHistory(consumer: consumer, registry: try WorkerSetup.registry(settings).client)
        } else {
            history = InfluxHistory(client: try Self.influx(settings, logger: logger))
        }
        // The replicas' outbox is prepared before any row is written, so every row of this run is queued.
        let replication = try await ReplicaSetup.make(replicaOptions, settings, primary: pool.configuration.conninfo,
                                                      schemas: ["efd_\(name)"], logger: logger)
        do {
            try await queue.create(instruments: [name], operatorRole: operatorRole)
        } catch let error as BatchSchedulerViewError {
            throw SettingError("CONSDB_OPERATOR_ROLE", error.message)
        }
        let queued = try await queue.enqueue(intervals, instrument: name, maxAttempts: maxAttempts, requeue: requeue)
        if !resume {
            logger.info("tasks queued", metadata: ["event": "efd.batch.queued", "tasks": "\(queued.count)", "of": "\(intervals.count)"])
        }

        let worker = EFDBatchWorker(engine: SummaryEngine(config: efdConfig), queue: queue, pool: pool, history: history, instrument: name,
                                    cdbSchema: "cdb_\(name)", efdSchema: "efd_\(name)", visitFilterColumn: windows.visitFilterColumn,
                                    settings: batchSettings, logger: logger)
        let open = try await queue.counts(instrument: name)
        let progress = ProgressReporter(total: (open[.pending] ?? 0) + (open[.running] ?? 0), label: "efd batch \(name)", logger: logger)
        // SIGTERM / SIGINT: finish the task in hand and stop (the rest stays queued for --resume). The summary
        // is written inside the group, while the pool still runs: it reads the queue's final state.
        let failed = Mutex(0)
        let drain = worker.service(progress: progress) { report in
            progress.finish()
            failed.withLock { $0 = report.tasksFailed }
            let summary = EFDBatchSummary(report: report, queue: try await queue.counts(instrument: name))
            FileHandle.standardError.write(Data((summary.text + "\n").utf8))
            logger.info("batch finished", metadata: summary.metadata)
        }
        let gauges = BatchQueueGauges(instrument: name)
        var dependencies: [any Service] = [pool] + (replayConsumer.map { consumer in [ClosingService { await consumer.close() }] } ?? [])
        if metricsPort > 0 { dependencies.append(gauges.service(pool: pool, logger: logger)) }
        try await WorkerSetup.run(dependencies: dependencies, worker: drain, metricsPort: metricsPort, exposition: { gauges.exposition() },
                                  isReady: { true }, replication: replication, logger: logger)
        // The last tasks' rows: what a replica cannot take now waits in the outbox for any other drainer.
        await replication.drainBeforeExit(logger: logger)
        if failed.withLock({ $0 }) > 0 { throw ExitCode(1) }
    }

    /// `--status`: the queue of `--instrument` (or of every instrument in it), printed to standard output.
    /// Exit 0; 2 when the database cannot be read (a setting error says which).
    private func printStatus() async throws {
        let settings = try options.settings()
        let logger = try options.bootstrapLogging(settings)
        let url = try settings.databaseURL(flag: options.databaseURL)
        let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1), logger: logger)
        do {
            var names = try await BatchQueueStatus.instruments(pool: pool)
            if names.isEmpty { print("no EFD batch tasks queued yet") }
            if let wanted = target.instrument, !names.isEmpty { names = [try EFDCommandSupport.schemaName(wanted)] }
            for name in names {
                print(try await BatchQueueStatus.load(instrument: name, failureLimit: failures, pool: pool).text)
            }
            await pool.shutdown()
        } catch let error as SettingError {
            await pool.shutdown()
            throw error
        } catch {
            await pool.shutdown()
            throw SettingError("database", "cannot read the batch queue: \(error)")
        }
    }

    static func influx(_ settings: Settings, logger: Logger) throws -> InfluxClient {
        do {
            return try InfluxClient(settings: try InfluxSettings.fromEnvironment(settings.values), logger: logger)
        } catch {
            throw SettingError("EFD", "settings: \(error.message)")
        }
    }

    /// A duration such as 5m, 90s, 1h, in seconds.
    static func duration(_ option: String, _ text: String, atLeast minimum: Double) throws -> Double {
        // "0", "0s", "0m": no duration (AggregationInterval is positive only).
        if minimum == 0, text.first == "0", text.allSatisfy({ $0 == "0" || ["s", "m", "h", "d"].contains($0) }), text.count <= 3 { return 0 }
        guard let parsed = AggregationInterval(parsing: text), parsed.seconds >= minimum, parsed.seconds <= 366 * 86400 else {
            throw SettingError(option, "must be a duration such as 30s, 5m, 1h (at least \(minimum) s); got '\(text)'")
        }
        return parsed.seconds
    }
}

/// The end-of-run summary: this worker's tasks and where the time went, and the queue's states.
struct EFDBatchSummary {
    var report: EFDBatchReport
    var queue: [BatchTask.State: Int]

    static func seconds(_ duration: Duration) -> String { String(format: "%.2f", duration.seconds) }

    var text: String {
        let r = report
        return """
            efd batch: \(r.tasksDone) task\(r.tasksDone == 1 ? "" : "s") done, \(r.tasksFailed) failed (\(r.attemptsFailed) failed attempts); \
            \(r.exposures) exposures, \(r.visits) visits, \(r.rows) rows written; \
            time: EFD answering \(Self.seconds(r.history.waiting)) s, parsing \(Self.seconds(r.history.parsing)) s, \
            summarizing \(Self.seconds(r.summarizing)) s, writing \(Self.seconds(r.writing)) s; \
            queue: \(BatchTask.State.allCases.map { "\($0.rawValue) \(queue[$0] ?? 0)" }.joined(separator: ", "))
            """
    }

    var metadata: Logger.Metadata {
        let r = report
        return [
            "event": "efd.batch.summary", "tasks_done": "\(r.tasksDone)", "tasks_failed": "\(r.tasksFailed)", "attempts_failed": "\(r.attemptsFailed)",
            "exposures": "\(r.exposures)", "visits": "\(r.visits)", "rows": "\(r.rows)", "history_rows": "\(r.history.rows)",
            "efd_seconds": "\(Self.seconds(r.history.waiting))", "parse_seconds": "\(Self.seconds(r.history.parsing))",
            "summarize_seconds": "\(Self.seconds(r.summarizing))", "write_seconds": "\(Self.seconds(r.writing))",
        ]
    }
}
