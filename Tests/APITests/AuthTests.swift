@testable import API
import Hummingbird
import Testing

@Suite("write token", .needsConsDBReference)
struct AuthTests {
    static func setup() -> APISetup {
        var setup = APISetup()
        setup.configuration.writeToken = "s3cret"
        return setup
    }

    static let writes: [(String, String)] = [
        ("/consdb/flex/lsstcomcamsim/exposure/addkey", #"{"key": "k2", "dtype": "int"}"#),
        ("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003?u=1", #"{"values": {"bar": 99}}"#),
        ("/consdb/insert/lsstcomcamsim/exposure/obs/7024060100001", #"{"values": \#(exposureValues(seq: 1))}"#),
        ("/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20240528/3", #"{"values": {"visit_id": 7024052800003, "n_inputs": 1}}"#),
        ("/consdb/insert/lsstcomcamsim/exposure", #"{"obs_dict": {"7024060100002": \#(exposureValues(seq: 2))}}"#),
    ]

    @Test("writes without a token, or with a wrong one, are 401s and change nothing; the right token writes")
    func writesNeedToken() async throws {
        try await withAPI(Self.setup()) { api in
            try await api.expectUnchanged {
                for (uri, body) in Self.writes {
                    let none = try await api.post(uri, body)
                    #expect(none.status == 401, "\(uri): \(none)")
                    #expect(none.headers[.wwwAuthenticate] == "Bearer")
                    #expect(none.message == "This endpoint needs a bearer token")
                    for header in ["Bearer wrong", "Bearer s3cret2", "Bearer s3cre", "Basic czNjcmV0", "s3cret", "Bearer  s3cret", "bearer"] {
                        let wrong = try await api.post(uri, body, headers: [.authorization: header])
                        #expect(wrong.status == 401, "\(uri) with \(header): \(wrong)")
                        #expect(wrong.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    }
                }
            }
            for (uri, body) in Self.writes {
                let right = try await api.post(uri, body, headers: [.authorization: "Bearer s3cret"])
                #expect(right.status == 200, "\(uri): \(right)")
            }
            #expect(try await api.scalar("SELECT count(*) FROM cdb_lsstcomcamsim.exposure") == "4")
            #expect(try await api.post(Self.writes[0].0, #"{"key": "k3", "dtype": "int"}"#, headers: [.authorization: "bearer s3cret"]).status == 200)
        }
    }

    @Test("reads and POST /consdb/query stay open")
    func readsOpen() async throws {
        try await withAPI(Self.setup()) { api async throws in
            for uri in ["/", "/consdb/", "/consdb/schema", "/consdb/schema/lsstcomcamsim", "/consdb/schema/lsstcomcamsim/exposure",
                        "/consdb/flex/lsstcomcamsim/exposure/schema", "/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451",
                        "/consdb/query/lsstcomcamsim/exposure/obs/7024040300451", "/healthz", "/readyz", "/metrics"] {
                #expect(try await api.get(uri).status == 200, "\(uri)")
            }
            #expect(try await api.query("SELECT 1").rows == [[.number("1")]])
            // A write endpoint's GET twin (flex values) is a read.
            #expect(try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451?k=bar").text == #"{"bar":1234}"#)
        }
    }
}
