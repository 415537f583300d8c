@testable import API
import Hummingbird
import Testing
import TestSupport

@Suite("root document, probes and metrics", .needsConsDBReference)
struct RootAndOperationsTests {
    @Test("/, /consdb and /consdb/ describe the service", arguments: ["/", "/consdb", "/consdb/"])
    func rootDocument(path: String) async throws {
        try await withAPI { api in
            let reply = try await api.get(path)
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = try reply.json()
            #expect(body["name"] == .string("pqserver"))
            #expect(body["version"] == .string(ConsDBVersion.current))
            let instruments = try #require(body["instruments"]?.arrayValue).compactMap(\.stringValue)
            #expect(instruments == ["latiss", "lsstcomcamsim"])
            #expect(body["obs_types"] == .strings(["exposure", "visit1", "ccdexposure", "ccdvisit1"]))
            #expect(body["dtypes"] == .strings(["bool", "int", "float", "str"]))
        }
    }

    @Test("/healthz and /readyz answer 200 with a reachable database")
    func probes() async throws {
        try await withAPI { api in
            let health = try await api.get("/healthz")
            #expect(health.status == 200)
            #expect(exactlyEqual(try health.json(), .literal(#"{"status":"ok"}"#)))
            let ready = try await api.get("/readyz")
            #expect(ready.status == 200)
            #expect(exactlyEqual(try ready.json(), .literal(#"{"status":"ready"}"#)))
        }
    }

    @Test("/readyz answers 503 when the database cannot be reached; /healthz stays 200")
    func notReady() async throws {
        var setup = APISetup()
        setup.schemas = []
        setup.fixtures = false
        let closed = try RefusingPort()
        defer { withExtendedLifetime(closed) {} }
        setup.poolURL = "postgresql://consdb@127.0.0.1:\(closed.port)/postgres?connect_timeout=2"
        setup.allowServerErrors = true
        setup.expectsNoWrites = true
        try await withAPI(setup) { api in
            let ready = try await api.get("/readyz")
            #expect(ready.status == 503, "\(ready)")
            #expect(try ready.json()["status"] == .string("database unreachable"))
            #expect(try await api.get("/healthz").status == 200)
            // Data endpoints say the database is unavailable (503), not a bare 500.
            let root = try await api.get("/consdb/")
            #expect(root.status == 503, "\(root)")
            #expect(root.message == "the database is not available; try again later")
            let write = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/1", #"{"values": {"bar": 1}}"#)
            #expect(write.status == 503, "\(write)")
            let query = try await api.post("/consdb/query", #"{"query": "SELECT 1"}"#)
            #expect(query.status == 503, "\(query)")
            // 503 is the only server error, and only for what needs the database.
            #expect(api.statuses.serverErrors.allSatisfy { $0.contains("-> 503 ") }, "\(api.statuses.serverErrors)")
        }
    }

    @Test("/metrics exposes request counters by route and status, latency histograms and pool gauges")
    func metrics() async throws {
        try await withAPI { api in
            #expect(try await api.get("/consdb/").status == 200)
            #expect(try await api.get("/consdb/schema").status == 200)
            #expect(try await api.get("/consdb/schema/nosuch").status == 404)
            #expect(try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)").status == 200)
            let reply = try await api.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = reply.text
            let counters = text.split(separator: "\n").filter { $0.hasPrefix("consdb_http_requests_total{") }
            #expect(counters.contains { $0.contains(#"route="/consdb/schema""#) && $0.contains(#"status="200""#) && $0.hasSuffix(" 1") }, "\(counters)")
            #expect(counters.contains { $0.contains(#"route="/consdb/schema/{instrument}""#) && $0.contains(#"status="404""#) && $0.contains(#"method="GET""#) }, "\(counters)")
            #expect(counters.contains { $0.contains(#"route="/consdb/flex/{instrument}/{obs_type}/obs/{obs_id}""#) && $0.contains(#"status="200""#) }, "\(counters)")
            #expect(text.contains("# TYPE consdb_http_request_duration_seconds histogram"))
            #expect(text.contains(#"consdb_http_request_duration_seconds_bucket{route="/consdb/schema",method="GET",le="+Inf"} 1"#), "\(text)")
            #expect(text.contains("consdb_http_request_duration_seconds_count{"))
            for gauge in ["consdb_db_pool_connections_open", "consdb_db_pool_connections_in_use", "consdb_db_pool_waiters"] {
                #expect(text.contains("\n\(gauge) "), "missing \(gauge)")
            }
            #expect(text.contains("\nconsdb_db_pool_connections_max 10"), "\(text)")
        }
    }

    @Test("unknown paths get a JSON 404")
    func unknownPath() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api in
            let reply = try await api.get("/consdb/nosuch/endpoint")
            #expect(reply.status == 404)
            #expect(reply.message == "No such endpoint")
        }
    }
}
