@testable import API
import Foundation
import Hummingbird
import Testing

@Suite("write tokens: Bearer or Basic, several tokens, optional read auth", .needsConsDBReference)
struct AuthTests {
    static func setup(tokens: [String] = ["s3cret"], reads: Bool = false) -> APISetup {
        var setup = APISetup()
        setup.configuration.writeTokens = tokens
        setup.configuration.authenticateReads = reads
        return setup
    }

    static func basic(_ credentials: String) -> String {
        "Basic " + Data(credentials.utf8).base64EncodedString()
    }

    static let writes: [(String, String)] = [
        ("/consdb/flex/lsstcomcamsim/exposure/addkey", #"{"key": "k2", "dtype": "int"}"#),
        ("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003?u=1", #"{"values": {"bar": 99}}"#),
        ("/consdb/insert/lsstcomcamsim/exposure/obs/7024060100001", #"{"values": \#(exposureValues(seq: 1))}"#),
        ("/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20240528/3", #"{"values": {"visit_id": 7024052800003, "n_inputs": 1}}"#),
        ("/consdb/insert/lsstcomcamsim/exposure", #"{"obs_dict": {"7024060100002": \#(exposureValues(seq: 2))}}"#),
    ]

    /// The two challenges of every 401, with `error="invalid_token"` on the Bearer one for a wrong token.
    static func expectChallenges(_ reply: Reply, invalidToken: Bool, _ comment: String) {
        let bearer = invalidToken ? #"Bearer realm="consdb", error="invalid_token""# : #"Bearer realm="consdb""#
        #expect(reply.headers[values: .wwwAuthenticate] == [bearer, #"Basic realm="consdb""#], "\(comment)")
    }

    @Test("writes without a token, or with a wrong one, are 401s with both challenges and change nothing")
    func writesNeedToken() async throws {
        try await withAPI(Self.setup()) { api in
            try await api.expectUnchanged {
                for (uri, body) in Self.writes {
                    let none = try await api.post(uri, body)
                    #expect(none.status == 401, "\(uri): \(none)")
                    Self.expectChallenges(none, invalidToken: false, uri)
                    #expect(none.message == "This endpoint needs a token: send Authorization: Bearer <token>, or HTTP Basic with the token as the password")
                    let wrongTokens = ["Bearer wrong", "Bearer s3cret2", "Bearer s3cre", "Bearer  s3cret", "Bearer S3CRET",
                                       Self.basic("user:wrong"), Self.basic(":s3cre"), Self.basic("s3cret:"), Self.basic("user:s3cret:")]
                    for header in wrongTokens {
                        let wrong = try await api.post(uri, body, headers: [.authorization: header])
                        #expect(wrong.status == 401, "\(uri) with \(header): \(wrong)")
                        #expect(wrong.message == "Invalid token", "\(header)")
                        Self.expectChallenges(wrong, invalidToken: true, header)
                        #expect(!wrong.text.contains("s3cre"), "a 401 echoes no credentials")
                    }
                }
            }
        }
    }

    @Test("malformed credentials and other schemes are clear 401s, never 500s", arguments: [
        ("Basic czNjcmV0", "Malformed credentials: Basic credentials need user:password (any user name, the token as the password)"),
        ("Basic !!!notbase64", "Malformed credentials: Basic credentials are not valid base64"),
        ("Basic " + Data([0x75, 0x3A, 0xFF, 0xFE]).base64EncodedString(), "Malformed credentials: Basic credentials are not UTF-8"),
        ("Basic", "Malformed credentials: Basic without credentials"), ("Basic   ", "Malformed credentials: Basic without credentials"),
        ("bearer", "Malformed credentials: Bearer without a token"), ("Bearer ", "Malformed credentials: Bearer without a token"),
        ("s3cret", "Unsupported authorization scheme: use Bearer <token>, or HTTP Basic with the token as the password"),
        ("Digest username=\"x\"", "Unsupported authorization scheme: use Bearer <token>, or HTTP Basic with the token as the password"),
        ("Token s3cret", "Unsupported authorization scheme: use Bearer <token>, or HTTP Basic with the token as the password"),
    ])
    func malformed(header: String, message: String) async throws {
        try await withAPI(Self.setup()) { api in
            try await api.expectUnchanged {
                let reply = try await api.post(Self.writes[0].0, Self.writes[0].1, headers: [.authorization: header])
                #expect(reply.status == 401, "\(reply)")
                #expect(reply.message == message)
                Self.expectChallenges(reply, invalidToken: false, header)
            }
        }
    }

    @Test("the right token as Bearer, or as the Basic password with any user name, writes; every configured token works")
    func rightTokens() async throws {
        try await withAPI(Self.setup(tokens: ["s3cret", "gt-rotated:with=odd/chars", "ünï"])) { api in
            let headers = ["Bearer s3cret", "bearer s3cret", "BEARER gt-rotated:with=odd/chars", Self.basic("user:s3cret"),
                           Self.basic(":s3cret"), Self.basic("any one:gt-rotated:with=odd/chars"), "basic " + Data("u:s3cret".utf8).base64EncodedString(),
                           // Unpadded base64 (some clients drop the '='), and the UTF-8 token.
                           "Basic " + Data("ab:s3cret".utf8).base64EncodedString().replacingOccurrences(of: "=", with: ""),
                           Self.basic("x:ünï"), "Bearer ünï"]
            for (index, header) in headers.enumerated() {
                let reply = try await api.post(Self.writes[0].0, #"{"key": "k\#(index)", "dtype": "int"}"#, headers: [.authorization: header])
                #expect(reply.status == 200, "\(header): \(reply)")
            }
            for (uri, body) in Self.writes.dropFirst() {
                let right = try await api.post(uri, body, headers: [.authorization: Self.basic("consdb:s3cret")])
                #expect(right.status == 200, "\(uri): \(right)")
            }
            #expect(try await api.scalar("SELECT count(*) FROM cdb_lsstcomcamsim.exposure") == "4")
        }
    }

    @Test("reads and POST /consdb/query stay open by default")
    func readsOpen() async throws {
        try await withAPI(Self.setup()) { api async throws in
            for uri in Self.reads + Self.alwaysOpen {
                #expect(try await api.get(uri).status == 200, "\(uri)")
            }
            #expect(try await api.query("SELECT 1").rows == [[.number("1")]])
            // A write endpoint's GET twin (flex values) is a read.
            #expect(try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?k=bar").text == #"{"bar":1234}"#)
        }
    }

    static let alwaysOpen = ["/", "/consdb", "/consdb/", "/healthz", "/readyz", "/metrics", "/consdb/openapi.json"]
    static let reads = [
        "/consdb/schema", "/consdb/schema/lsstcomcamsim", "/consdb/schema/lsstcomcamsim/exposure",
        "/consdb/flex/lsstcomcamsim/exposure/schema", "/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451",
        "/consdb/query/lsstcomcamsim/exposure/obs/7024040300451",
    ]

    @Test("with authenticateReads, reads and /query need a token too; probes, root and docs do not")
    func readsClosed() async throws {
        try await withAPI(Self.setup(reads: true)) { api async throws in
            for uri in Self.alwaysOpen {
                #expect(try await api.get(uri).status == 200, "\(uri)")
            }
            for uri in Self.reads + ["/consdb/healthz", "/healthz/../consdb/schema", "/consdb/docs/../schema", "/consdb/nosuch"] {
                let closed = try await api.get(uri)
                #expect(closed.status == 401, "\(uri): \(closed)")
                Self.expectChallenges(closed, invalidToken: false, uri)
                #expect(try await api.get(uri, headers: [.authorization: "Bearer nope"]).status == 401)
            }
            for uri in Self.reads {
                #expect(try await api.get(uri, headers: [.authorization: Self.basic("u:s3cret")]).status == 200, "\(uri)")
            }
            let query = try await api.post("/consdb/query", #"{"query": "SELECT 1"}"#)
            #expect(query.status == 401)
            let allowed = try await api.post("/consdb/query", #"{"query": "SELECT 1"}"#, headers: [.authorization: "Bearer s3cret"])
            #expect(allowed.status == 200)
        }
    }

    @Test("the credentials parser", arguments: [
        ("Bearer abc", WriteTokenMiddleware.Presented.token("abc")), ("bEaReR a b", .token("a b")),
        ("Basic dTpw", .token("p")), ("Basic dTo=", .token("")), ("Basic OnA6cQ==", .token("p:q")),
        ("Basic dTpw ", .token("p")), ("Negotiate x", .unsupportedScheme), ("", .unsupportedScheme),
        ("Basic ====", .malformed("Basic credentials need user:password (any user name, the token as the password)")),
        ("Basic dTpw=", .token("p")), ("Basic d", .malformed("Basic credentials are not valid base64")),
        ("Basic dTpw\u{E9}", .malformed("Basic credentials are not valid base64")),
    ])
    func parser(header: String, presented: WriteTokenMiddleware.Presented) {
        #expect(WriteTokenMiddleware.presented(header) == presented)
    }

    @Test("every configured token is compared, and only an exact match passes")
    func matching() {
        #expect(WriteTokenMiddleware.matchesAny("b", ["a", "b", "c"]))
        #expect(WriteTokenMiddleware.matchesAny("c", ["a", "b", "c"]))
        #expect(!WriteTokenMiddleware.matchesAny("", ["a", "b"]))
        #expect(!WriteTokenMiddleware.matchesAny("ab", ["a", "b"]))
        #expect(!WriteTokenMiddleware.matchesAny("a", []))
        #expect(!WriteTokenMiddleware.matchesAny("a\0", ["a"]))
    }

    @Test("which paths stay open when reads need a token")
    func openPaths() {
        let middleware = WriteTokenMiddleware(tokens: ["t"], authenticateReads: true, prefix: "/consdb/")
        for path in ["/", "/healthz", "/readyz", "/metrics", "/consdb", "/consdb/", "/consdb/openapi.json", "/consdb/docs",
                     "/consdb/redoc", "/consdb/docs/swagger-ui.css", "/consdb/docs/assets/app.js"] {
            #expect(middleware.isOpenPath(path), "\(path)")
        }
        for path in ["/consdb/query", "/consdb/docs/../query", "/consdb/docs/%2e%2e/query", "/consdb/docs/./x", "/healthz/x",
                     "/consdb/schema", "//consdb/schema", "/other/openapi.json"] {
            #expect(!middleware.isOpenPath(path), "\(path)")
        }
        let writesOnly = WriteTokenMiddleware(tokens: ["t"])
        #expect(writesOnly.needsToken(method: .post, path: "/consdb/flex/i/exposure/addkey"))
        #expect(!writesOnly.needsToken(method: .get, path: "/consdb/flex/i/exposure/schema"))
        #expect(!writesOnly.needsToken(method: .post, path: "/consdb/query"))
    }
}
