import Fetch
import Foundation
import Glibc
import InfluxDB
import Ingest
import Postgres
import Testing
import TestSupport
import TimeScales

/// `consdb efd batch` as a process: the queue survives SIGKILL, --resume finishes it, --dry-run, --cron and
/// --failure-monitor queue what they should, and the exit status says whether tasks failed.
@Suite("consdb efd batch", .serialized)
struct EFDBatchCommandTests {
    /// An hour of exposures, one a minute (30 s each), and temperatures at 1 Hz over it.
    struct Night {
        let start: Double
        let count = 60

        /// On the hour, three hours ago: 5-minute intervals aligned to the epoch hold exposures 5k+1 … 5k+5.
        init() { start = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 3 * 3600 }

        func load(_ harness: EFDStreamHarness, _ influx: InfluxClient) async throws {
            for seq in 1...count {
                let begin = start + Double(seq - 1) * 60 + 10
                try await harness.insertExposure(seq: seq, begin: begin, end: begin + 30)
            }
            var lines: [String] = []
            for second in 0..<(count * 60) {
                let t = start + Double(second)
                lines.append("\(EFDStreamHarness.temperatureTopic) salIndex=110i,temperatureItem0=\(second),temperatureItem1=\(second % 7) \(Int64(t) * 1_000_000_000)")
            }
            try await influx.write(lineProtocol: lines.joined(separator: "\n"))
        }

        /// Exposure `seq` covers seconds 10..40 of its minute: the mean of item0 there.
        func expectedMean(_ seq: Int) -> Double { Double((seq - 1) * 60 + 25) }
    }

    static func configFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("efd-batch-\(UUID().uuidString).yaml").path
        try EFDStreamHarness.config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func run(_ arguments: [String], harness: EFDStreamHarness, influx: InfluxClient, config: String) throws -> Process {
        try WorkerProcess.launch(["efd", "batch", "--instrument", "LATISS", "--efd-config", config] + arguments, environment: [
            "CONSDB_DATABASE_URL": harness.url, "EFD_URL": influx.settings.url, "EFD_DATABASE": influx.settings.database,
        ])
    }

    static func exit(_ process: Process, within timeout: Duration = .seconds(120)) async throws -> Int32 {
        try await WorkerProcess.exitStatus(process, within: timeout, "consdb efd batch")
    }

    static func iso(_ t: Double) -> String { TAITimestamp(taiUnixSeconds: t)!.isoText + "Z" }

    @Test func killedMidRunThenResumedDoesEveryTaskOnce() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await EFDStreamHarness.with { harness in
            try await TestInflux.withFreshDatabase { influx in
                let night = Night()
                try await night.load(harness, influx)
                let config = try Self.configFile()
                defer { try? FileManager.default.removeItem(atPath: config) }
                let range = ["--start", Self.iso(night.start), "--end", Self.iso(night.start + Double(night.count) * 60), "--interval", "1m", "--overlap", "0s"]

                // --dry-run lists the 60 tasks and changes nothing: not even the queue's table is created.
                let ingestObjects: SQL = """
                    SELECT count(*) FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid WHERE n.nspname = 'consdb_ingest'
                    """
                let objectsBefore = try await harness.count(ingestObjects)
                #expect(try await harness.value("SELECT to_regclass('consdb_ingest.efd_batch_task')::text") == nil)
                for dryRun in [range + ["--dry-run"], ["--resume", "--dry-run"]] {
                    let dry = try Self.run(dryRun, harness: harness, influx: influx, config: config)
                    defer { WorkerProcess.killIfRunning(dry) }
                    #expect(try await Self.exit(dry) == 0, "\(dryRun)")
                }
                #expect(try await harness.count(ingestObjects) == objectsBefore)
                #expect(try await harness.value("SELECT to_regclass('consdb_ingest.efd_batch_task')::text") == nil)

                // Killed once a few tasks are done (a short lease, so the resumed run takes over the task in hand).
                let first = try Self.run(range + ["--lease", "2s"], harness: harness, influx: influx, config: config)
                defer { WorkerProcess.killIfRunning(first) }
                try await harness.waitUntil("some tasks done", timeout: .seconds(60)) {
                    // The run creates the queue's table first (the dry runs above did not).
                    guard try await harness.value("SELECT to_regclass('consdb_ingest.efd_batch_task')::text") != nil else { return false }
                    return try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task WHERE state = 'done'") >= 5
                }
                kill(first.processIdentifier, SIGKILL)
                _ = try await Self.exit(first)
                let doneBefore = try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task WHERE state = 'done'")
                #expect(doneBefore < 60, "the run finished before it was killed: the test proves nothing")

                let resumed = try Self.run(["--resume"], harness: harness, influx: influx, config: config)
                defer { WorkerProcess.killIfRunning(resumed) }
                #expect(try await Self.exit(resumed) == 0)
                #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task WHERE state = 'done'") == 60)
                // Every exposure counted by exactly one done task, and no task done twice.
                #expect(try await harness.count("SELECT sum(exposures) FROM consdb_ingest.efd_batch_task") == 60)
                #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task WHERE attempts > 2") == 0)
                #expect(try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd") == 60)
                #expect(try await harness.count("SELECT count(*) FROM efd_latiss.visit1_efd") == 60)
                for seq in [1, 17, 60] {
                    let mean = try await harness.value("SELECT temp_mean FROM efd_latiss.exposure_efd WHERE seq_num = \(seq)").flatMap(Double.init)
                    #expect(mean == night.expectedMean(seq), "exposure \(seq)")
                }
            }
        }
    }

    @Test func theFailureMonitorQueuesTheIntervalsOfExposuresWithoutRowsAndCronSkipsDoneOnes() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await EFDStreamHarness.with { harness in
            try await TestInflux.withFreshDatabase { influx in
                let night = Night()
                try await night.load(harness, influx)
                let config = try Self.configFile()
                defer { try? FileManager.default.removeItem(atPath: config) }
                // Rows for all but exposures 7 and 8 (and visit 8): as if the stream had missed them.
                let all = try Self.run(["--start", Self.iso(night.start), "--end", Self.iso(night.start + 3600), "--interval", "5m"],
                                       harness: harness, influx: influx, config: config)
                defer { WorkerProcess.killIfRunning(all) }
                #expect(try await Self.exit(all) == 0)
                _ = try await harness.pool.query("DELETE FROM efd_latiss.exposure_efd WHERE seq_num IN (7, 8)")
                _ = try await harness.pool.query("DELETE FROM efd_latiss.visit1_efd WHERE seq_num = 8")

                let monitor = try Self.run(["--failure-monitor", "--days", "1", "--interval", "5m", "--overlap", "0s"],
                                           harness: harness, influx: influx, config: config)
                defer { WorkerProcess.killIfRunning(monitor) }
                #expect(try await Self.exit(monitor) == 0)
                // Exposures 7 and 8 begin in the same 5-minute interval (with exposures 6 to 10): one task, queued
                // again and done.
                let requeued = try await harness.pool.query("""
                    SELECT attempts, exposures FROM consdb_ingest.efd_batch_task WHERE state = 'done' ORDER BY finished_at DESC LIMIT 1
                    """).rows
                #expect(requeued == [["1", "5"]])
                #expect(try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd") == 60)
                #expect(try await harness.count("SELECT count(*) FROM efd_latiss.visit1_efd") == 60)

                // --cron over the last hour: the 5-minute intervals of the hour before now are queued once. A second
                // run leaves every task of the first alone (--cron requeues nothing) and adds only the intervals
                // that finished in between: none, unless a 5-minute boundary (+ the 2-minute --cron-delay) passed.
                let tasks: SQL = """
                    SELECT id, extract(epoch FROM interval_end)::bigint, state, attempts, finished_at::text
                    FROM consdb_ingest.efd_batch_task ORDER BY id
                    """
                let cronStarted = Date().timeIntervalSince1970
                let cron = try Self.run(["--cron", "--cron-window", "1h", "--interval", "5m"], harness: harness, influx: influx, config: config)
                defer { WorkerProcess.killIfRunning(cron) }
                #expect(try await Self.exit(cron) == 0)
                let afterFirst = try await harness.pool.query(tasks).rows
                let againStarted = Date().timeIntervalSince1970
                let again = try Self.run(["--cron", "--cron-window", "1h", "--interval", "5m"], harness: harness, influx: influx, config: config)
                defer { WorkerProcess.killIfRunning(again) }
                #expect(try await Self.exit(again) == 0)
                let againEnded = Date().timeIntervalSince1970
                let afterSecond = try await harness.pool.query(tasks).rows
                #expect(Array(afterSecond.prefix(afterFirst.count)) == afterFirst)
                // The end of the last finished interval at `t`: intervals are aligned to 5 minutes, 2 minutes late.
                func lastFinished(_ t: Double) -> Int64 { Int64(((t - 120) / 300).rounded(.down) * 300) }
                let firstEnds = afterFirst.compactMap { $0[1].flatMap { Int64($0) } }
                let firstLast = try #require(firstEnds.max())
                #expect(firstLast >= lastFinished(cronStarted) && firstLast <= lastFinished(againStarted))
                let newEnds = afterSecond.dropFirst(afterFirst.count).compactMap { $0[1].flatMap { Int64($0) } }
                let secondLast = newEnds.last ?? firstLast
                #expect(secondLast >= lastFinished(againStarted) && secondLast <= lastFinished(againEnded))
                #expect(newEnds == Array(stride(from: firstLast + 300, through: secondLast, by: 300)), "\(afterSecond)")
                #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task WHERE state <> 'done'") == 0)
            }
        }
    }

    @Test func exitsNonZeroWhenTasksFailAndTwoOnBadSettings() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await EFDStreamHarness.with { harness in
            let night = Night()
            for seq in 1...2 { try await harness.insertExposure(seq: seq, begin: night.start + Double(seq) * 60, end: night.start + Double(seq) * 60 + 30) }
            let config = try Self.configFile()
            defer { try? FileManager.default.removeItem(atPath: config) }
            let closed = try RefusingPort()
            defer { withExtendedLifetime(closed) {} }
            let down = try InfluxClient(settings: InfluxSettings(url: "http://127.0.0.1:\(closed.port)", database: "efd"))
            let failing = try Self.run(["--start", Self.iso(night.start), "--end", Self.iso(night.start + 300), "--max-attempts", "1"],
                                       harness: harness, influx: down, config: config)
            defer { WorkerProcess.killIfRunning(failing) }
            #expect(try await Self.exit(failing) == 1)
            #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task WHERE state = 'failed' AND error <> ''") == 1)
            // No EFD_URL: refused before anything is queued.
            let before = try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task")
            let unset = try WorkerProcess.launch(["efd", "batch", "--instrument", "LATISS", "--efd-config", config, "--start", Self.iso(night.start + 3600),
                                                  "--end", Self.iso(night.start + 7200)], environment: ["CONSDB_DATABASE_URL": harness.url, "EFD_URL": ""])
            defer { WorkerProcess.killIfRunning(unset) }
            #expect(try await Self.exit(unset) == 2)
            #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.efd_batch_task") == before)
            for bad in [["--start", "yesterday", "--end", Self.iso(night.start)], ["--resume", "--cron"], ["--resume", "--interval", "5 minutes"]] {
                let process = try Self.run(bad, harness: harness, influx: down, config: config)
                defer { WorkerProcess.killIfRunning(process) }
                #expect(try await Self.exit(process) != 0 && process.terminationStatus != 1, "\(bad)")
            }
        }
    }
}

extension EFDBatchCommandTests {
    /// A run with `--metrics-port` serves `consdb_efd_batch_tasks` while it works: here a `--resume` run that
    /// waits for a task another worker holds under a live lease, stopped with SIGTERM once the gauge is seen.
    @Test func aRunServesTheQueueGaugeOnItsMetricsPort() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await EFDStreamHarness.with { harness in
            try await TestInflux.withFreshDatabase { influx in
                let config = try Self.configFile()
                defer { try? FileManager.default.removeItem(atPath: config) }
                let queue = BatchTaskQueue(pool: harness.pool, worker: "elsewhere:1")
                try await queue.create()
                let start = Night().start
                try await queue.enqueue([BatchInterval(start: start, end: start + 300)], instrument: "latiss", maxAttempts: 3)
                _ = try #require(try await queue.claim(instrument: "latiss", lease: .seconds(3600)))
                // The port is one the kernel picked for a socket of ours, closed just before the launch: another
                // program may take it in between, and then the run is launched again on another port.
                for _ in 0..<5 {
                    let port = try RefusingPort().port
                    let process = try Self.run(["--resume", "--metrics-port", "\(port)"], harness: harness, influx: influx, config: config)
                    defer { WorkerProcess.killIfRunning(process) }
                    let deadline = ContinuousClock.now + .seconds(60)
                    var served = false
                    while !served, process.isRunning, ContinuousClock.now < deadline {
                        if let response = try? await Fetcher().get("http://127.0.0.1:\(port)/metrics") {
                            served = String(decoding: response.body, as: UTF8.self).split(separator: "\n").contains { line in
                                line.hasPrefix("consdb_efd_batch_tasks{") && line.contains("instrument=\"latiss\"")
                                    && line.contains("status=\"running\"") && line.split(separator: " ").last.flatMap { Double($0) } == 1
                            }
                        }
                        if !served { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    if served {
                        kill(process.processIdentifier, SIGTERM)
                        #expect(try await Self.exit(process) == 0)
                        #expect(try await harness.value("SELECT state FROM consdb_ingest.efd_batch_task") == "running", "the other worker's task is left alone")
                        return
                    }
                    WorkerProcess.killIfRunning(process)
                    try await WorkerProcess.exitStatus(process, within: .seconds(30))
                }
                Issue.record("the run never served consdb_efd_batch_tasks")
            }
        }
    }
}
