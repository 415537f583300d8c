@testable import API
import Felis
import FelisCatalog
import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Logging
import Postgres
import TAP
import TestSupport
import Testing

/// One HTTP answer, with its body as text.
struct Reply: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPFields
    var text: String

    /// The body parsed with the API's own strict parser.
    func json() throws -> JSONValue { try JSONValue.parse(text) }

    /// `message` of an error body.
    var message: String? {
        if case .string(let text)? = (try? json())?["message"] { return text }
        return nil
    }

    var description: String { "\(status) \(text.prefix(600))" }
}

/// The API on a fresh database with the reference schemas and fixtures, driven without a socket
/// (`.router`) or over loopback (`.live`).
struct APIHarness: Sendable {
    /// The database, connecting as the cluster's superuser (for setting up and checking).
    let databaseURL: String
    let client: any TestClientProtocol
    let statuses: StatusLog
    /// The database, connecting as the test's reader login role (what `POST /consdb/query` runs as).
    var queryDatabaseURL: String = ""
    /// The test's reader group role, which schema apply granted, and its login member.
    var readerRole: String = ""
    var readerLogin: String = ""

    // MARK: Requests

    func request(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: [UInt8]? = nil) async throws -> Reply {
        var headers = headers
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        let reply = Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
        statuses.record(method: method, uri: uri, reply: reply)
        return reply
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await request(uri, method: .get, headers: headers)
    }

    /// POSTs `body` as it is (UTF-8), e.g. a JSON literal or deliberately malformed text.
    func post(_ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await request(uri, method: .post, headers: headers, body: Array(body.utf8))
    }

    /// POSTs a JSON document.
    func post(_ uri: String, json: JSONValue, headers: HTTPFields = [:]) async throws -> Reply {
        try await post(uri, json.serialized, headers: headers)
    }

    func postBytes(_ uri: String, _ bytes: [UInt8], headers: HTTPFields = [:]) async throws -> Reply {
        try await request(uri, method: .post, headers: headers, body: bytes)
    }

    /// Runs SQL through `POST /consdb/query` and returns its parsed body (which must be a 200).
    func query(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let reply = try await post("/consdb/query", json: .object([("query", .string(sql))]))
        #expect(reply.status == 200, "\(reply)", sourceLocation: sourceLocation)
        return try reply.json()
    }

    // MARK: Direct database access (to check what the API wrote)

    func sql(_ statement: SQL) async throws -> QueryResult {
        let connection = try await Connection.connect(databaseURL)
        return try await connection.query(statement)
    }

    /// The first value of the first row.
    func scalar(_ statement: SQL) async throws -> String? {
        try await sql(statement).rows.first?.first ?? nil
    }

    /// Every relation of every non-system schema and every row of every table, as text: two snapshots
    /// are equal exactly when nothing was added, changed or lost.
    func snapshot() async throws -> DatabaseSnapshot {
        let connection = try await Connection.connect(databaseURL)
        let relations = try await connection.query("""
            SELECT n.nspname, c.relname, c.relkind::text FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'v', 'S', 'm', 'p')
            ORDER BY 1, 2
            """).rows.map { ($0[0] ?? "", $0[1] ?? "", $0[2] ?? "") }
        var contents: [String: [String]] = [:]
        for (schema, name, kind) in relations where kind == "r" {
            contents[schema + "." + name] = try await connection.query(
                "SELECT t::text FROM \(SQL.qualified(schema, name)) t ORDER BY 1"
            ).rows.map { $0[0] ?? "" }
        }
        return DatabaseSnapshot(relations: relations.map { "\($0.0).\($0.1) (\($0.2))" }, contents: contents)
    }

    /// Runs `body` and checks that the database is exactly as before (nothing written, nothing lost).
    func expectUnchanged<T>(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
    ) async throws -> T {
        let before = try await snapshot()
        let value = try await body()
        let after = try await snapshot()
        #expect(after.relations == before.relations, "relations changed", sourceLocation: sourceLocation)
        for (table, rows) in before.contents where after.contents[table] != rows {
            Issue.record("\(table) changed: \(rows.count) rows before, \(after.contents[table]?.count ?? 0) after", sourceLocation: sourceLocation)
        }
        return value
    }

    // MARK: URL building

    /// Percent-encodes one path segment (everything but unreserved characters).
    static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.properties.isAlphabetic && byte < 0x80 || (0x30...0x39).contains(byte) || "-._~".utf8.contains(byte) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

struct DatabaseSnapshot: Equatable, Sendable {
    var relations: [String]
    var contents: [String: [String]]

    var tableCount: Int { relations.filter { $0.hasSuffix("(r)") }.count }
}

/// Every status the API answered during a test, to check that no request got a 5xx.
final class StatusLog: @unchecked Sendable {
    // @unchecked Sendable: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private var entries: [(String, Int)] = []

    func record(method: HTTPRequest.Method, uri: String, reply: Reply) {
        lock.withLock { entries.append(("\(method.rawValue) \(uri) -> \(reply)", reply.status)) }
    }

    var serverErrors: [String] {
        lock.withLock { entries.filter { $0.1 >= 500 }.map(\.0) }
    }

    var count: Int { lock.withLock { entries.count } }
}

/// What a test's API runs on.
struct APISetup: Sendable {
    /// Felis files applied, in order.
    var schemas: [String] = ["cdb_lsstcomcamsim", "cdb_latiss"]
    /// Load the reference fixtures into cdb_lsstcomcamsim.
    var fixtures = true
    var configuration = APIConfiguration()
    var maxConnections = 10
    var testing: TestingSetup = .router
    /// Some tests (readiness) expect a 5xx; the others check that no request got one.
    var allowServerErrors = false
    /// Replaces the database URL the API's pool uses (e.g. a closed port).
    var poolURL: String?
    /// For tests of rejected requests only: check that the whole test changed nothing in the database.
    var expectsNoWrites = false
    /// What `POST /consdb/query` connects as: the test's own reader login role (as `consdb schema apply`
    /// and `consdb roles` set it up), or the superuser the rest of the API uses.
    var queryRole: QueryRole = .reader
    /// Check the query role as `consdb serve` does (``QueryRoleGate``), with or without the opt-out.
    var checksQueryRole = false
    var allowPrivilegedQueryRole = false
    /// Mount the TAP service with these settings (its queries on the query pool, as `consdb serve` does).
    var tap: TAPConfiguration?

    enum QueryRole: Sendable { case reader, superuser }
}

/// Runs `body` against the API on a fresh database; the pool is shut down afterwards, and every
/// response status is checked to be below 500.
func withAPI<T: Sendable>(
    _ setup: APISetup = APISetup(),
    prepare: (Connection) async throws -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @Sendable (APIHarness) async throws -> T
) async throws -> T {
    // Each test holds a dozen connections; the shared slots bound how many tests use the cluster at once.
    try await DatabaseTestSlots.shared.withSlot {
        try await runAPI(setup, prepare: prepare, sourceLocation: sourceLocation, body)
    }
}

private func runAPI<T: Sendable>(
    _ setup: APISetup,
    prepare: (Connection) async throws -> Void,
    sourceLocation: SourceLocation,
    _ body: @Sendable (APIHarness) async throws -> T
) async throws -> T {
    try await TestRoles.withReaderNames { group, login in
        try await TestDatabase.withFreshDatabase { url in
            try await runAPI(setup, url: url, group: group, login: login, prepare: prepare, sourceLocation: sourceLocation, body)
        }
    }
}

private func runAPI<T: Sendable>(
    _ setup: APISetup,
    url: String,
    group: String,
    login: String,
    prepare: (Connection) async throws -> Void,
    sourceLocation: SourceLocation,
    _ body: @Sendable (APIHarness) async throws -> T
) async throws -> T {
    let connection = try await Connection.connect(url)
    let reader = try ReaderRole(group)
    for name in setup.schemas {
        try await SchemaApplier.apply(felisFile: ReferenceData.felis("\(name).yaml"), on: connection, reader: reader)
    }
    if setup.fixtures {
        try await ReferenceFixtures.load(into: "cdb_lsstcomcamsim", on: connection)
    }
    // The group exists even when no schema was applied (no schema, no grants: the login reads nothing).
    try await connection.withTransaction { connection in
        _ = try await reader.ensureExists(on: connection)
        return try await reader.ensureLogin(login, password: nil, connection: connection)
    }
    try await prepare(connection)

    let pool = ConnectionPool(configuration: .init(conninfo: setup.poolURL ?? url, maxConnections: setup.maxConnections))
    let queryURL = TestRoles.url(url, user: login)
    // A replaced pool URL (an unreachable database) applies to queries too.
    let queryPool = setup.queryRole == .reader && setup.poolURL == nil
        ? ConnectionPool(configuration: .init(conninfo: queryURL, maxConnections: setup.maxConnections)) : nil
    let service = APIService(pool: pool, configuration: setup.configuration)
    let gate = setup.checksQueryRole ? QueryRoleGate(pool: queryPool ?? pool, allowPrivileged: setup.allowPrivilegedQueryRole) : nil
    let tap = setup.tap.map { configuration in
        TAPService(configuration: configuration, readerPool: queryPool ?? pool, writerPool: pool, logger: Logger(label: "consdb.tap.test"),
                   admit: { try await gate?.admitTAP() })
    }
    let app = Application(router: ConsDBAPI.router(service: service, metrics: APIMetrics(), queryPool: queryPool, queryRoleGate: gate, tap: tap),
                          configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "consdb"))
    let statuses = StatusLog()
    // The async job runner, as `consdb serve` runs it beside the server.
    let jobs = tap.map { tap in Task { try await tap.jobRunner.run() } }
    do {
        let value = try await app.test(setup.testing) { client in
            var api = APIHarness(databaseURL: url, client: client, statuses: statuses)
            api.queryDatabaseURL = queryURL
            api.readerRole = group
            api.readerLogin = login
            guard setup.expectsNoWrites else { return try await body(api) }
            return try await api.expectUnchanged(sourceLocation: sourceLocation) { [api] in try await body(api) }
        }
        jobs?.cancel()
        _ = await jobs?.result
        await pool.shutdown()
        await queryPool?.shutdown()
        if !setup.allowServerErrors {
            #expect(statuses.serverErrors.isEmpty, "server errors: \(statuses.serverErrors)", sourceLocation: sourceLocation)
        }
        return value
    } catch {
        jobs?.cancel()
        _ = await jobs?.result
        await pool.shutdown()
        await queryPool?.shutdown()
        throw error
    }
}

// MARK: - JSON helpers

extension JSONValue {
    /// Member names of an object, in order.
    var keys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.0)
    }

    /// Object members as a dictionary (for order-insensitive comparisons).
    var dictionary: [String: JSONValue] {
        guard case .object(let members) = self else { return [:] }
        return Dictionary(members, uniquingKeysWith: { first, _ in first })
    }

    /// Rows of a `{"columns": [...], "data": [[...]]}` query result.
    var rows: [[JSONValue]] {
        (self["data"]?.arrayValue ?? []).map { $0.arrayValue ?? [] }
    }

    var columnNames: [String] {
        (self["columns"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Builds an object from literal pairs.
    static func obj(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(members.map { ($0.key, $0.value) })
    }

    /// Parses a literal the test wrote; a test bug if it is not JSON.
    static func literal(_ text: String) -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            preconditionFailure("bad JSON literal in a test: \(text): \(error)")
        }
    }
}

/// Exactly equal JSON: same structure, member order, and number text (so `1` differs from `1.0`).
func exactlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    a.serialized == b.serialized
}

/// The reference fixtures' observations.
enum Fixture {
    static let instrument = "lsstcomcamsim"
    static let schema = "cdb_lsstcomcamsim"
    static let exposure451: Int64 = 7024040300451
    static let exposure003: Int64 = 7024052800003
    static let ccd064: Int64 = 730865976064
    static let ccd065: Int64 = 730865976065
    static let exposureFlexKeys = ["bar", "baz", "foo", "qux"]
    static let ccdFlexKeys = ["bacon", "eggs", "ham", "spam"]
}
