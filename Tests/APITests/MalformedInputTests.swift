@testable import API
import Testing

@Suite("malformed request bodies on every POST endpoint", .needsConsDBReference)
struct MalformedInputTests {
    static let endpoints = [
        "/consdb/flex/lsstcomcamsim/exposure/addkey",
        "/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?u=1",
        "/consdb/insert/lsstcomcamsim/exposure/obs/7024040300451?u=1",
        "/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20240403/451?u=1",
        "/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook/by_seq_num/20240403/451/0?u=1",
        "/consdb/insert/lsstcomcamsim/exposure?u=1",
        "/consdb/query",
    ]

    static let deepArray = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
    static let deepObject = String(repeating: #"{"values":"#, count: 1000) + "1" + String(repeating: "}", count: 1000)

    /// Bodies that are not one JSON document, with the parser's complaint.
    static let malformed: [(name: String, bytes: [UInt8], reason: String)] = [
        ("not JSON", Array("hello".utf8), "unexpected character"),
        ("truncated", Array(#"{"values": {"bar": 1"#.utf8), "unexpected end of input in an object"),
        ("truncated string", Array(#"{"values": {"bar"#.utf8), "unterminated string"),
        ("truncated escape", Array(#"{"query": "\u12"#.utf8), "truncated \\u escape"),
        ("deeply nested array", Array(deepArray.utf8), "nesting deeper than 64 levels"),
        ("deeply nested object", Array(deepObject.utf8), "nesting deeper than 64 levels"),
        ("invalid UTF-8", [0x7B, 0x22, 0x71, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], "invalid UTF-8 in a string"),
        ("invalid UTF-8 outside strings", [0x7B, 0xC3, 0x7D], "expected a member name"),
        ("lone surrogate", Array(#"{"query": "\ud800"}"#.utf8), "unpaired surrogate"),
        ("duplicate keys", Array(#"{"values": {"bar": 1}, "values": {"bar": 2}}"#.utf8), "duplicate member name \"values\""),
        ("trailing garbage", Array(#"{"values": {}} x"#.utf8), "unexpected data after the document"),
        ("trailing comma", Array(#"{"values": {"bar": 1,}}"#.utf8), "expected a member name"),
        ("single quotes", Array("{'values': {}}".utf8), "expected a member name"),
        ("control character", Array("{\"query\": \"a\u{01}b\"}".utf8), "control character in a string"),
        ("NaN", Array(#"{"values": {"baz": NaN}}"#.utf8), "unexpected character"),
        ("leading zero", Array(#"{"values": {"bar": 01}}"#.utf8), "expected ',' or '}'"),
    ]

    @Test("malformed JSON is a 400 that says why, and changes nothing", arguments: endpoints)
    func malformedJSON(endpoint: String) async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                for body in Self.malformed {
                    let reply = try await api.postBytes(endpoint, body.bytes)
                    #expect(reply.status == 400, "\(body.name): \(reply)")
                    #expect(reply.message?.hasPrefix("Malformed JSON: invalid JSON at byte ") == true, "\(body.name): \(reply)")
                    #expect(reply.message?.hasSuffix(body.reason) == true, "\(body.name): \(reply)")
                }
                let empty = try await api.postBytes(endpoint, [])
                #expect(empty.status == 400, "\(empty)")
                #expect(empty.message == "The request needs a JSON body")
                let whitespace = try await api.post(endpoint, "  \n ")
                #expect(whitespace.status == 400, "\(whitespace)")
            }
        }
    }

    @Test("well-formed JSON of the wrong shape is a 400", arguments: endpoints)
    func wrongShape(endpoint: String) async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                for body in ["[1, 2]", "[]", "\"values\"", "42", "null", "true", "{}", #"{"values": null, "obs_dict": null, "key": null, "query": null}"#,
                             #"{"values": "x", "obs_dict": "x", "key": "k", "dtype": 1, "query": ["SELECT 1"]}"#] {
                    let reply = try await api.post(endpoint, body)
                    #expect(reply.status == 400, "\(body): \(reply)")
                    #expect(reply.message != nil)
                }
            }
        }
    }

    @Test("a body over the size limit is a 413", arguments: endpoints)
    func oversized(endpoint: String) async throws {
        var setup = APISetup()
        setup.configuration.maxBodyBytes = 1024
        try await withAPI(setup) { api in
            try await api.expectUnchanged {
                let padding = String(repeating: " ", count: 10 * 1024)
                let reply = try await api.post(endpoint, #"{"query": "SELECT 1", "values": {}}"# + padding)
                #expect(reply.status == 413, "\(reply)")
                #expect(reply.message == "Content Too Large")
                // Just under the limit is parsed.
                let small = try await api.post(endpoint, #"{"values": 1}"# + String(repeating: " ", count: 1000))
                #expect(small.status == 400)
                #expect(small.message?.hasPrefix("Malformed") == false)
            }
        }
    }
}
