import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// How a ``TAPJobRunner`` polls and when it gives up on another server.
public struct TAPJobRunnerSettings: Sendable {
    /// The longest the runner sleeps between rounds (1 s): it renews its jobs' leases, sees aborts and
    /// deletions made through other servers and takes queued jobs at least this often. Notifications
    /// from the job table usually wake it sooner.
    public var pollInterval: Duration = .seconds(1)
    /// A job EXECUTING on a server that has not renewed its lease for this long goes to ERROR (60 s).
    public var leaseSeconds: Double = 60
    /// How often expired jobs are destroyed and stale leases expired (30 s).
    public var sweepInterval: Duration = .seconds(30)
    /// This server's name in the job table (host name, process id and a random suffix by default).
    public var serverName: String = TAPJobRunnerSettings.defaultServerName()

    public init() {}

    public static func defaultServerName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(TAPJob.newID().prefix(8))"
    }
}

/// Runs the queued async jobs: a `Service` for `consdb serve`'s group (after the pool, before the HTTP
/// server). Several servers may run one each over the same job table.
///
/// Each round it renews the leases of its jobs (a job it no longer owns was aborted or deleted: its
/// query is cancelled), takes QUEUED jobs (`FOR UPDATE SKIP LOCKED`) while fewer than
/// `maxExecutingJobs` run here, and now and then destroys jobs past their destruction time and fails
/// jobs whose server stopped renewing its lease. Results stream to `<resultsDirectory>/<id>.<ext>`.
/// At shutdown its running jobs go back to QUEUED, for the next server to run from the start.
public final class TAPJobRunner: Service, Sendable {
    public let store: TAPJobStore
    let executor: any TAPQueryExecuting
    let configuration: TAPConfiguration
    public let settings: TAPJobRunnerSettings
    let metrics: TAPJobMetrics
    let logger: Logger
    private let wake = TAPWakeSignal()
    private let running = Mutex<[String: TAPJobStop]>([:])
    private let shuttingDown = Mutex(false)

    public init(
        store: TAPJobStore, executor: any TAPQueryExecuting, configuration: TAPConfiguration,
        settings: TAPJobRunnerSettings = TAPJobRunnerSettings(), metrics: TAPJobMetrics = TAPJobMetrics(),
        logger: Logger = Logger(label: "consdb.tap.jobs")
    ) {
        self.store = store
        self.executor = executor
        self.configuration = configuration
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    /// Asks the loop to look at the table now (a job was queued or aborted through this server).
    public func wakeUp() { wake.signal() }

    /// Ids of the jobs executing here.
    public var executingJobs: [String] { running.withLock { Array($0.keys) } }

    public func run() async throws {
        guard let directory = configuration.resultsDirectory else {
            logger.warning("async TAP jobs will not run: no results directory is set", metadata: ["event": "tap.jobs_disabled"])
            try? await gracefulShutdown()
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await store.prepare()
        logger.info("async TAP job runner started", metadata: [
            "event": "tap.runner_started", "server": "\(settings.serverName)", "results": "\(directory)",
            "max_executing": "\(configuration.maxExecutingJobs)",
        ])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.listen() }
                var lastSweep = ContinuousClock.now - settings.sweepInterval
                while !Task.isCancelled, !shuttingDown.withLock({ $0 }) {
                    do {
                        try await renewLeases()
                        if ContinuousClock.now - lastSweep >= settings.sweepInterval {
                            lastSweep = .now
                            try await sweep(directory: directory)
                        }
                        while running.withLock({ $0.count }) < max(1, configuration.maxExecutingJobs),
                              !shuttingDown.withLock({ $0 }),
                              let job = try await store.claim(server: settings.serverName) {
                            let stop = TAPJobStop()
                            running.withLock { $0[job.id] = stop }
                            metrics.executingJobs(running.withLock { $0.count })
                            group.addTask { await self.execute(job, stop: stop, directory: directory) }
                        }
                    } catch {
                        logger.warning("async TAP job round failed; retrying", metadata: ["event": "tap.runner_round_failed", "error": "\(error)"])
                    }
                    await wake.wait(upTo: settings.pollInterval)
                }
                for stop in running.withLock({ Array($0.values) }) { stop.stop(.shutdown) }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.shuttingDown.withLock { $0 = true }
            self.wake.signal()
        }
        logger.info("async TAP job runner stopped", metadata: ["event": "tap.runner_stopped", "server": "\(settings.serverName)"])
    }

    /// Renews the leases of the jobs running here; stops those aborted or deleted meanwhile.
    private func renewLeases() async throws {
        let ids = running.withLock { Array($0.keys) }
        guard !ids.isEmpty else { return }
        let owned = try await store.heartbeat(ids, server: settings.serverName)
        for id in ids where !owned.contains(id) {
            running.withLock { $0[id] }?.stop(.withdrawn)
        }
    }

    /// Destroys jobs past their destruction time (with their files) and fails jobs of dead servers.
    private func sweep(directory: String) async throws {
        for (id, file) in try await store.destroyExpired() {
            running.withLock { $0[id] }?.stop(.withdrawn)
            if let file { TAPResultFile.remove(file, in: directory) }
            logger.info("async TAP job destroyed", metadata: ["event": "tap.job_destroyed", "job": "\(id)"])
        }
        for id in try await store.expireLeases(leaseSeconds: settings.leaseSeconds) {
            metrics.finished(.error)
            logger.warning("async TAP job failed: its server stopped", metadata: ["event": "tap.job_lease_expired", "job": "\(id)"])
        }
    }

    /// Wakes the loop on every job-table notification (a job queued or aborted through any server).
    /// Without a listening connection the loop still polls.
    private func listen() async {
        var connection: Connection?
        while !Task.isCancelled, !shuttingDown.withLock({ $0 }) {
            do {
                if connection == nil {
                    let fresh = try await Connection.connect(store.pool.configuration.conninfo, logger: logger)
                    try await fresh.listen(TAPJobTable.channel)
                    connection = fresh
                }
                if let connection, !(try await connection.notifications(waitingUpTo: .milliseconds(500))).isEmpty {
                    wake.signal()
                }
            } catch {
                connection = nil
                try? await Task.sleep(for: settings.pollInterval)
            }
        }
    }

    // MARK: One job

    private enum Ending {
        case finished(TAPQueryOutcome)
        case failed(any Error)
        case stopped(TAPJobStopReason?)
    }

    private func execute(_ job: TAPJob, stop: TAPJobStop, directory: String) async {
        defer {
            running.withLock { _ = $0.removeValue(forKey: job.id) }
            metrics.executingJobs(running.withLock { $0.count })
            wake.signal()
        }
        logger.info("async TAP job executing", metadata: ["event": "tap.job_started", "job": "\(job.id)"])
        let contentType: String
        do {
            contentType = try executor.contentType(for: job.parameters)
            try Self.checkRunnable(job.parameters)
        } catch {
            await finish(job, failure: error.message)
            return
        }
        let file: TAPResultFile
        do {
            file = try TAPResultFile(directory: directory, name: job.id + "." + TAPJobResult.fileExtension(for: contentType))
        } catch {
            logger.error("async TAP result file cannot be written", metadata: ["event": "tap.result_file_error", "job": "\(job.id)", "error": "\(error)"])
            await finish(job, failure: "The service cannot store the result: \(error)")
            return
        }
        let executor = self.executor
        let ending: Ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                do {
                    return .finished(try await executor.execute(job.parameters, timeoutSeconds: Double(job.executionDuration)) { bytes in
                        try await file.write(bytes)
                    })
                } catch {
                    return .failed(error)
                }
            }
            group.addTask { .stopped(await stop.wait(seconds: Double(job.executionDuration))) }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        switch ending {
        case .finished(let outcome):
            do {
                let size = try await file.finish()
                let result = TAPJobResult(rows: outcome.rows, overflow: outcome.overflow, contentType: contentType,
                                          fileName: file.name, size: size)
                let recorded = try await detached { try await self.store.complete(job.id, server: self.settings.serverName, result: result) }
                if recorded {
                    metrics.finished(.completed)
                    logger.info("async TAP job completed", metadata: [
                        "event": "tap.job_completed", "job": "\(job.id)", "rows": "\(outcome.rows)", "bytes": "\(size)",
                    ])
                } else {
                    // Aborted or deleted at the last moment: the result must not outlive the decision.
                    TAPResultFile.remove(file.name, in: directory)
                }
            } catch {
                await file.discard()
                await finish(job, failure: "The service could not store the result: \(error)")
            }
        // A failure while this task is cancelled is the shutdown's doing (the cancellation reaches the
        // query before the loop can mark the stop), not the query's.
        case .failed(let error) where stop.reason == nil && !Task.isCancelled:
            await file.discard()
            await finish(job, failure: (error as? TAPRequestError)?.message ?? "The query failed: \(error)")
        case .failed, .stopped:
            await file.discard()
            switch stop.reason ?? .shutdown {
            case .withdrawn:
                metrics.finished(.aborted)
                logger.info("async TAP job stopped: aborted or deleted", metadata: ["event": "tap.job_withdrawn", "job": "\(job.id)"])
            case .timeout:
                await finish(job, failure: "The query ran longer than the job's execution duration (\(job.executionDuration) s) and was stopped")
            case .shutdown:
                let requeued = (try? await detached { try await self.store.requeue(job.id, server: self.settings.serverName) }) ?? false
                if requeued { metrics.requeuedJob() }
                logger.info("async TAP job queued again: the server is stopping", metadata: [
                    "event": "tap.job_requeued", "job": "\(job.id)", "requeued": "\(requeued)",
                ])
            }
        }
    }

    /// Parameters a job needs before it can run at all (the executor checks the rest).
    static func checkRunnable(_ parameters: TAPParameters) throws(TAPRequestError) {
        try checkHasQuery(parameters)
        guard let lang = parameters["LANG"] else { throw TAPRequestError("The job has no LANG parameter (LANG=ADQL)") }
        guard lang.uppercased().hasPrefix("ADQL") else { throw TAPRequestError("LANG=\(lang) is not supported; use LANG=ADQL") }
    }

    /// What a job needs before it may be queued: a query. Everything else is judged when it runs.
    static func checkHasQuery(_ parameters: TAPParameters) throws(TAPRequestError) {
        guard let query = parameters["QUERY"], !query.allSatisfy(\.isWhitespace) else {
            throw TAPRequestError("The job has no QUERY parameter")
        }
    }

    private func finish(_ job: TAPJob, failure message: String) async {
        let recorded = (try? await detached { try await self.store.fail(job.id, server: self.settings.serverName, message: message) }) ?? false
        if recorded {
            metrics.finished(.error)
            logger.info("async TAP job failed", metadata: ["event": "tap.job_failed", "job": "\(job.id)", "error": "\(message)"])
        }
    }

    /// Runs a bookkeeping write outside the job's task, so that a cancelled job (shutdown, abort) can
    /// still record how it ended: the database call would otherwise be cancelled with it.
    private func detached<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
}
