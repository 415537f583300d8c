@testable import API
import Testing

@Suite("flex: values of an observation", .needsConsDBReference)
struct FlexValueTests {
    static let obs451 = "/consdb/flex/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)"
    static let obs003 = "/consdb/flex/lsstcomcamsim/exposure/obs/\(Fixture.exposure003)"

    /// Adds keys of every dtype for the tests that write values.
    static func addKeys(_ api: APIHarness) async throws {
        for (key, dtype) in [("foo2", "bool"), ("bar2", "int"), ("baz2", "float"), ("qux2", "str")] {
            let reply = try await api.post("/consdb/flex/lsstcomcamsim/exposure/addkey", json: .object([("key", .string(key)), ("dtype", .string(dtype))]))
            #expect(reply.status == 200, "\(reply)")
        }
    }

    @Test("values come typed by the key's dtype")
    func fixtureValues() async throws {
        try await withAPI { api in
            let reply = try await api.get(Self.obs451)
            #expect(reply.status == 200)
            #expect(reply.text == #"{"bar":1234,"baz":3.14,"foo":true,"qux":"nachos"}"#)
            #expect(try await api.get(Self.obs003).text == #"{"bar":5678,"baz":1.25,"foo":false,"qux":"burritos"}"#)
            let ccd = try await api.get("/consdb/flex/lsstcomcamsim/ccdexposure/obs/\(Fixture.ccd065)")
            #expect(ccd.text == #"{"bacon":"beta","eggs":0.1,"ham":987654321,"spam":true}"#)
        }
    }

    @Test("k filters the keys")
    func filtered() async throws {
        try await withAPI { api async throws in
            #expect(try await api.get(Self.obs451 + "?k=bar&k=baz").text == #"{"bar":1234,"baz":3.14}"#)
            #expect(try await api.get(Self.obs451 + "?k=qux").text == #"{"qux":"nachos"}"#)
        }
    }

    @Test("an unknown key in k is a 400 naming the keys that exist, as a POST of one is")
    func unknownKeyInFilter() async throws {
        try await withAPI { api in
            for query in ["?k=nosuch", "?k=bar&k=nosuch", "?k=", "?k=BAR"] {
                let reply = try await api.get(Self.obs451 + query)
                #expect(reply.status == 400, "\(query): \(reply)")
                #expect(reply.message == "Invalid key", "\(query)")
                #expect(exactlyEqual(try #require(try reply.json()["valid"]), .strings(["bar", "baz", "foo", "qux"])))
            }
            let named = try await api.get(Self.obs451 + "?k=bar&k=nosuch")
            #expect(try named.json()["value"] == .string("nosuch"))
            // A key that exists but has no value for this observation is not an error.
            try await Self.addKeys(api)
            #expect(try await api.get(Self.obs451 + "?k=bar2&k=bar").text == #"{"bar":1234}"#)
            // The observation is checked first.
            #expect(try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/123?k=nosuch").status == 404)
        }
    }

    @Test("an unknown observation is a 404; a non-integer id a 400; an obs type without flex tables a 404")
    func unknownObservation() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api in
            let missing = try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/123")
            #expect(missing.status == 404)
            #expect(exactlyEqual(try missing.json(), .literal(#"{"message":"Invalid exposure_id","value":123}"#)))
            let bad = try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/abc")
            #expect(bad.status == 400)
            #expect(bad.message == "Path parameter obs_id must be an integer")
            let visit = try await api.get("/consdb/flex/lsstcomcamsim/visit1/obs/\(Fixture.exposure451)")
            #expect(visit.status == 404)
            #expect(exactlyEqual(try visit.json(), .literal(
                #"{"message":"Invalid observation type","value":"visit1","valid":["exposure","ccdexposure"]}"#
            )))
            #expect(try await api.get("/consdb/flex/nosuch/exposure/obs/1").status == 404)
        }
    }

    @Test("POST inserts new keys, stored as text with the observation's day_obs and seq_num")
    func insertValues() async throws {
        try await withAPI { api in
            try await Self.addKeys(api)
            let reply = try await api.post(Self.obs451, #"{"values": {"foo2": true, "bar2": 42, "baz2": 3.14159, "qux2": "tacos"}}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"Flexible metadata inserted","instrument":"lsstcomcamsim","obs_type":"exposure","obs_id":7024040300451}"#
            )))
            #expect(try await api.get(Self.obs451).text
                == #"{"bar":1234,"bar2":42,"baz":3.14,"baz2":3.14159,"foo":true,"foo2":true,"qux":"nachos","qux2":"tacos"}"#)
            #expect(try await api.get(Self.obs451 + "?k=bar2&k=baz2").text == #"{"bar2":42,"baz2":3.14159}"#)
            let stored = try await api.sql("""
                SELECT key, value, day_obs, seq_num FROM cdb_lsstcomcamsim.exposure_flexdata WHERE key LIKE '%2' ORDER BY key
                """).rows
            #expect(stored == [
                ["bar2", "42", "20240403", "451"], ["baz2", "3.14159", "20240403", "451"],
                ["foo2", "true", "20240403", "451"], ["qux2", "tacos", "20240403", "451"],
            ])
            // An integer is a valid float value.
            #expect(try await api.post(Self.obs003, #"{"values": {"baz2": 3}}"#).status == 200)
            #expect(try await api.get(Self.obs003 + "?k=baz2").text == #"{"baz2":3}"#)
            // ccdexposure keys get day_obs, seq_num and detector.
            let ccd = try await api.post("/consdb/flex/lsstcomcamsim/ccdexposure/obs/730865976066", #"{"values": {"ham": 7, "bacon": "gamma"}}"#)
            #expect(ccd.status == 200, "\(ccd)")
            #expect(try await api.sql("""
                SELECT day_obs, seq_num, detector, value FROM cdb_lsstcomcamsim.ccdexposure_flexdata WHERE obs_id = 730865976066 AND key = 'ham'
                """).rows == [["20240403", "451", "2", "7"]])
        }
    }

    @Test("a duplicate without u=1 is a 409 and changes nothing; u=1 updates")
    func duplicateAndUpdate() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let again = try await api.post(Self.obs003, #"{"values": {"foo": false, "bar": 34}}"#)
                #expect(again.status == 409, "\(again)")
                #expect(again.message == "Row already exists; use u=1 to update it")
                let zero = try await api.post(Self.obs003 + "?u=0", #"{"values": {"bar": 34}}"#)
                #expect(zero.status == 409)
            }
            let update = try await api.post(Self.obs003 + "?u=1", #"{"values": {"foo": false, "bar": 34, "baz": 2.71828}}"#)
            #expect(update.status == 200, "\(update)")
            #expect(try await api.get(Self.obs003).text == #"{"bar":34,"baz":2.71828,"foo":false,"qux":"burritos"}"#)
            #expect(try await api.get(Self.obs003 + "?k=baz").text == #"{"baz":2.71828}"#)
            // The other observation is untouched.
            #expect(try await api.get(Self.obs451).text == #"{"bar":1234,"baz":3.14,"foo":true,"qux":"nachos"}"#)
            #expect(try await api.scalar("SELECT count(*) FROM cdb_lsstcomcamsim.exposure_flexdata") == "8")
        }
    }

    @Test("an unknown key is a 400 naming the key and the valid keys")
    func unknownKey() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let reply = try await api.post(Self.obs451 + "?u=1", #"{"values": {"bad_key": 1}}"#)
                #expect(reply.status == 400)
                #expect(exactlyEqual(try reply.json(), .literal(
                    #"{"message":"Invalid key","value":"bad_key","valid":["bar","baz","foo","qux"]}"#
                )))
            }
        }
    }

    @Test("a value of the wrong dtype is a 400 naming the dtype", arguments: [
        ("bar", #""x""#), ("bar", "1.5"), ("bar", "true"), ("bar", "1e3"), ("bar", "99999999999999999999"),
        ("foo", "3"), ("foo", #""true""#), ("baz", #""3.14""#), ("baz", "false"), ("qux", "5"), ("qux", "null"),
        ("bar", "[1]"), ("qux", #"{"a":"b"}"#),
    ])
    func wrongDtype(key: String, value: String) async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let reply = try await api.post(Self.obs451 + "?u=1", #"{"values": {"\#(key)": \#(value)}}"#)
                #expect(reply.status == 400, "\(reply)")
                let dtype = ["bar": "int", "foo": "bool", "baz": "float", "qux": "str"][key]!
                #expect(reply.message == "Invalid \(dtype) value")
                #expect(exactlyEqual(try #require(try reply.json()["value"]), .literal(value)))
                #expect(exactlyEqual(try #require(try reply.json()["valid"]), .strings([dtype])))
            }
        }
    }

    @Test("bodies without values, or with empty values, are 400s")
    func missingValues() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let empty = try await api.post(Self.obs451, "{}")
                #expect(empty.status == 400)
                #expect(empty.message == "Field required: values")
                let none = try await api.post(Self.obs451, #"{"values": {}}"#)
                #expect(none.status == 400)
                #expect(none.message == "values is empty")
                let notObject = try await api.post(Self.obs451, #"{"values": [1, 2]}"#)
                #expect(notObject.status == 400)
                #expect(notObject.message == "values must be a JSON object")
                let badU = try await api.post(Self.obs451 + "?u=maybe", #"{"values": {"bar": 1}}"#)
                #expect(badU.status == 400)
            }
        }
    }

    @Test("a POST with one bad key writes nothing (all or nothing)")
    func allOrNothing() async throws {
        try await withAPI { api in
            try await Self.addKeys(api)
            try await api.expectUnchanged {
                let badType = try await api.post(Self.obs451, #"{"values": {"foo2": true, "bar2": 42, "baz2": "oops", "qux2": "x"}}"#)
                #expect(badType.status == 400)
                let badKey = try await api.post(Self.obs451, #"{"values": {"foo2": true, "nope": 1}}"#)
                #expect(badKey.status == 400)
                // One new key and one existing key: the duplicate fails the whole insert.
                let duplicate = try await api.post(Self.obs451, #"{"values": {"bar2": 42, "bar": 1}}"#)
                #expect(duplicate.status == 409)
                let missingObservation = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/42", #"{"values": {"bar2": 42}}"#)
                #expect(missingObservation.status == 404)
                #expect(exactlyEqual(try missingObservation.json(), .literal(#"{"message":"Invalid exposure_id","value":42}"#)))
            }
        }
    }
}
