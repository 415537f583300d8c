import API
import Consistency
import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Postgres
import Testing
import TestSupport

/// The endpoint, the page, the roles and the metrics of `consdb serve`, and the command, against a real
/// PostgreSQL with a broken LSSTCam day: visit1_quicklook rows missing for seq_num 1-3 and 6, and a dead letter.
@Suite("table consistency: endpoint, page, role, metrics, command", .needsConsDBReference, .serialized)
struct ConsistencyServiceTests {
    typealias DB = ConsistencyDatabase

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CONSDB_BINARY"], !path.isEmpty { return path }
        return TestFiles.package(".build/debug/consdb").path
    }

    static let rulesDirectory = TestFiles.package("config/consistency").path

    /// A database with the broken day, and roles made by `consdb roles`: the reader group, a query
    /// login and a consistency login.
    struct World: Sendable {
        var db: DB
        var readerLogin: String
        var consistencyLogin: String
        var readerURL: String { TestRoles.url(db.url, user: readerLogin) }
        var consistencyURL: String { TestRoles.url(db.url, user: consistencyLogin) }
    }

    func withWorld<T: Sendable>(broken: Bool = true, _ body: (World) async throws -> T) async throws -> T {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build consdb first (scripts/test does): \(Self.binary)")
        return try await TestRoles.withReaderNames { group, login in
            let consistencyLogin = login + "_c"
            defer { Task { try? await TestRoles.drop([consistencyLogin]) } }
            let value = try await DB.with { db in
                try await db.writeLSSTCamDay()
                if broken {
                    _ = try await db.connection.execute("DELETE FROM cdb_lsstcam.visit1_quicklook WHERE seq_num IN (1, 2, 3, 6)")
                    _ = try await db.connection.execute("INSERT INTO consdb_ingest.rejected (worker, error, rejected_at) VALUES ('hinfo LSSTCam', 'bad header', '2024-08-02 01:00:00+00')")
                }
                let roles = try await ChildProcess.run(Self.binary, ["roles", "--login", login, "--consistency-login", consistencyLogin], environment: [
                    "CONSDB_DATABASE_URL": db.url, "CONSDB_READER_ROLE": group,
                ])
                try #require(roles.status == 0, "\(roles)")
                return try await body(World(db: db, readerLogin: login, consistencyLogin: consistencyLogin))
            }
            try await TestRoles.drop([consistencyLogin])
            return value
        }
    }

    /// The API on `access`, in process (or live, for the browser).
    func withAPI<T: Sendable>(_ world: World, access: (World) -> ConsistencyService.Access, live: Bool = false,
                              _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let pool = ConnectionPool(configuration: .init(conninfo: world.db.url, maxConnections: 2))
        let chosen = access(world)
        let service = APIService(pool: pool, configuration: APIConfiguration())
        let rules = try RuleFileLoader.loadDirectory(Self.rulesDirectory)
        let consistency = ConsistencyService(rules: rules, access: chosen)
        let app = Application(router: ConsDBAPI.router(service: service, metrics: APIMetrics(), consistency: consistency))
        let value = try await app.test(live ? .live : .router) { client in try await body(client) }
        await pool.shutdown()
        switch chosen {
        case .consistencyLogin(let other), .queryReader(let other): await other.shutdown()
        case .none: break
        }
        return value
    }

    static func pool(_ url: String) -> ConnectionPool { ConnectionPool(configuration: .init(conninfo: url, maxConnections: 2)) }

    static func json(_ response: TestResponse) throws -> JSONValue { try JSONValue.parse(Array(String(buffer: response.body).utf8)) }

    // MARK: - JSON endpoint

    @Test func endpointAnswersTheReferenceList() async throws {
        try await withWorld { world in
            try await withAPI(world, access: { .consistencyLogin(Self.pool($0.consistencyURL)) }) { client in
                let response = try await client.execute(uri: "/consdb/table_consistency/LSSTCam/20240801", method: .get)
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let rows = try #require(try Self.json(response).arrayValue)
                #expect(rows.count == 5)
                guard case .object(let first)? = rows.first else { Issue.record("not an object"); return }
                #expect(first.map(\.0) == ["rule", "day_obs", "seq_num", "detail"])
                #expect(rows.compactMap { $0["rule"]?.stringValue } == ["dead_letters"] + Array(repeating: "visit1_quicklook_coverage", count: 4))
                #expect(rows.compactMap { $0["seq_num"]?.numberText } == ["1", "2", "3", "6"])
                #expect(rows.allSatisfy { $0["day_obs"]?.numberText == "20240801" })
                // The correct day before it: an empty list.
                let empty = try await client.execute(uri: "/consdb/table_consistency/latiss/20240731", method: .get)
                #expect(empty.status == .ok)
                #expect(String(buffer: empty.body) == "[]")
            }
        }
    }

    @Test func badInstrumentsAndDaysAreClearErrors() async throws {
        try await withWorld(broken: false) { world in
            try await withAPI(world, access: { .consistencyLogin(Self.pool($0.consistencyURL)) }) { client in
                let unknown = try await client.execute(uri: "/consdb/table_consistency/hsc/20240801", method: .get)
                #expect(unknown.status == .notFound)
                let body = try Self.json(unknown)
                #expect(body["message"]?.stringValue == "Invalid instrument")
                #expect(body["valid"]?.arrayValue?.compactMap(\.stringValue) == ["lsstcam", "latiss", "demo", "lsstcomcam"])
                for day in ["2024-08-01", "20241301", "2024080", "1%27%20OR%201%3D1", "20240801%00", String(repeating: "9", count: 5000), "%E2%80%8B20240801"] {
                    let response = try await client.execute(uri: "/consdb/table_consistency/lsstcam/\(day)", method: .get)
                    #expect(response.status == .badRequest, "\(day)")
                    #expect(try Self.json(response)["message"]?.stringValue?.contains("day_obs") == true, "\(day)")
                }
                for path in ["%2E%2E%2Fetc", "lsstcam%00", "%27%3B%20DROP%20TABLE", "l%C3%A4tiss"] {
                    let response = try await client.execute(uri: "/consdb/table_consistency/\(path)/20240801", method: .get)
                    #expect(response.status == .notFound, "\(path)")
                }
            }
        }
    }

    @Test func readerFallbackNeverTouchesTheIngestSchema() async throws {
        try await withWorld { world in
            try await withAPI(world, access: { .queryReader(Self.pool($0.readerURL)) }) { client in
                let response = try await client.execute(uri: "/consdb/table_consistency/lsstcam/20240801", method: .get)
                #expect(response.status == .ok)
                #expect(try Self.json(response).arrayValue?.count == 4)
                let page = try await client.execute(uri: "/consdb/table_consistency?instrument=lsstcam&day_obs=20240801", method: .get)
                #expect(String(buffer: page.body).contains("not checked: needs CONSDB_CONSISTENCY_DATABASE_URL"))
            }
            // Without either login the endpoint is closed: it never runs on the writer pool.
            try await withAPI(world, access: { _ in .none }) { client in
                let response = try await client.execute(uri: "/consdb/table_consistency/lsstcam/20240801", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(try Self.json(response)["message"]?.stringValue?.contains("CONSDB_CONSISTENCY_DATABASE_URL") == true)
            }
        }
    }

    // MARK: - Least privilege

    @Test func aPrivilegedRoleIsRefused() async throws {
        try await withWorld(broken: false) { world in
            try await withAPI(world, access: { .consistencyLogin(Self.pool($0.db.url)) }) { client in
                let response = try await client.execute(uri: "/consdb/table_consistency/lsstcam/20240801", method: .get)
                #expect(response.status == .serviceUnavailable)
                let message = try Self.json(response)["message"]?.stringValue ?? ""
                #expect(message.contains("superuser"), "\(message)")
            }
        }
    }

    @Test func theConsistencyLoginReadsOnlyWhatItNeedsAndWritesNothing() async throws {
        try await withWorld(broken: false) { world in
            _ = try await world.db.connection.execute("CREATE TABLE consdb_ingest.kafka_offsets_like (n int)")
            let login = try await Connection.connect(world.consistencyURL)
            for table in ["consdb_ingest.rejected", "consdb_ingest.efd_batch_task", "consdb_ingest.consistency_check", "cdb_lsstcam.exposure", "efd_lsstcam.exposure_efd"] {
                _ = try await login.execute("SELECT count(*) FROM \(table)")
            }
            for statement in [
                "SELECT count(*) FROM consdb_ingest.kafka_offsets_like",
                "INSERT INTO consdb_ingest.consistency_check (instrument, day_obs, violations, count) VALUES ('x', 1, '[]', 0)",
                "DELETE FROM consdb_ingest.rejected",
                "UPDATE cdb_lsstcam.exposure SET seq_num = 0",
                "CREATE TABLE consdb_ingest.mine (n int)",
            ] {
                await #expect(throws: PostgresError.self, "\(statement)") { _ = try await login.execute(statement) }
            }
            #expect(try await ConsistencyRoleCheck.inspect(on: login).problems == [])
            // Given a write, or another internal table, it is refused.
            _ = try await world.db.connection.execute("GRANT SELECT ON consdb_ingest.kafka_offsets_like TO \(world.consistencyLogin)")
            _ = try await world.db.connection.execute("GRANT INSERT ON cdb_lsstcam.exposure TO \(world.consistencyLogin)")
            let problems = try await ConsistencyRoleCheck.inspect(on: login).problems
            #expect(problems.contains { $0.contains("can write tables (cdb_lsstcam.exposure)") }, "\(problems)")
            #expect(problems.contains { $0.contains("consdb_ingest.kafka_offsets_like") }, "\(problems)")
            // The query reader may not read consdb_ingest at all (POST /consdb/query's rule holds).
            #expect(try await QueryRoleCheck.inspect(on: try await Connection.connect(world.readerURL)).problems == [])
        }
    }

    // MARK: - Metrics and page

    @Test func metricsFollowTheLatestRecordedRun() async throws {
        try await withWorld { world in
            try await withAPI(world, access: { .consistencyLogin(Self.pool($0.consistencyURL)) }) { client in
                let before = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(before.contains(#"consdb_table_consistency_inconsistencies{instrument="lsstcam"} 0"#), "\(before)")
                try await CheckLog.record(try await world.db.check("lsstcam"), on: world.db.connection)
                let after = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(after.contains(#"consdb_table_consistency_inconsistencies{instrument="lsstcam"} 5"#), "\(after)")
                let stamp = after.split(separator: "\n").first { $0.hasPrefix(#"consdb_table_consistency_last_run_timestamp_seconds{instrument="lsstcam"}"#) }
                let seconds = try #require(stamp.flatMap { Double($0.split(separator: " ").last ?? "") })
                #expect(abs(seconds - Date().timeIntervalSince1970) < 3600)
            }
        }
    }

    @Test func pageGroupsByRuleWithRuns() async throws {
        try await withWorld { world in
            try await withAPI(world, access: { .consistencyLogin(Self.pool($0.consistencyURL)) }) { client in
                let page = try await client.execute(uri: "/consdb/table_consistency?instrument=lsstcam&day_obs=20240801", method: .get)
                #expect(page.status == .ok)
                let html = String(buffer: page.body)
                #expect(html.contains(#"data-rule="visit1_quicklook_coverage" data-class="coverage" open>"#))
                #expect(html.contains(#"failed for seq_num <span class="runs">1-3,6</span>"#))
                #expect(html.contains(#"data-rule="ccdexposure_completeness" data-class="structural""#))
                #expect(!html.contains("<script"))
                #expect(!html.contains("http://") && !html.contains("https://"))
                let bad = try await client.execute(uri: "/consdb/table_consistency?instrument=lsstcam&day_obs=%3Cscript%3E", method: .get)
                #expect(bad.status == .badRequest)
                #expect(String(buffer: bad.body).contains("&lt;script&gt;"))
                #expect(!String(buffer: bad.body).contains("<script>"))
            }
        }
    }

    @Test func pageInChromium() async throws {
        try await withWorld { world in
            try await withAPI(world, access: { .consistencyLogin(Self.pool($0.consistencyURL)) }, live: true) { client in
                let port = try #require(client.port)
                let base = "http://127.0.0.1:\(port)/consdb/table_consistency"
                func chromium(_ arguments: [String]) async throws -> ChildProcess.Result {
                    let result = try await ChildProcess.run("chromium", [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--virtual-time-budget=5000",
                    ] + arguments)
                    #expect(result.status == 0, "\(result)")
                    return result
                }
                // The page as first opened: the form, today's observing night, the first instrument.
                let first = try await chromium(["--dump-dom", base]).text
                #expect(first.contains(#"<form method="get" action="/consdb/table_consistency""#), "\(first.prefix(1500))")
                #expect(first.contains(#"value="\#(DayObs.containing(Date()))""#))
                #expect(first.contains(#"<option value="lsstcam" selected="">"#) || first.contains(#"<option value="lsstcam" selected>"#))
                // Submitting the form is loading the URL it makes (a GET form): the night with the faults.
                let submitted = base + "?instrument=lsstcam&day_obs=20240801"
                let dom = try await chromium(["--dump-dom", submitted]).text
                #expect(dom.contains("lsstcam 20240801: 5 inconsistencies in 2 rules"), "\(dom.prefix(3000))")
                #expect(dom.contains(#"<span class="runs">1-3,6</span>"#))
                #expect(dom.contains("bad header"))
                _ = try await chromium(["--window-size=1100,1500", "--hide-scrollbars", "--screenshot=/tmp/consdb-table-consistency.png", submitted])
                #expect(FileManager.default.fileExists(atPath: "/tmp/consdb-table-consistency.png"))
            }
        }
    }

    // MARK: - The command

    func consistency(_ arguments: [String], _ world: World, environment: [String: String] = [:]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Self.binary, ["consistency"] + arguments, environment: [
            "CONSDB_DATABASE_URL": world.db.url, "CONSISTENCY_RULES_DIR": Self.rulesDirectory,
        ].merging(environment) { $1 })
    }

    @Test func commandLogsTheReferenceLinesAndExits() async throws {
        try await withWorld { world in
            let alert = try await consistency(["--instrument", "lsstcam", "20240801"], world)
            #expect(alert.status == 1, "\(alert)")
            #expect(alert.errorText.contains(
                "level=error logger=consdb.consistency event=consdb_table_consistency_alert instrument=lsstcam day_obs=20240801 num_inconsistencies=5 message='dead_letters failed 1 time; visit1_quicklook_coverage failed for seq_num 1-3,6'\n"
            ), "\(alert.errorText)")
            let ok = try await consistency([], world, environment: ["INSTRUMENTS": "latiss", "DAY_OBS": "20240801"])
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.errorText.contains("level=info logger=consdb.consistency event=consdb_table_consistency_ok instrument=latiss day_obs=20240801\n"), "\(ok.errorText)")
            let runs = try await world.db.connection.query("SELECT instrument, day_obs, count FROM consdb_ingest.consistency_check ORDER BY id").rows
            #expect(runs == [["lsstcam", "20240801", "5"], ["latiss", "20240801", "0"]])
            for bad in [["--day-obs", "2024-08-01"], ["--instrument", "hsc", "20240801"], ["20240801", "--day-obs", "20240802"]] {
                let result = try await consistency(bad, world)
                #expect(result.status == 64, "\(bad): \(result)")
            }
            let envBad = try await consistency([], world, environment: ["DAY_OBS": "yesterday"])
            #expect(envBad.status == 64 && envBad.errorText.contains("DAY_OBS"), "\(envBad)")
            try await RefusingPort.with { port in
                let down = try await consistency(["20240801"], world, environment: ["CONSDB_DATABASE_URL": "postgresql://nobody@127.0.0.1:\(port)/none?connect_timeout=2"])
                #expect(down.status == 2, "\(down)")
            }
        }
    }

    /// The quick start's demo instrument: its rules run against the demo schemas as scripts/demo applies
    /// them (every rule on cdb_demo and efd_demo checked).
    @Test func demoRulesFitTheDemoSchemas() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build consdb first (scripts/test does): \(Self.binary)")
        try await TestDatabase.withFreshDatabase { url in
            let environment = ["CONSDB_DATABASE_URL": url, "CONSISTENCY_RULES_DIR": Self.rulesDirectory, "CONSDB_READER_ROLE": "none"]
            for arguments in [["schema", "apply", "--felis", TestFiles.package("config/demo/cdb_demo.yaml").path],
                              ["schema", "apply", "--efd-config", TestFiles.package("config/demo/efd_demo.yaml").path, "--instrument", "demo"]] {
                let applied = try await ChildProcess.run(Self.binary, arguments, environment: environment)
                try #require(applied.status == 0, "\(applied)")
            }
            let run = try await ChildProcess.run(Self.binary, ["consistency", "--instrument", "demo", "20240801"], environment: environment)
            #expect(run.status == 0, "\(run)")
            #expect(run.errorText.contains("event=consdb_table_consistency_ok instrument=demo day_obs=20240801"), "\(run.errorText)")
            // Every rule on the demo's schemas ran; only the ingest tables are missing in a database no worker
            // (nor `consdb roles --consistency-login`, which scripts/demo runs) has touched yet.
            let skipped = run.errorText.split(separator: "\n").filter { $0.contains("event=consdb_table_consistency_not_checked") }
            #expect(skipped.count == 2, "\(run.errorText)")
            #expect(skipped.allSatisfy { $0.contains("table consdb_ingest.") && $0.contains("does not exist") }, "\(run.errorText)")
        }
    }
}
