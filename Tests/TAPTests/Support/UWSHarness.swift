import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import TAP
import TestSupport
import Testing

/// One HTTP answer with its body as text.
struct Reply: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPFields
    var text: String

    var location: String? { headers[.location] }
    /// The job id a creation's `Location` names.
    var jobID: String? { location.flatMap { $0.split(separator: "/").last.map(String.init) } }
    var description: String { "\(status) \(headers[.location] ?? "") \(text.prefix(600))" }
}

/// Requests to the routes, form-encoded as TAP clients send them.
struct UWSClient: Sendable {
    let client: any TestClientProtocol

    func request(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: [UInt8]? = nil) async throws -> Reply {
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        return Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
    }

    func get(_ uri: String) async throws -> Reply { try await request(uri, method: .get) }
    func delete(_ uri: String) async throws -> Reply { try await request(uri, method: .delete) }

    func post(_ uri: String, _ form: [(String, String)]) async throws -> Reply {
        try await post(uri, raw: Self.encode(form))
    }

    func post(_ uri: String, raw: String, contentType: String = "application/x-www-form-urlencoded") async throws -> Reply {
        try await request(uri, method: .post, headers: [.contentType: contentType], body: Array(raw.utf8))
    }

    /// Creates a job; returns its id (the creation must answer 303).
    func create(_ query: String, run: Bool = false, extra: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var form = [("LANG", "ADQL"), ("QUERY", query)] + extra
        if run { form.append(("PHASE", "RUN")) }
        let reply = try await post(UWSServer.base + "/async", form)
        #expect(reply.status == 303, "\(reply)", sourceLocation: sourceLocation)
        return try #require(reply.jobID, sourceLocation: sourceLocation)
    }

    static func encode(_ form: [(String, String)]) -> String {
        form.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// One server of the async service over a test database: its own pool, job store, runner and routes,
/// as `consdb serve` would have them. Several over one database stand for replicas, or for a restart.
final class UWSServer: Sendable {
    static let base = "/consdb/tap"

    let pool: ConnectionPool
    let store: TAPJobStore
    let executor: TestExecutor
    let runner: TAPJobRunner
    let configuration: TAPConfiguration

    init(databaseURL: String, directory: String, blocking: Bool = true, maxExecutingJobs: Int = 4, name: String = "server-a",
         sweepInterval: Duration = .milliseconds(100)) {
        pool = ConnectionPool(configuration: .init(conninfo: databaseURL, maxConnections: 8))
        store = TAPJobStore(pool: pool)
        executor = TestExecutor(pool: pool, blocking: blocking)
        var configuration = TAPConfiguration()
        configuration.resultsDirectory = directory
        configuration.maxExecutingJobs = maxExecutingJobs
        configuration.maxWaitSeconds = 30
        self.configuration = configuration
        var settings = TAPJobRunnerSettings()
        settings.pollInterval = .milliseconds(100)
        settings.sweepInterval = sweepInterval
        settings.serverName = name
        runner = TAPJobRunner(store: store, executor: executor, configuration: configuration, settings: settings,
                              logger: Logger(label: "test.tap.\(name)"))
    }

    func router(withRunner: Bool = true) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let group = router.group(RouterPath(String(Self.base.dropFirst())))
        TAPAsyncRoutes(store: store, executor: executor, configuration: configuration, runner: withRunner ? runner : nil,
                       waitPollInterval: .milliseconds(50)).register(on: group)
        return router
    }

    /// Runs `body` with a client of this server's routes, its runner running meanwhile (unless
    /// `runRunner` is false); the runner is stopped (cancelled) when `body` ends.
    func serve(runRunner: Bool = true, testing: TestingSetup = .router, _ body: @escaping @Sendable (UWSClient) async throws -> Void) async throws {
        try await serving(runRunner: runRunner, testing: testing, body)
    }

    /// ``serve(runRunner:_:)`` for a body that returns a value.
    func serving<T: Sendable>(runRunner: Bool = true, testing: TestingSetup = .router, _ body: @escaping @Sendable (UWSClient) async throws -> T) async throws -> T {
        try await store.prepare()
        let app = Application(router: router(withRunner: runRunner))
        let runner = self.runner
        return try await withThrowingTaskGroup(of: T?.self) { group in
            if runRunner { group.addTask { try await runner.run(); return nil } }
            let value = try await app.test(testing) { client in try await body(UWSClient(client: client)) }
            group.cancelAll()
            try await group.waitForAll()
            return value
        }
    }

    /// Waits (polling the table, with a deadline) until the job is in one of `phases`.
    @discardableResult
    func waitForPhase(_ id: String, _ phases: Set<UWSPhase>, sourceLocation: SourceLocation = #_sourceLocation) async throws -> UWSPhase {
        let store = self.store
        return try await withDeadline(60, "job \(id) reaching \(phases.map(\.rawValue))") {
            while true {
                if let phase = try await store.phase(id), phases.contains(phase) { return phase }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    func shutdown() async { await pool.shutdown() }
}

/// Waits (with a deadline) until `condition` holds.
func waitUntil(_ what: String, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
    try await withDeadline(60, what) {
        while !(try await condition()) { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// A fresh database with a small table to query, and a fresh results directory, both removed afterwards.
func withJobDatabase<T: Sendable>(_ body: @escaping @Sendable (_ url: String, _ directory: String) async throws -> T) async throws -> T {
    try await TestDatabase.withFreshDatabase { url in
        let connection = try await Connection.connect(url)
        try await connection.execute("""
            CREATE TABLE public.obs AS
            SELECT g AS id, g * 0.5 AS val, CASE WHEN g % 7 = 0 THEN NULL ELSE 'name, ' || g END AS name
            FROM generate_series(1, 2500) g
            """)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("uws-" + TAPJob.newID()).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(url, directory)
    }
}

/// Files in the results directory.
func files(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}
