@testable import API
import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
import TestSupport

/// One raw answer: status, headers and the body's bytes as sent (still compressed, if they were).
private struct RawReply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: ByteBuffer

    var isGzip: Bool { headers[.contentEncoding] == "gzip" }
    var varies: Bool { headers[values: .vary].contains { $0.lowercased().contains("accept-encoding") } }

    /// The body as text, gunzipped when it is gzip.
    func text() throws -> String {
        guard isGzip else { return String(buffer: body) }
        var input = body
        return String(buffer: try input.decompress(with: ZlibAlgorithm.gzip))
    }
}

extension APIHarness {
    fileprivate func raw(_ uri: String, method: HTTPRequest.Method = .get, acceptEncoding: String? = nil, body: String? = nil) async throws -> RawReply {
        var headers: HTTPFields = [:]
        if let acceptEncoding { headers[.acceptEncoding] = acceptEncoding }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let reply = RawReply(status: Int(response.status.code), headers: response.headers, body: response.body)
        // The harness's own check that no request got a 5xx covers these requests too.
        statuses.record(method: method, uri: uri, reply: Reply(status: reply.status, headers: reply.headers, text: ""))
        return reply
    }
}

/// A query whose answer streams in many batches: 50 fetches of 1,000 rows.
private let manyRowsQuery = #"{"query": "SELECT n, 'row ' || n AS label, n * 0.5 AS half FROM generate_series(1, 50000) AS n"}"#

@Suite("gzip compression of answers")
struct CompressionTests {
    @Test("Accept-Encoding is read as RFC 9110 says, hostile values included", arguments: [
        ("gzip", true), ("GZip", true), ("x-gzip", true), ("gzip, deflate, br", true), ("br;q=1.0, gzip;q=0.5", true),
        ("*", true), ("*;q=0.1", true), ("deflate, *", true), ("gzip;q=1", true), ("gzip;q=0.001", true), ("gzip ; q = 0.5", true),
        ("gzip;level=9", true), (" , ,gzip", true),
        ("", false), ("identity", false), ("deflate, br", false), ("gzip;q=0", false), ("gzip;q=0.000", false), ("GZIP;Q=0", false),
        ("*;q=0", false), ("gzip;q=0, *", false), ("*, gzip;q=0", false), ("identity, *;q=0", false),
        ("gzip;q=", false), ("gzip;q=abc", false), ("gzip;q=1.5", false), ("gzip;q=-1", false), ("gzip;q", false), ("gzip;q=0.5000000", false),
        (";;;", false), (",,,", false), ("gzip;q=nan", false), ("gzip;q=1e0", false), ("gzipx", false), ("g zip", false),
        (String(repeating: "a;q=1,", count: 2000), false), (String(repeating: ";", count: 5000) + "gzip", false),
    ])
    func acceptEncodingRules(header: String, expected: Bool) {
        #expect(AcceptEncoding.allowsGzip([header]) == expected, "\(header.prefix(80))")
    }

    @Test("several Accept-Encoding lines are read together")
    func acceptEncodingLines() {
        #expect(AcceptEncoding.allowsGzip(["deflate", "gzip"]))
        #expect(!AcceptEncoding.allowsGzip(["*", "gzip;q=0"]))
        #expect(!AcceptEncoding.allowsGzip([]))
    }

    @Test("a large answer is gzip for clients that accept it and decompresses to the plain answer", arguments: [false, true])
    func largeAnswer(live: Bool) async throws {
        var setup = APISetup()
        setup.testing = live ? .live : .router
        try await withAPI(setup) { api in
            for uri in ["/consdb/openapi.json", "/consdb/schema/lsstcomcamsim/exposure"] {
                let plain = try await api.raw(uri)
                let gzip = try await api.raw(uri, acceptEncoding: "gzip, deflate")
                #expect(plain.status == 200 && gzip.status == 200)
                #expect(plain.body.readableBytes >= 1000, "\(uri) must be a large answer for this test")
                #expect(!plain.isGzip)
                #expect(plain.varies, "a large answer varies with Accept-Encoding even when sent plain")
                #expect(gzip.isGzip)
                #expect(gzip.varies)
                #expect(gzip.headers[.contentLength] == String(gzip.body.readableBytes), "Content-Length must be the compressed length")
                #expect(gzip.body.readableBytes < plain.body.readableBytes)
                #expect(try gzip.text() == plain.text())
                #expect(try JSONValue.parse(gzip.text()) == JSONValue.parse(plain.text()))
            }
        }
    }

    @Test("small answers, refused gzip and missing Accept-Encoding stay plain", arguments: [false, true])
    func plainAnswers(live: Bool) async throws {
        var setup = APISetup()
        setup.testing = live ? .live : .router
        try await withAPI(setup) { api in
            let small = try await api.raw("/consdb/schema", acceptEncoding: "gzip")
            #expect(small.status == 200)
            #expect(small.body.readableBytes < 1000)
            #expect(!small.isGzip)
            #expect(!small.varies)
            #expect(small.headers[.contentLength] == String(small.body.readableBytes))
            let smallQuery = try await api.raw("/consdb/query", method: .post, acceptEncoding: "gzip", body: #"{"query": "SELECT 1 AS one"}"#)
            #expect(smallQuery.status == 200)
            #expect(!smallQuery.isGzip)
            #expect(String(buffer: smallQuery.body) == #"{"columns":["one"],"data":[[1]]}"#)
            #expect(smallQuery.headers[.contentLength] == String(smallQuery.body.readableBytes))
            for header in [nil, "identity", "gzip;q=0", "br", "*;q=0"] {
                let reply = try await api.raw("/consdb/openapi.json", acceptEncoding: header)
                #expect(reply.status == 200)
                #expect(!reply.isGzip, "Accept-Encoding: \(header ?? "(none)")")
                #expect(try JSONValue.parse(reply.text())["openapi"] == .string("3.0.3"))
            }
        }
    }

    @Test("a streamed query of many rows is compressed as it streams, flushed per batch, and decompresses to the exact document", arguments: [false, true])
    func streamedQuery(live: Bool) async throws {
        var setup = APISetup()
        setup.configuration.queryFetchSize = 1000
        setup.testing = live ? .live : .router
        try await withAPI(setup) { api in
            let plain = try await api.raw("/consdb/query", method: .post, body: manyRowsQuery)
            let gzip = try await api.raw("/consdb/query", method: .post, acceptEncoding: "gzip", body: manyRowsQuery)
            #expect(plain.status == 200 && gzip.status == 200)
            #expect(!plain.isGzip)
            #expect(gzip.isGzip)
            #expect(gzip.varies)
            #expect(gzip.headers[.contentLength] == nil, "a streamed answer has no length to announce")
            #expect(gzip.body.readableBytes * 3 < plain.body.readableBytes)
            let text = try gzip.text()
            #expect(try text == plain.text())
            #expect(try JSONValue.parse(text).rows.count == 50000)
            // Every sync flush ends with an empty stored block, 00 00 FF FF: at least one per fetched batch.
            let bytes = Array(gzip.body.readableBytesView)
            let marker: [UInt8] = [0, 0, 0xFF, 0xFF]
            let flushes = (0..<(bytes.count - 3)).filter { bytes[$0..<($0 + 4)].elementsEqual(marker) }.count
            #expect(flushes >= 50, "\(flushes) sync flushes for 50 batches")
        }
    }

    @Test("large error answers are compressed too; small ones are not", arguments: [false, true])
    func errorAnswers(live: Bool) async throws {
        var setup = APISetup()
        setup.testing = live ? .live : .router
        try await withAPI(setup) { api in
            // PostgreSQL repeats the bad value in its message, so this 400 is over 1,000 bytes.
            let long = String(repeating: "x", count: 1500)
            let badQuery = try await api.raw("/consdb/query", method: .post, acceptEncoding: "gzip", body: #"{"query": "SELECT '\#(long)'::int"}"#)
            #expect(badQuery.status == 400)
            #expect(badQuery.isGzip)
            #expect(try badQuery.text().contains(long))
            // A 404 raised by the router itself (no such route), its body naming the long path.
            let missing = try await api.raw("/consdb/" + long, acceptEncoding: "gzip")
            #expect(missing.status == 404)
            #expect(missing.isGzip)
            #expect(try JSONValue.parse(missing.text())["value"] == .string("/consdb/" + long))
            let small = try await api.raw("/consdb/flex/nosuch/exposure/schema", acceptEncoding: "gzip")
            #expect(small.status == 404)
            #expect(!small.isGzip)
            #expect(try JSONValue.parse(small.text())["message"] != nil)
        }
    }

    @Test("hostile Accept-Encoding headers get a correct answer over a real socket")
    func hostileHeadersLive() async throws {
        var setup = APISetup()
        setup.testing = .live
        try await withAPI(setup) { api in
            let expected = try JSONValue.parse(try await api.raw("/consdb/openapi.json").text())
            let headers = [
                "gzip;q=", "gzip;q=abc", ";;;", ",,,", "gzip;;;q=0.5", "\tgzip\t", "gzip;q=0.5;q=0", "*;q=0.0000001",
                String(repeating: "gzip,", count: 1000), String(repeating: "x", count: 6000), "gzip;q=1, gzip;q=0", "br;q=0.9, *;q=0.1",
            ]
            for header in headers {
                let reply = try await api.raw("/consdb/openapi.json", acceptEncoding: header)
                #expect(reply.status == 200, "\(header.prefix(40))")
                #expect(reply.isGzip == AcceptEncoding.allowsGzip([header]), "\(header.prefix(40))")
                #expect(try JSONValue.parse(reply.text()) == expected, "\(header.prefix(40))")
            }
        }
    }

    @Test("real clients: curl --compressed and Python requests decode the answers")
    func realClients() async throws {
        var setup = APISetup()
        setup.configuration.queryFetchSize = 1000
        setup.testing = .live
        try await withAPI(setup) { api in
            let port = try #require(api.client.port)
            let base = "http://127.0.0.1:\(port)/consdb"
            let expected = try JSONValue.parse(try await api.raw("/consdb/openapi.json").text())

            let curl = try await ChildProcess.run("curl", ["-sS", "--fail", "--compressed", "-D", "/dev/stderr", base + "/openapi.json"])
            #expect(curl.status == 0, "\(curl)")
            #expect(curl.errorText.lowercased().contains("content-encoding: gzip"), "\(curl)")
            #expect(try JSONValue.parse(curl.text) == expected)

            let script = """
                import json, sys, requests
                base = sys.argv[1]
                r = requests.post(base + "/query", json=json.loads(sys.argv[2]), timeout=60)
                r.raise_for_status()
                body = r.json()
                assert r.headers.get("Content-Encoding") == "gzip", r.headers
                assert body["columns"] == ["n", "label", "half"], body["columns"]
                assert len(body["data"]) == 50000, len(body["data"])
                assert body["data"][-1] == [50000, "row 50000", 25000.0], body["data"][-1]
                small = requests.post(base + "/query", json={"query": "SELECT 1 AS one"}, timeout=60)
                assert "Content-Encoding" not in small.headers, small.headers
                assert small.json() == {"columns": ["one"], "data": [[1]]}, small.text
                schema = requests.get(base + "/openapi.json", timeout=60)
                assert schema.headers.get("Content-Encoding") == "gzip", schema.headers
                print("ok", len(body["data"]))
                """
            let python = try await ChildProcess.run("python3", ["-c", script, base, manyRowsQuery])
            #expect(python.status == 0, "\(python)")
            #expect(python.text.hasPrefix("ok 50000"), "\(python.text)")
        }
    }
}
