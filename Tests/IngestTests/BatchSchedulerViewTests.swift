import Foundation
import FelisCatalog
import Ingest
import Postgres
import Testing
import TestSupport

/// The operators' view of the batch queue against a real PostgreSQL: `efd_scheduler.<instrument>` in the
/// reference's shape with every status, who may read it, the `--status` listing, and the gauge.
@Suite("batch scheduler view", .serialized)
struct BatchSchedulerViewTests {
    static let start = 1_764_028_800.0  // 2025-11-25T00:00:00Z
    static let intervals = BatchInterval.split(start: start, end: start + 1800, length: 300, overlap: 0)

    /// Six latiss tasks, one in each status (by interval: pending, idle, running, stale, completed,
    /// failed), and one lsstcam task that latiss' view must not show.
    static func withTasks(operatorRole: String? = nil, _ body: (String, ConnectionPool, [Int64]) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4))
            do {
                let queue = BatchTaskQueue(pool: pool, worker: "setup")
                try await queue.create(instruments: ["latiss"], operatorRole: operatorRole)
                let ids = try await queue.enqueue(intervals, instrument: "latiss", maxAttempts: 3)
                try await queue.enqueue([intervals[0]], instrument: "lsstcam", maxAttempts: 3)
                let table = "consdb_ingest.efd_batch_task"
                _ = try await pool.query("""
                    UPDATE \(unsafeRaw: table) SET attempts = 1, not_before = now() + interval '1 hour', error = 'InfluxDB answered 503'
                    WHERE id = \(ids[1])
                    """)
                _ = try await pool.query("""
                    UPDATE \(unsafeRaw: table) SET state = 'running', attempts = 1, worker = 'host-a:17', started_at = now() - interval '10 seconds',
                        lease_until = now() + interval '1 hour' WHERE id = \(ids[2])
                    """)
                _ = try await pool.query("""
                    UPDATE \(unsafeRaw: table) SET state = 'running', attempts = 2, worker = 'host-b:99', started_at = now() - interval '20 minutes',
                        lease_until = now() - interval '10 minutes' WHERE id = \(ids[3])
                    """)
                _ = try await pool.query("""
                    UPDATE \(unsafeRaw: table) SET state = 'done', attempts = 2, exposures = 5, visits = 3,
                        started_at = now() - interval '30 seconds', finished_at = now() WHERE id = \(ids[4])
                    """)
                _ = try await pool.query("""
                    UPDATE \(unsafeRaw: table) SET state = 'failed', attempts = 3, error = E'no such measurement\\nsecond line',
                        started_at = now() - interval '4 seconds', finished_at = now() WHERE id = \(ids[5])
                    """)
                try await body(url, pool, ids)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    @Test func theViewHasTheReferencesColumnsAndTypes() async throws {
        try await Self.withTasks { _, pool, _ in
            let columns = try await pool.query("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                WHERE a.attrelid = 'efd_scheduler.latiss'::regclass AND a.attnum > 0 ORDER BY a.attnum
                """).rows.map { "\($0[0] ?? "") \($0[1] ?? "")" }
            #expect(columns == [
                "id integer", "start_time timestamp without time zone", "end_time timestamp without time zone", "timewindow integer",
                "status character(20)", "process_start_time timestamp without time zone", "process_end_time timestamp without time zone",
                "process_exec_time integer", "exposures integer", "visits1 integer", "retries integer", "error text", "butler_repo text",
                "created_at timestamp without time zone",
            ])
        }
    }

    @Test func everyStatusAppearsWithItsTimesAndCounts() async throws {
        try await Self.withTasks { _, pool, ids in
            let rows = try await pool.query("""
                SELECT id, start_time::text, end_time::text, timewindow, trim(status), process_end_time IS NULL, process_exec_time, exposures,
                    visits1, retries, error, butler_repo FROM efd_scheduler.latiss ORDER BY id
                """).rows
            #expect(rows.map { $0[0] } == ids.map { String($0) }, "only latiss' tasks, all of them")
            #expect(rows.map { $0[4] } == ["pending", "idle", "running", "stale", "completed", "failed"])
            // UTC wall-clock times, as the reference stores them, whatever the session's time zone.
            #expect(rows[0][1] == "2025-11-25 00:00:00" && rows[0][2] == "2025-11-25 00:05:00")
            #expect(rows.allSatisfy { $0[3] == "0" && $0[11] == nil })
            #expect(rows[4][6] == "30" && rows[4][7] == "5" && rows[4][8] == "3" && rows[4][9] == "1")
            #expect(rows[5][6] == "4" && rows[5][9] == "2" && rows[5][10] == "no such measurement\nsecond line")
            #expect(rows[0][5] == "t" && rows[0][6] == "0" && rows[0][9] == "0")
            #expect(rows[1][10] == "InfluxDB answered 503")
            // The same rows whatever the session's time zone.
            let shifted = try await pool.withConnection { connection in
                _ = try await connection.execute("SET TIME ZONE 'America/Santiago'")
                let value = try await connection.query("SELECT start_time::text FROM efd_scheduler.latiss ORDER BY id LIMIT 1").rows.first?.first ?? nil
                _ = try await connection.execute("RESET TIME ZONE")
                return value
            }
            #expect(shifted == "2025-11-25 00:00:00")
            // lsstcam was queued after the views were made: the next creation (any batch run's) adds its view.
            #expect(try await pool.query("SELECT to_regclass('efd_scheduler.lsstcam') IS NULL").rows.first?.first == "t")
            try await BatchTaskQueue(pool: pool, worker: "again").create()
            #expect(try await pool.query("SELECT count(*) FROM efd_scheduler.lsstcam").rows.first?.first == "1", "a view per instrument in the table")
        }
    }

    @Test func readerRoleCannotSeeTheViewAndTheOperatorRoleOnlyReadsIt() async throws {
        try await TestRoles.withReaderNames { group, login in
            try await TestRoles.withReaderNames { _, operatorRole in
                let admin = try await Connection.connect(try TestDatabase.adminURL())
                _ = try await admin.execute("CREATE ROLE \(operatorRole) LOGIN")
                _ = try await admin.execute("CREATE ROLE \(login) LOGIN")
                try await Self.withTasks(operatorRole: operatorRole) { url, pool, _ in
                    // `consdb roles` grants the reader every published schema: efd_scheduler is not one.
                    try await pool.withConnection { connection in
                        let schemas = try await ReaderRole.publishedSchemas(on: connection)
                        #expect(!schemas.contains("efd_scheduler"))
                        let reader = try ReaderRole(group)
                        _ = try await connection.withTransaction { try await reader.grant(on: schemas + ["efd_scheduler"], connection: $0) }
                        _ = try await connection.withTransaction { try await reader.ensureLogin(login, password: nil, connection: $0) }
                    }
                    #expect(!ReaderRole.isPublished("efd_scheduler") && ReaderRole.isPublished("efd_latiss"))

                    let asReader = try await Connection.connect(TestRoles.url(url, user: login))
                    do {
                        _ = try await asReader.query("SELECT count(*) FROM efd_scheduler.latiss")
                        Issue.record("the reader role read the scheduler view")
                    } catch let error as PostgresError {
                        #expect(error.category == .insufficientPrivilege, "\(error)")
                    }
                    let asOperator = try await Connection.connect(TestRoles.url(url, user: operatorRole))
                    #expect(try await asOperator.query("SELECT count(*) FROM efd_scheduler.latiss").rows.first?.first == "6")
                    for statement in ["UPDATE efd_scheduler.latiss SET error = 'x'", "DELETE FROM efd_scheduler.latiss",
                                      "SELECT count(*) FROM consdb_ingest.efd_batch_task"] {
                        do {
                            _ = try await asOperator.execute(statement)
                            Issue.record("the operator role ran: \(statement)")
                        } catch let error as PostgresError {
                            #expect(error.category == .insufficientPrivilege, "\(statement): \(error)")
                        }
                    }
                }
                _ = try await admin.execute("DROP ROLE IF EXISTS \(login)")
            }
        }
    }

    @Test func aMissingOrMalformedOperatorRoleIsAClearError() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 2))
            let queue = BatchTaskQueue(pool: pool, worker: "setup")
            for role in ["consdb_no_such_operator", "Robert'); DROP TABLE x; --", ""] {
                do {
                    try await queue.create(instruments: ["latiss"], operatorRole: role)
                    Issue.record("accepted operator role '\(role)'")
                } catch let error as BatchSchedulerViewError {
                    #expect(error.message.contains("CONSDB_OPERATOR_ROLE"), "\(error)")
                } catch {
                    Issue.record("operator role '\(role)': \(error)")
                }
            }
            // Nothing half-made: the failed creations rolled back.
            let table = try await pool.query("SELECT to_regclass('consdb_ingest.efd_batch_task') IS NULL").rows.first?.first ?? nil
            await pool.shutdown()
            #expect(table == "t")
        }
    }

    @Test func aViewOfAnOlderVersionIsReplacedAndACurrentOneKept() async throws {
        try await Self.withTasks { _, pool, _ in
            let oid = "SELECT 'efd_scheduler.latiss'::regclass::oid::text"
            let before = try await pool.query(SQL(unsafeSQL: oid)).rows.first?.first ?? nil
            try await BatchTaskQueue(pool: pool, worker: "again").create(instruments: ["latiss"])
            #expect(try await pool.query(SQL(unsafeSQL: oid)).rows.first?.first ?? nil == before, "an up-to-date view is left alone")
            _ = try await pool.query("COMMENT ON VIEW efd_scheduler.latiss IS 'an older release'")
            try await BatchTaskQueue(pool: pool, worker: "again").create()
            #expect(try await pool.query(SQL(unsafeSQL: oid)).rows.first?.first ?? nil != before, "an older view is made again")
            #expect(try await pool.query("SELECT count(*) FROM efd_scheduler.latiss").rows.first?.first == "6")
        }
    }

    @Test func statusCountsOldestWaitingLeasesAndFailures() async throws {
        try await Self.withTasks { _, pool, ids in
            let status = try await BatchQueueStatus.load(instrument: "latiss", failureLimit: 10, pool: pool)
            #expect(status.counts == [.pending: 1, .idle: 1, .running: 1, .stale: 1, .completed: 1, .failed: 1])
            #expect(status.oldestWaiting?.id == ids[0])
            #expect(status.inHand.map(\.id) == [ids[2], ids[3]])
            #expect(status.inHand[0].leaseLeft.map { $0 > 3000 } == true && status.inHand[1].leaseLeft.map { $0 < -500 } == true)
            #expect(status.failures.map(\.id) == [ids[5], ids[1]] || status.failures.map(\.id) == [ids[1], ids[5]])
            #expect(status.failureCount == 2)
            let text = status.text
            print(text)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines[0] == "latiss: pending 1, idle 1, running 1, stale 1, completed 1, failed 1")
            #expect(lines.contains { $0.hasPrefix("  oldest waiting: task \(ids[0]) [2025-11-25T00:00:00.000Z, 2025-11-25T00:05:00.000Z) pending, queued ") })
            #expect(lines.contains { $0.hasPrefix("  running: task \(ids[2]) ") && $0.contains("by host-a:17, attempt 1/3, lease ") && $0.hasSuffix(" left") })
            #expect(lines.contains { $0.hasPrefix("  stale: task \(ids[3]) ") && $0.contains("by host-b:99, attempt 2/3, lease expired ") })
            #expect(lines.contains("  failures (2 most recent of 2):"))
            #expect(lines.contains { $0.contains("task \(ids[5])") && $0.contains("failed after 3 attempts") && $0.hasSuffix(": no such measurement ⏎ second line") })
            #expect(lines.contains { $0.contains("task \(ids[1])") && $0.contains("attempt 1/3 failed, retried later") && $0.hasSuffix(": InfluxDB answered 503") })

            let limited = try await BatchQueueStatus.load(instrument: "latiss", failureLimit: 1, pool: pool)
            #expect(limited.failures.count == 1 && limited.text.contains("failures (1 most recent of 2):"))
            let empty = try await BatchQueueStatus.load(instrument: "nothing_here", failureLimit: 5, pool: pool)
            #expect(empty.text == "nothing_here: pending 0, idle 0, running 0, stale 0, completed 0, failed 0")
            #expect(try await BatchQueueStatus.instruments(pool: pool) == ["latiss", "lsstcam"])
        }
    }

    @Test func theGaugeReportsEveryStatus() async throws {
        try await Self.withTasks { _, pool, _ in
            let gauges = BatchQueueGauges(instrument: "latiss")
            try await gauges.refresh(pool: pool)
            let samples = Self.samples(gauges.exposition())
            for status in ["pending", "idle", "running", "stale", "completed", "failed"] {
                #expect(samples["consdb_efd_batch_tasks{instrument=\"latiss\",status=\"\(status)\"}"] == 1, "\(status): \(samples)")
            }
            // The next refresh follows the table.
            _ = try await pool.query("UPDATE consdb_ingest.efd_batch_task SET state = 'failed' WHERE instrument = 'latiss'")
            try await gauges.refresh(pool: pool)
            let after = Self.samples(gauges.exposition())
            #expect(after["consdb_efd_batch_tasks{instrument=\"latiss\",status=\"failed\"}"] == 6)
            #expect(after["consdb_efd_batch_tasks{instrument=\"latiss\",status=\"pending\"}"] == 0)
        }
    }

    /// `name{labels} value` lines of an exposition, labels sorted by name.
    static func samples(_ exposition: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            var key = String(parts[0])
            if let open = key.firstIndex(of: "{"), key.hasSuffix("}") {
                let labels = key[key.index(after: open)..<key.index(before: key.endIndex)].split(separator: ",").sorted()
                key = String(key[..<open]) + "{" + labels.joined(separator: ",") + "}"
            }
            samples[key] = value
        }
        return samples
    }
}

/// `consdb efd batch --status` as a process: what it prints, and exit 2 when the database cannot be read.
@Suite("consdb efd batch --status", .serialized)
struct BatchStatusCommandTests {
    static func run(_ arguments: [String], url: String) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DeliveryTests.binary)
        process.arguments = ["efd", "batch"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["CONSDB_DATABASE_URL"] = url
        environment["CONSDB_LOG_LEVEL"] = "error"
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer { WorkerProcess.killIfRunning(process) }
        let status = try await WorkerProcess.exitStatus(process, within: .seconds(60), "consdb efd batch --status")
        try handle.close()
        return (status, try String(contentsOf: output, encoding: .utf8))
    }

    @Test func printsTheQueueOfEveryInstrumentOrOne() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await TestDatabase.withFreshDatabase { url in
            let before = try await Self.run(["--status"], url: url)
            #expect(before.status == 0 && before.output == "no EFD batch tasks queued yet\n", "\(before)")
        }
        try await BatchSchedulerViewTests.withTasks { url, _, ids in
            let all = try await Self.run(["--status"], url: url)
            #expect(all.status == 0, "\(all.output)")
            #expect(all.output.contains("latiss: pending 1, idle 1, running 1, stale 1, completed 1, failed 1\n"), "\(all.output)")
            #expect(all.output.contains("lsstcam: pending 1, idle 0, running 0, stale 0, completed 0, failed 0\n"), "\(all.output)")
            let one = try await Self.run(["--status", "--instrument", "LATISS", "--failures", "1"], url: url)
            #expect(one.status == 0 && !one.output.contains("lsstcam"), "\(one.output)")
            #expect(one.output.contains("failures (1 most recent of 2):") && one.output.contains("task \(ids[3])"), "\(one.output)")
        }
    }

    @Test func aDatabaseThatCannotBeReadExitsWithStatus2() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await RefusingPort.with { port in
            let run = try await Self.run(["--status"], url: "postgresql://consdb@127.0.0.1:\(port)/consdb?connect_timeout=5")
            #expect(run.status == 2, "\(run.output)")
            #expect(run.output.contains("cannot read the batch queue"), "\(run.output)")
        }
        // Bad options are usage errors (64), before any database is asked.
        let usage = try await Self.run(["--status", "--resume"], url: "postgresql://nowhere")
        #expect(usage.status == 64, "\(usage.output)")
    }
}
