@testable import API
import JSON
import Testing

@Suite("flex: addkey and key schema", .needsConsDBReference)
struct FlexKeyTests {
    static let addKey = "/consdb/flex/lsstcomcamsim/exposure/addkey"

    static func keyBody(_ key: String, dtype: String = "int", doc: String? = nil, unit: String? = nil, ucd: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("key", .string(key)), ("dtype", .string(dtype))]
        if let doc { members.append(("doc", .string(doc))) }
        if let unit { members.append(("unit", .string(unit))) }
        if let ucd { members.append(("ucd", .string(ucd))) }
        return .object(members)
    }

    @Test("the key schema lists the fixture keys as [dtype, doc, unit, ucd]")
    func fixtureSchema() async throws {
        try await withAPI { api in
            let reply = try await api.get("/consdb/flex/lsstcomcamsim/exposure/schema")
            #expect(reply.status == 200)
            #expect(exactlyEqual(try reply.json(), .literal("""
                {"bar":["int","Sample flex int type",null,null],
                 "baz":["float","Sample flex float type","m3 / (kg s2)","phys.gravity"],
                 "foo":["bool","Sample flex bool type","deg","pos.eq.ra;meta.main"],
                 "qux":["str","Sample flex string type","K","phys.temperature"]}
                """)))
            let ccd = try await api.get("/consdb/flex/lsstcomcamsim/ccdexposure/schema")
            #expect(try ccd.json().keys == Fixture.ccdFlexKeys)
            #expect(exactlyEqual(try #require(try ccd.json()["ham"]), .literal(#"["int","Sample flex int type","s","time.relax"]"#)))
        }
    }

    @Test("addkey adds keys of every dtype; instrument and obs_type are case-insensitive")
    func addKeys() async throws {
        try await withAPI { api in
            let added = try await api.post(Self.addKey, json: Self.keyBody("foo2", dtype: "bool", doc: "a bool", unit: "s", ucd: "this.is.a.valid.ucd"))
            #expect(added.status == 200, "\(added)")
            #expect(exactlyEqual(try added.json(), .literal(
                #"{"message":"Key added to flexible metadata","key":"foo2","instrument":"lsstcomcamsim","obs_type":"exposure"}"#
            )))
            let upper = try await api.post("/consdb/flex/LSSTComCamSim/exposure/addkey", json: Self.keyBody("bar2", dtype: "int"))
            #expect(upper.status == 200, "\(upper)")
            #expect(try upper.json()["instrument"] == .string("lsstcomcamsim"))
            let mixed = try await api.post("/consdb/flex/lsstcomcamsim/Exposure/addkey", json: Self.keyBody("baz2", dtype: "float", doc: "float key 2"))
            #expect(mixed.status == 200, "\(mixed)")
            #expect(try mixed.json()["obs_type"] == .string("exposure"))
            #expect(try await api.post(Self.addKey, json: Self.keyBody("qux2", dtype: "str", unit: "km/s")).status == 200)
            let ccd = try await api.post("/consdb/flex/latiss/ccdexposure/addkey", json: Self.keyBody("gain", dtype: "float", unit: "electron"))
            #expect(ccd.status == 200, "\(ccd)")

            let schema = try await api.get("/consdb/flex/lsstcomcamsim/exposure/schema").json()
            #expect(schema.keys == ["bar", "bar2", "baz", "baz2", "foo", "foo2", "qux", "qux2"])
            #expect(exactlyEqual(try #require(schema["baz2"]), .literal(#"["float","float key 2",null,null]"#)))
            #expect(exactlyEqual(try #require(schema["bar2"]), .literal(#"["int","",null,null]"#)))
            #expect(exactlyEqual(try #require(schema["foo2"]), .literal(#"["bool","a bool","s","this.is.a.valid.ucd"]"#)))
            #expect(exactlyEqual(try #require(schema["qux2"]), .literal(#"["str","","km/s",null]"#)))
            #expect(try await api.get("/consdb/flex/latiss/ccdexposure/schema").json().keys == ["gain"])
            #expect(try await api.scalar("SELECT count(*) FROM cdb_lsstcomcamsim.exposure_flexdata_schema") == "8")
        }
    }

    @Test("units astropy accepts pass", arguments: ["s", "km/s", "km s-1", "m3 / (kg s2)", "deg", "10**-3 m", "electron / pix2"])
    func validUnits(unit: String) async throws {
        try await withAPI { api in
            let reply = try await api.post(Self.addKey, json: Self.keyBody("k", unit: unit))
            #expect(reply.status == 200, "\(reply)")
            #expect(try await api.scalar("SELECT unit FROM cdb_lsstcomcamsim.exposure_flexdata_schema WHERE key = 'k'") == unit)
        }
    }

    @Test("invalid units and UCDs are 400s and add nothing")
    func invalidUnitsAndUCDs() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                for unit in ["tacos / s", "m//s", "(m", "m)", "m s-", "1/", "m**"] {
                    let reply = try await api.post(Self.addKey, json: Self.keyBody("k", unit: unit))
                    #expect(reply.status == 400, "unit \(unit): \(reply)")
                    #expect(try reply.json()["value"] == .string(unit))
                    #expect(reply.message == "'\(unit)' is not a valid unit")
                }
                for ucd in ["but this is not", "neither#is@this[one]!", "pos eq", "a,b"] {
                    let reply = try await api.post(Self.addKey, json: Self.keyBody("k", ucd: ucd))
                    #expect(reply.status == 400, "ucd \(ucd): \(reply)")
                    #expect(reply.message == "'\(ucd)' is not a valid IVOA UCD")
                }
            }
        }
    }

    @Test("valid UCDs pass", arguments: ["this.is.a.valid.ucd", "THIS-ONE.IS.TOO", "pos.eq.ra;meta.main", "phys.temperature"])
    func validUCDs(ucd: String) async throws {
        try await withAPI { api in
            let reply = try await api.post(Self.addKey, json: Self.keyBody("k", ucd: ucd))
            #expect(reply.status == 200, "\(reply)")
        }
    }

    @Test("a bad dtype is a 400 naming the valid dtypes")
    func badDtype() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                for dtype in [JSONValue.string("double"), .string("INT"), .number("1"), .null] {
                    let body = JSONValue.object([("key", .string("k")), ("dtype", dtype)])
                    let reply = try await api.post(Self.addKey, json: body)
                    #expect(reply.status == 400, "\(reply)")
                    #expect(reply.message == "Invalid dtype")
                    #expect(exactlyEqual(try #require(try reply.json()["valid"]), .strings(["bool", "int", "float", "str"])))
                }
                let missing = try await api.post(Self.addKey, #"{"key":"k"}"#)
                #expect(missing.status == 400)
                #expect(missing.message == "Field required: dtype")
            }
        }
    }

    @Test("adding an existing key is a 409 and changes nothing")
    func duplicateKey() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let reply = try await api.post(Self.addKey, json: Self.keyBody("foo", dtype: "str", doc: "replaced?"))
                #expect(reply.status == 409, "\(reply)")
                #expect(exactlyEqual(try reply.json(), .literal(#"{"message":"Key already exists","value":"foo"}"#)))
                // addkey ignores u=1: the key is not replaced either way.
                let again = try await api.post(Self.addKey + "?u=1", json: Self.keyBody("foo", dtype: "str", doc: "replaced?"))
                #expect(again.status == 409, "\(again)")
            }
            #expect(try await api.scalar("SELECT dtype FROM cdb_lsstcomcamsim.exposure_flexdata_schema WHERE key = 'foo'") == "bool")
        }
    }

    @Test("bad key names are 400s")
    func badKeyNames() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let names = ["", "1abc", "has space", "semi;colon", "quote'", "dq\"", "a/b", String(repeating: "k", count: 129), "ünï", "-dash"]
                for name in names {
                    let reply = try await api.post(Self.addKey, json: Self.keyBody(name))
                    #expect(reply.status == 400, "key \(name): \(reply)")
                    #expect(try reply.json()["value"] == .string(name))
                }
                let notString = try await api.post(Self.addKey, #"{"key": 5, "dtype": "int"}"#)
                #expect(notString.status == 400)
                #expect(notString.message == "Field key must be a string")
            }
            #expect(try await api.post(Self.addKey, json: Self.keyBody(String(repeating: "k", count: 128))).status == 200)
            #expect(try await api.post(Self.addKey, json: Self.keyBody("_a.b-c9")).status == 200)
        }
    }

    @Test("doc, unit and ucd must be strings or null")
    func optionalFieldTypes() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                for field in ["doc", "unit", "ucd"] {
                    let reply = try await api.post(Self.addKey, #"{"key":"k","dtype":"int","\#(field)":42}"#)
                    #expect(reply.status == 400, "\(reply)")
                    #expect(reply.message == "Field \(field) must be a string")
                }
            }
            let nulls = try await api.post(Self.addKey, #"{"key":"k","dtype":"int","doc":null,"unit":null,"ucd":null}"#)
            #expect(nulls.status == 200, "\(nulls)")
            #expect(exactlyEqual(try #require(try await api.get("/consdb/flex/lsstcomcamsim/exposure/schema").json()["k"]), .literal(#"["int","",null,null]"#)))
        }
    }

    @Test("unknown instruments and obs types are 404s; obs types without flex tables name the valid ones")
    func unknownTargets() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let instrument = try await api.post("/consdb/flex/nosuch/exposure/addkey", json: Self.keyBody("k"))
                #expect(instrument.status == 404)
                #expect(instrument.message == "Invalid instrument")
                #expect(try instrument.json()["value"] == .string("nosuch"))
                #expect(exactlyEqual(try #require(try instrument.json()["valid"]), .strings(["latiss", "lsstcomcamsim"])))

                let obsType = try await api.post("/consdb/flex/lsstcomcamsim/frame/addkey", json: Self.keyBody("k"))
                #expect(obsType.status == 404)
                #expect(obsType.message == "Invalid observation type")
                #expect(exactlyEqual(try #require(try obsType.json()["valid"]), .strings(["exposure", "visit1", "ccdexposure", "ccdvisit1"])))

                for type in ["visit1", "ccdvisit1"] {
                    let noFlex = try await api.post("/consdb/flex/lsstcomcamsim/\(type)/addkey", json: Self.keyBody("k"))
                    #expect(noFlex.status == 404)
                    #expect(exactlyEqual(try noFlex.json(), .literal(
                        #"{"message":"Invalid observation type","value":"\#(type)","valid":["exposure","ccdexposure"]}"#
                    )))
                    let schema = try await api.get("/consdb/flex/lsstcomcamsim/\(type)/schema")
                    #expect(schema.status == 404)
                }
            }
        }
    }
}
