@testable import API
import JSON
import Testing

@Suite("SQL injection through path segments, keys, columns and query parameters", .needsConsDBReference)
struct InjectionTests {
    /// The tables of the test database: the 22 the harness's schemas hold, and the five of tap_schema
    /// that `schema apply` fills (an injection must not reach those either).
    static let tableCount = 27

    static let payloads = [
        "exposure; DROP TABLE x",
        "exposure\" --",
        "exposure\"; DROP TABLE cdb_lsstcomcamsim.exposure_flexdata; --",
        "'; DROP SCHEMA cdb_lsstcomcamsim CASCADE; --",
        "exposure' OR '1'='1",
        "cdb_lsstcomcamsim\".\"exposure",
        "exposure/**/UNION/**/SELECT/**/1",
        "lsstcomcamsim.exposure",
        "exposure\0",
        "../exposure",
    ]

    /// The URL forms of a payload: fully percent-encoded, and with only the characters a URL cannot carry encoded.
    static func forms(_ payload: String) -> [String] {
        let full = APIHarness.segment(payload)
        var light = ""
        for scalar in payload.unicodeScalars {
            switch scalar {
            case " ": light += "%20"
            case "/": light += "%2F"
            case "?": light += "%3F"
            case "#": light += "%23"
            case "%": light += "%25"
            case "\0": light += "%00"
            default: light.unicodeScalars.append(scalar)
            }
        }
        return [full, light]
    }

    @Test("every path segment: 4xx, and the schema is intact", arguments: payloads)
    func pathSegments(payload: String) async throws {
        try await withAPI { api in
            let before = try await api.snapshot()
            #expect(before.tableCount == Self.tableCount)
            try await api.expectUnchanged {
                for p in Self.forms(payload) {
                    let gets = [
                        "/consdb/schema/\(p)", "/consdb/schema/lsstcomcamsim/\(p)", "/consdb/schema/\(p)/exposure",
                        "/consdb/flex/\(p)/exposure/schema", "/consdb/flex/lsstcomcamsim/\(p)/schema",
                        "/consdb/flex/lsstcomcamsim/\(p)/obs/7024040300451", "/consdb/flex/lsstcomcamsim/exposure/obs/\(p)",
                        "/consdb/query/\(p)/exposure/obs/1", "/consdb/query/lsstcomcamsim/\(p)/obs/1", "/consdb/query/lsstcomcamsim/exposure/obs/\(p)",
                    ]
                    for uri in gets {
                        let reply = try await api.get(uri)
                        #expect((400..<500).contains(reply.status), "GET \(uri): \(reply)")
                    }
                    let posts: [(String, String)] = [
                        ("/consdb/flex/\(p)/exposure/addkey", #"{"key": "k", "dtype": "int"}"#),
                        ("/consdb/flex/lsstcomcamsim/\(p)/addkey", #"{"key": "k", "dtype": "int"}"#),
                        ("/consdb/flex/lsstcomcamsim/\(p)/obs/7024040300451", #"{"values": {"bar": 1}}"#),
                        ("/consdb/flex/lsstcomcamsim/exposure/obs/\(p)", #"{"values": {"bar": 1}}"#),
                        ("/consdb/insert/\(p)/exposure/obs/1", #"{"values": {"band": "r"}}"#),
                        ("/consdb/insert/lsstcomcamsim/\(p)/obs/1", #"{"values": {"band": "r"}}"#),
                        ("/consdb/insert/lsstcomcamsim/\(p)", #"{"obs_dict": {"1": {"band": "r"}}}"#),
                        ("/consdb/insert/lsstcomcamsim/exposure/obs/\(p)", #"{"values": {"band": "r"}}"#),
                        ("/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/\(p)/1", #"{"values": {"visit_id": 1}}"#),
                        ("/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook/by_seq_num/20240403/451/\(p)", #"{"values": {"ccdvisit_id": 1}}"#),
                    ]
                    for (uri, body) in posts {
                        let reply = try await api.post(uri, body)
                        #expect((400..<500).contains(reply.status), "POST \(uri): \(reply)")
                    }
                }
            }
            #expect(try await api.snapshot().tableCount == Self.tableCount)
        }
    }

    @Test("key names, column names and k parameters are data, never SQL", arguments: payloads)
    func names(payload: String) async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let values = JSONValue.object([("values", .object([(payload, .number("1"))]))])
                let flex = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?u=1", json: values)
                #expect(flex.status == 400, "\(flex)")
                #expect(flex.message == "Invalid key")
                #expect(try flex.json()["value"] == .string(payload))

                if !FlexKeyRules.isValidKeyName(payload) {
                    let addKey = try await api.post("/consdb/flex/lsstcomcamsim/exposure/addkey", json: .object([("key", .string(payload)), ("dtype", .string("int"))]))
                    #expect(addKey.status == 400, "\(addKey)")
                }

                let insert = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/7024040300451?u=1", json: values)
                #expect(insert.status == 400, "\(insert)")
                #expect(try insert.json()["value"] == .string(payload))

                let bulk = try await api.post("/consdb/insert/lsstcomcamsim/exposure?u=1", json: .object([("obs_dict", .object([("7024040300451", .object([(payload, .number("1"))]))]))]))
                #expect(bulk.status == 400, "\(bulk)")

                for k in Self.forms(payload) {
                    let reply = try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?k=\(k)&k=bar")
                    // Either way a 400: a NUL is refused, any other payload is a key that does not exist.
                    #expect(reply.status == 400, "\(reply)")
                    if !payload.contains("\0") {
                        #expect(try reply.json()["value"] == .string(payload), "\(reply)")
                        #expect(try reply.json()["valid"] == .strings(["bar", "baz", "foo", "qux"]))
                    }
                }
            }
            #expect(try await api.snapshot().tableCount == Self.tableCount)
        }
    }

    @Test("string values with SQL in them are stored verbatim")
    func valuesAreData() async throws {
        try await withAPI { api in
            let text = "'); DROP SCHEMA cdb_lsstcomcamsim CASCADE; --"
            let reply = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003?u=1", json: .object([("values", .object([("qux", .string(text))]))]))
            #expect(reply.status == 200)
            #expect(try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003?k=qux").json() == .object([("qux", .string(text))]))
            #expect(try await api.snapshot().tableCount == Self.tableCount)
        }
    }

    @Test("NUL characters are refused, never silently truncated")
    func nulCharacters() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let flex = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?u=1", #"{"values": {"qux": "taco\u0000s"}}"#)
                #expect(flex.status == 400, "\(flex)")
                let insert = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/7024040300451?u=1", #"{"values": {"band": "r\u0000x"}}"#)
                #expect(insert.status == 400, "\(insert)")
                let addKey = try await api.post("/consdb/flex/lsstcomcamsim/exposure/addkey", #"{"key": "k", "dtype": "int", "doc": "a\u0000b"}"#)
                #expect(addKey.status == 400, "\(addKey)")
                let query = try await api.post("/consdb/query", #"{"query": "SELECT 1\u0000; DELETE FROM cdb_lsstcomcamsim.exposure_flexdata"}"#)
                #expect(query.status == 400, "\(query)")
                let k = try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?k=bar%00x")
                #expect(k.status == 400, "\(k)")
            }
        }
    }
}
