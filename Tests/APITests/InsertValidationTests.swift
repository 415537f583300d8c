@testable import API
import JSON
import Postgres
import Testing

@Suite("insert: rejected requests change nothing", .needsConsDBReference)
struct InsertValidationTests {
    /// A table with one column of each type the insert endpoints convert, beside the Felis tables.
    static func createProbeTable(_ connection: Connection) async throws {
        try await connection.execute("""
            CREATE TABLE cdb_lsstcomcamsim.type_probe (
                day_obs integer NOT NULL, seq_num integer NOT NULL, small smallint, big bigint, flag boolean,
                medium integer, single real, ratio numeric, label varchar(4), note text, taken timestamp(6), meta jsonb, day date,
                mandatory text NOT NULL DEFAULT 'd',
                PRIMARY KEY (day_obs, seq_num))
            """)
    }

    static let probe = "/consdb/insert/lsstcomcamsim/type_probe/by_seq_num/20240601/"

    static func probeValue(_ api: APIHarness, column: String, seq: Int) async throws -> String? {
        try await api.scalar("SELECT \(identifier: column)::text FROM cdb_lsstcomcamsim.type_probe WHERE seq_num = \(seq)")
    }

    @Test("values that fit their column are stored", arguments: [
        ("small", "32767", "32767"), ("small", "-32768", "-32768"), ("big", "9223372036854775807", "9223372036854775807"),
        ("flag", "true", "true"), ("single", "1.5", "1.5"), ("single", "2", "2"), ("single", #""NaN""#, "NaN"),
        ("ratio", "1.000000000000000000001", "1.000000000000000000001"), ("label", #""abcd""#, "abcd"),
        ("note", #""it's \"quoted\"; DROP TABLE x; --""#, #"it's "quoted"; DROP TABLE x; --"#),
        ("taken", #""2024-08-01T17:20:53.970""#, "2024-08-01 17:20:53.97"), ("meta", #"{"a": [1, null]}"#, #"{"a": [1, null]}"#),
        ("day", #""2024-08-01""#, "2024-08-01"), ("note", "null", nil),
    ])
    func accepted(column: String, json: String, stored: String?) async throws {
        try await withAPI(prepare: Self.createProbeTable) { api in
            let reply = try await api.post(Self.probe + "1", #"{"values": {"\#(column)": \#(json)}}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(try await Self.probeValue(api, column: column, seq: 1) == stored)
        }
    }

    @Test("values that do not fit their column are 400s naming the column", arguments: [
        ("small", "32768", "Value out of range for column small (smallint)"),
        ("small", "-32769", "Value out of range for column small (smallint)"),
        ("medium", "2147483648", "Value out of range for column medium (integer)"),
        ("big", "9223372036854775808", "Wrong type for column big"),
        ("small", #""12""#, "Wrong type for column small"), ("small", "1.5", "Wrong type for column small"),
        ("small", "1e2", "Wrong type for column small"), ("small", "true", "Wrong type for column small"),
        ("flag", "1", "Wrong type for column flag"), ("flag", #""true""#, "Wrong type for column flag"),
        ("single", "true", "Wrong type for column single"), ("single", #""1.5""#, "Wrong type for column single"),
        ("single", "1e40", "Rejected by the database"), ("label", "5", "Wrong type for column label"),
        ("label", #""abcde""#, "Value too long for column label (character varying(4))"), ("note", "[1]", "Wrong type for column note"),
        ("day", #""2024-02-30""#, "Rejected by the database"), ("mandatory", "null", "Column mandatory cannot be null"),
    ])
    func rejected(column: String, json: String, message: String) async throws {
        try await withAPI(prepare: Self.createProbeTable) { api in
            try await api.expectUnchanged {
                let reply = try await api.post(Self.probe + "2", #"{"values": {"\#(column)": \#(json)}}"#)
                #expect(reply.status == 400, "\(reply)")
                #expect(reply.message == message, "\(reply)")
            }
        }
    }

    @Test("wrong types for exposure columns are 400s", arguments: [
        ("day_obs", #""x""#), ("seq_num", "1.5"), ("cur_index", "2147483648"), ("s_ra", "true"),
        ("band", "5"), ("emulated", #""yes""#), ("exposure_name", "null"), ("airmass", "[1.2]"),
    ])
    func exposureTypes(column: String, json: String) async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                // Replace the column's value in the row (later members would be duplicates).
                var members = try JSONValue.parse(exposureValues(seq: 5)).dictionary
                members[column] = JSONValue.literal(json)
                let row = JSONValue.object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                let reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 5))", json: .object([("values", row)]))
                #expect(reply.status == 400, "\(reply)")
                #expect(reply.message?.contains(column) == true, "\(reply)")
            }
        }
    }

    @Test("TAI timestamps are stored exactly and read back in ISO form")
    func timestamps() async throws {
        try await withAPI { api in
            let extra = #", "obs_start": "2024-05-28T22:18:26.326", "obs_end": "2024-05-28 22:18:27", "exp_midpt": "2024-05-28T22:18:26.874123""#
            let reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 7))", #"{"values": \#(exposureValues(seq: 7, extra: extra))}"#)
            #expect(reply.status == 200, "\(reply)")
            let result = try await api.query("SELECT obs_start, obs_end, exp_midpt FROM cdb_lsstcomcamsim.exposure WHERE seq_num = 7")
            #expect(exactlyEqual(result, .literal(
                #"{"columns":["obs_start","obs_end","exp_midpt"],"data":[["2024-05-28T22:18:26.326000","2024-05-28T22:18:27","2024-05-28T22:18:26.874123"]]}"#
            )))
            // The fixture's timestamps too.
            let fixture = try await api.query("SELECT obs_start FROM cdb_lsstcomcamsim.exposure WHERE exposure_id = 7024052800003")
            #expect(fixture.rows == [[.string("2024-05-28T22:18:26.326000")]])
        }
    }

    @Test("invalid timestamps are 400s", arguments: [
        "2024-13-01T00:00:00", "yesterday", "2024-08-01T17:20:53Z", "2024-08-01T17:20:53+00:00", "2024-08-01",
        "2024-08-01T25:00:00", "2024-08-01T17:20:53.", "2024-08-01T17:20:53.12a", "", "2024-02-30T00:00:00",
    ])
    func invalidTimestamps(text: String) async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let extra = #", "obs_start": "\#(text)""#
                let reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 8))", #"{"values": \#(exposureValues(seq: 8, extra: extra))}"#)
                #expect(reply.status == 400, "\(reply)")
                if text == "2024-02-30T00:00:00" {
                    // Well-formed, but not a date: PostgreSQL refuses it.
                    #expect(reply.message == "Rejected by the database", "\(reply)")
                } else {
                    #expect(try reply.json()["value"] == .string(text), "\(reply)")
                    #expect(reply.message?.hasPrefix("Column obs_start takes an ISO-8601 TAI timestamp") == true, "\(reply)")
                }
            }
        }
    }

    @Test("a number for a timestamp column is a 400")
    func numericTimestamp() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 8))", #"{"values": \#(exposureValues(seq: 8, extra: #", "obs_start": 60458.9"#))}"#)
                #expect(reply.status == 400)
                #expect(reply.message == "Column obs_start takes an ISO-8601 TAI timestamp without time zone, e.g. 2024-08-01T17:20:53.970")
            }
        }
    }

    @Test("missing required columns are a 400 without u=1")
    func missingColumns() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 9))", #"{"values": {"day_obs": 20240601, "seq_num": 9}}"#)
                #expect(reply.status == 400)
                #expect(exactlyEqual(try reply.json(), .literal(
                    #"{"message":"Invalid missing columns","value":"exposure_name,controller"}"#
                )))
            }
        }
    }

    @Test("unknown columns are a 400 naming them and the valid columns")
    func extraColumns() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let values = exposureValues(seq: 9, extra: #", "nosuch": 1, "Band": "r""#)
                let reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 9))?u=1", #"{"values": \#(values)}"#)
                #expect(reply.status == 400)
                let body = try reply.json()
                #expect(reply.message == "Invalid extra columns")
                #expect(body["value"] == .string("nosuch,Band"))
                let valid = try #require(body["valid"]?.arrayValue).compactMap(\.stringValue)
                #expect(valid.count == 50)
                #expect(valid.prefix(5) == ["exposure_id", "exposure_name", "controller", "day_obs", "seq_num"])
            }
        }
    }

    @Test("unknown instruments and tables are 404s; the table error lists the tables with day_obs")
    func unknownTargets() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let instrument = try await api.post("/consdb/insert/nosuch/exposure/obs/1", #"{"values": {}}"#)
                #expect(instrument.status == 404)
                #expect(instrument.message == "Invalid instrument")
                let bulkInstrument = try await api.post("/consdb/insert/nosuch/exposure", #"{"obs_dict": {}}"#)
                #expect(bulkInstrument.status == 404)

                let table = try await api.post("/consdb/insert/lsstcomcamsim/nosuch/obs/1", #"{"values": {"day_obs": 1}}"#)
                #expect(table.status == 404)
                #expect(exactlyEqual(try table.json(), .literal("""
                    {"message":"Invalid table","value":"cdb_lsstcomcamsim.nosuch","valid":[
                    "cdb_lsstcomcamsim.ccdexposure","cdb_lsstcomcamsim.ccdexposure_camera","cdb_lsstcomcamsim.ccdexposure_flexdata",
                    "cdb_lsstcomcamsim.ccdexposure_quicklook","cdb_lsstcomcamsim.ccdvisit1","cdb_lsstcomcamsim.ccdvisit1_quicklook",
                    "cdb_lsstcomcamsim.exposure","cdb_lsstcomcamsim.exposure_flexdata","cdb_lsstcomcamsim.exposure_quicklook",
                    "cdb_lsstcomcamsim.visit1","cdb_lsstcomcamsim.visit1_quicklook"]}
                    """)))
                // Tables without day_obs are not insert targets.
                let noDayObs = try await api.post("/consdb/insert/lsstcomcamsim/exposure_flexdata_schema", #"{"obs_dict": {"1": {}}}"#)
                #expect(noDayObs.status == 404)
                #expect(try noDayObs.json()["value"] == .string("cdb_lsstcomcamsim.exposure_flexdata_schema"))
                // Another instrument's schema cannot be reached through a qualified name.
                let other = try await api.post("/consdb/insert/lsstcomcamsim/cdb_latiss.exposure/obs/1", #"{"values": {}}"#)
                #expect(other.status == 404)
            }
        }
    }

    @Test("a missing parent row for the obs_id back-fill is a 404")
    func missingParent() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                let visit = try await api.post("/consdb/insert/lsstcomcamsim/visit1_quicklook/obs/999", #"{"values": {"n_inputs": 1}}"#)
                #expect(visit.status == 404)
                #expect(exactlyEqual(try visit.json(), .literal(#"{"message":"Invalid exposure_id","value":999}"#)))
                let ccd = try await api.post("/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook/obs/999", #"{"values": {"n_psf_star": 1}}"#)
                #expect(ccd.status == 404)
                #expect(exactlyEqual(try ccd.json(), .literal(#"{"message":"Invalid ccdexposure_id","value":999}"#)))
                let ccdByExposure = try await api.post("/consdb/insert/lsstcomcamsim/ccdexposure/obs/5", #"{"values": {"exposure_id": 77, "detector": 0}}"#)
                #expect(ccdByExposure.status == 404)
                #expect(exactlyEqual(try ccdByExposure.json(), .literal(#"{"message":"Invalid exposure_id","value":77}"#)))
            }
        }
    }

    @Test("a foreign key the database enforces is a 400, not a 500")
    func foreignKey() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                // day_obs/seq_num given, so no back-fill; no such exposure exists.
                let reply = try await api.post("/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20990101/1", #"{"values": {"visit_id": 1}}"#)
                #expect(reply.status == 400, "\(reply)")
                #expect(reply.message == "Rejected by the database")
            }
        }
    }
}
