import Foundation
import TAP
import TestSupport
import Testing

/// Malformed and hostile requests get a clear 4xx in plain text, never a 500, and change nothing.
@Suite struct TAPAsyncHostileInputTests {
    @Test func unknownAndMalformedJobIdsAreNotFound() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(runRunner: false) { client in
                let unknown = String(repeating: "ab", count: 16)
                for id in [unknown, "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "ABCDEF0123456789ABCDEF0123456789", "1' OR '1'='1", String(repeating: "a", count: 5000)] {
                    for suffix in ["", "/phase", "/results", "/results/result", "/error", "/parameters", "/quote", "/owner", "/runId", "/destruction", "/executionduration"] {
                        let reply = try await client.get(UWSServer.base + "/async/\(id)\(suffix)")
                        #expect(reply.status == 404, "\(id)\(suffix): \(reply)")
                    }
                    #expect(try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")]).status == 404)
                    #expect(try await client.delete(UWSServer.base + "/async/\(id)").status == 404)
                }
                #expect(try await client.get(UWSServer.base + "/async/\(unknown)").text.hasPrefix("No such job"))
            }
        }
    }

    @Test func badRequestsAreRefusedWithAClearMessage() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(runRunner: false) { client in
                let id = try await client.create("SELECT 1")
                let cases: [(String, String, String)] = [
                    ("/async", UWSClient.encode([("LANG", "ADQL"), ("QUERY", "SELECT 1"), ("RESPONSEFORMAT", "fits")]), "RESPONSEFORMAT=fits"),
                    ("/async", UWSClient.encode([("LANG", "ADQL"), ("QUERY", "SELECT 1"), ("MAXREC", "-1")]), "MAXREC"),
                    ("/async", UWSClient.encode([("LANG", "ADQL"), ("PHASE", "RUN")]), "no QUERY"),
                    ("/async", UWSClient.encode([("LANG", "ADQL"), ("QUERY", "SELECT 1"), ("PHASE", "ABORT")]), "only PHASE=RUN"),
                    ("/async", "QUERY=%zz&LANG=ADQL", "percent-encoding"),
                    ("/async", "QUERY=%C3%28", "UTF-8"),
                    ("/async", UWSClient.encode([("LANG", "ADQL"), ("QUERY", "SELECT '\u{0}'")]), "NUL"),
                    ("/async/\(id)/phase", UWSClient.encode([("PHASE", "SUSPEND")]), "PHASE=SUSPEND"),
                    ("/async/\(id)/phase", "", "PHASE=RUN or PHASE=ABORT"),
                    ("/async/\(id)/executionduration", "EXECUTIONDURATION=ten", "integer"),
                    ("/async/\(id)/executionduration", "EXECUTIONDURATION=99999999999999999999999", "integer"),
                    ("/async/\(id)/destruction", "DESTRUCTION=tomorrow", "ISO 8601"),
                    ("/async/\(id)/destruction", "DESTRUCTION=2026-02-30T00:00:00Z", "ISO 8601"),
                    ("/async/\(id)/destruction", "DESTRUCTION=2026-01-01T24:00:00Z", "ISO 8601"),
                    ("/async/\(id)/destruction", "", "DESTRUCTION="),
                ]
                for (path, body, message) in cases {
                    let reply = try await client.post(UWSServer.base + path, raw: body)
                    #expect(reply.status == 400, "\(path) \(body.prefix(80)): \(reply)")
                    #expect(reply.text.contains(message), "\(path) \(body.prefix(80)): \(reply)")
                    #expect(reply.headers[.contentType]?.hasPrefix("text/plain") == true)
                }
                let multipart = try await client.post(UWSServer.base + "/async", raw: "--x\r\n", contentType: "multipart/form-data; boundary=x")
                #expect(multipart.status == 400 && multipart.text.contains("UPLOAD"), "\(multipart)")
                // The job is as it was.
                let job = try #require(try await server.store.job(id))
                #expect(job.phase == .pending && job.parameters["LANG"] == "ADQL" && job.parameters.all("LANG").count == 1)
                #expect(try await server.store.list().count == 1)
            }
        }
    }

    @Test func hugeParameterValuesAreRefusedAndLargeOnesKept() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(runRunner: false) { client in
                let huge = try await client.post(UWSServer.base + "/async", raw: "LANG=ADQL&QUERY=" + String(repeating: "x", count: 2 << 20))
                #expect(huge.status == 413, "\(huge)")
                #expect(try await server.store.list().isEmpty)
                // A long query (160 kB, 560 kB encoded), with every character that needs escaping in XML, round-trips.
                let long = "SELECT '" + String(repeating: "<&>\"' é", count: 20_000) + "'"
                let id = try await client.create(long)
                let job = try #require(try await server.store.job(id))
                #expect(job.parameters["QUERY"] == long)
                let parameters = try await client.get(UWSServer.base + "/async/\(id)/parameters")
                #expect(parameters.status == 200 && parameters.text.contains("&lt;&amp;&gt;&quot;&apos; é"))
            }
        }
    }

    @Test func controlCharactersInValuesStillGiveWellFormedXML() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(runRunner: false) { client in
                let id = try await client.create("SELECT 1 -- \u{1}\u{8}\u{1B}", extra: [("RUNID", "run\u{7}id")])
                let job = try await client.get(UWSServer.base + "/async/\(id)")
                #expect(job.status == 200)
                #expect(!job.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" })
                #expect(job.text.contains("<uws:runId>run\u{FFFD}id</uws:runId>"))
            }
        }
    }
}
