@testable import API
import Postgres
import Testing

/// A new exposure row's values (day 20240601).
func exposureValues(seq: Int, band: String = "r", extra: String = "") -> String {
    let name = "CC_S_20240601_" + String(repeating: "0", count: 6 - String(seq).count) + String(seq)
    return #"{"exposure_name": "\#(name)", "controller": "S", "day_obs": 20240601, "seq_num": \#(seq), "band": "\#(band)"\#(extra)}"#
}

func exposureID(seq: Int) -> Int64 { 7_024_060_100_000 + Int64(seq) }

@Suite("insert: one row by obs_id or by seq_num, many rows in bulk", .needsConsDBReference)
struct InsertTests {
    @Test("an exposure row by obs_id; a duplicate is a 409; u=1 updates a column")
    func insertByObsID() async throws {
        try await withAPI { api in
            let uri = "/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 1))"
            let reply = try await api.post(uri, #"{"values": \#(exposureValues(seq: 1, extra: #", "s_ra": 12.5, "emulated": false, "exp_time": 30"#))}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"Data inserted","table":"cdb_lsstcomcamsim.exposure","instrument":"lsstcomcamsim","obs_id":7024060100001}"#
            )))
            let row = try #require(try await api.sql(
                "SELECT exposure_id, exposure_name, day_obs, seq_num, band, s_ra, emulated, exp_time FROM cdb_lsstcomcamsim.exposure WHERE seq_num = 1"
            ).rows.first)
            #expect(row == ["7024060100001", "CC_S_20240601_000001", "20240601", "1", "r", "12.5", "f", "30"])

            try await api.expectUnchanged {
                let duplicate = try await api.post(uri, #"{"values": \#(exposureValues(seq: 1, band: "g"))}"#)
                #expect(duplicate.status == 409, "\(duplicate)")
                #expect(duplicate.message == "Row already exists; use u=1 to update it")
            }
            let update = try await api.post(uri + "?u=1", #"{"values": {"band": "g"}}"#)
            #expect(update.status == 200, "\(update)")
            #expect(try await api.sql("SELECT band, exposure_name, s_ra FROM cdb_lsstcomcamsim.exposure WHERE seq_num = 1").rows == [["g", "CC_S_20240601_000001", "12.5"]])
            #expect(try await api.scalar("SELECT count(*) FROM cdb_lsstcomcamsim.exposure") == "3")

            // u=1 with only some columns cannot create a row: the new row needs every required column.
            try await api.expectUnchanged {
                let partial = try await api.post("/consdb/insert/lsstcomcamsim/exposure/by_seq_num/20240601/99?u=1", #"{"values": {"band": "g"}}"#)
                #expect(partial.status == 400, "\(partial)")
                #expect(exactlyEqual(try partial.json(), .literal(
                    #"{"message":"Invalid missing columns","value":"exposure_id,exposure_name,controller"}"#
                )))
            }
            // By seq_num, u=1 with some columns updates just those.
            let bySeq = try await api.post("/consdb/insert/lsstcomcamsim/exposure/by_seq_num/20240601/1?u=1", #"{"values": {"s_ra": null, "band": "i"}}"#)
            #expect(bySeq.status == 200, "\(bySeq)")
            #expect(try await api.sql("SELECT band, exposure_name, s_ra FROM cdb_lsstcomcamsim.exposure WHERE seq_num = 1").rows == [["i", "CC_S_20240601_000001", nil]])
        }
    }

    @Test("the obs_id in the URL wins over the body's id column")
    func urlIDWins() async throws {
        try await withAPI { api in
            let reply = try await api.post(
                "/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 2))",
                #"{"values": \#(exposureValues(seq: 2, extra: #", "exposure_id": 1"#))}"#
            )
            #expect(reply.status == 200, "\(reply)")
            #expect(try await api.scalar("SELECT exposure_id FROM cdb_lsstcomcamsim.exposure WHERE seq_num = 2") == "7024060100002")
        }
    }

    @Test("by_seq_num without a detector: the URL's key wins; a duplicate is a 409; u=1 updates")
    func bySeqNum() async throws {
        try await withAPI { api in
            let uri = "/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20240528/3"
            let reply = try await api.post(uri, #"{"values": {"visit_id": 7024052800003, "n_inputs": 12345, "day_obs": 1, "seq_num": 2}}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"Data inserted","table":"cdb_lsstcomcamsim.visit1_quicklook","instrument":"lsstcomcamsim","obs_id":[20240528,3]}"#
            )))
            let select: SQL = "SELECT day_obs, seq_num, n_inputs FROM cdb_lsstcomcamsim.visit1_quicklook WHERE visit_id = 7024052800003"
            #expect(try await api.sql(select).rows == [["20240528", "3", "12345"]])
            try await api.expectUnchanged { () async throws in
                #expect(try await api.post(uri, #"{"values": {"visit_id": 7024052800003, "n_inputs": 1}}"#).status == 409)
            }
            let update = try await api.post(uri + "?u=1", #"{"values": {"visit_id": 7024052800003, "n_inputs": 54321}}"#)
            #expect(update.status == 200, "\(update)")
            #expect(try await api.sql(select).rows == [["20240528", "3", "54321"]])
            // The fixture's visit row is untouched.
            #expect(try await api.scalar("SELECT n_inputs FROM cdb_lsstcomcamsim.visit1_quicklook WHERE visit_id = 7024040300451") == "9")
        }
    }

    @Test("by_seq_num with a detector; ccd-level rows by obs_id get day_obs, seq_num and detector from ccdexposure")
    func bySeqNumWithDetector() async throws {
        try await withAPI { api in
            // A new detector row: day_obs and seq_num come from the exposure named in the body.
            let ccd = try await api.post("/consdb/insert/lsstcomcamsim/ccdexposure/obs/730865976073", #"{"values": {"exposure_id": 7024040300451, "detector": 9}}"#)
            #expect(ccd.status == 200, "\(ccd)")
            #expect(try ccd.json()["table"] == .string("cdb_lsstcomcamsim.ccdexposure"))
            #expect(try await api.sql("SELECT day_obs, seq_num, detector FROM cdb_lsstcomcamsim.ccdexposure WHERE ccdexposure_id = 730865976073").rows
                == [["20240403", "451", "9"]])

            let uri = "/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook/by_seq_num/20240403/451/9"
            let reply = try await api.post(uri, #"{"values": {"ccdvisit_id": 730865976073, "n_psf_star": 7, "detector": 3}}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"Data inserted","table":"cdb_lsstcomcamsim.ccdvisit1_quicklook","instrument":"lsstcomcamsim","obs_id":[20240403,451,9]}"#
            )))
            let select: SQL = "SELECT day_obs, seq_num, detector, n_psf_star FROM cdb_lsstcomcamsim.ccdvisit1_quicklook WHERE ccdvisit_id = 730865976073"
            #expect(try await api.sql(select).rows == [["20240403", "451", "9", "7"]])

            // By obs_id with no key in the body: filled from the ccdexposure row.
            let update = try await api.post("/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook/obs/730865976073?u=1", #"{"values": {"n_psf_star": 11}}"#)
            #expect(update.status == 200, "\(update)")
            #expect(try await api.sql(select).rows == [["20240403", "451", "9", "11"]])

            #expect(try await api.post("/consdb/insert/lsstcomcamsim/ccdexposure/obs/730865976074", #"{"values": {"exposure_id": 7024040300451, "detector": 10}}"#).status == 200)
            let fresh = try await api.post("/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook/obs/730865976074", #"{"values": {"n_psf_star": 5}}"#)
            #expect(fresh.status == 200, "\(fresh)")
            #expect(try await api.sql("SELECT day_obs, seq_num, detector, n_psf_star FROM cdb_lsstcomcamsim.ccdvisit1_quicklook WHERE ccdvisit_id = 730865976074").rows
                == [["20240403", "451", "10", "5"]])

            try await api.expectUnchanged {
                let noDetector = try await api.post("/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20240528/3/1", #"{"values": {"visit_id": 7024052800003}}"#)
                #expect(noDetector.status == 400)
                #expect(noDetector.message == "Table cdb_lsstcomcamsim.visit1_quicklook has no detector column")
                let badSeq = try await api.post("/consdb/insert/lsstcomcamsim/visit1_quicklook/by_seq_num/20240528/three", #"{"values": {"visit_id": 1}}"#)
                #expect(badSeq.status == 400)
                #expect(badSeq.message == "Path parameter seq_num must be an integer")
            }
        }
    }

    @Test("bulk: several rows in one statement; the table is echoed as given; u=1 updates them")
    func bulk() async throws {
        try await withAPI { api in
            let body = """
                {"obs_dict": {"\(exposureID(seq: 12))": \(exposureValues(seq: 12)), "\(exposureID(seq: 11))": \(exposureValues(seq: 11)),
                              "\(exposureID(seq: 13))": \(exposureValues(seq: 13, extra: #", "obs_start": "2024-06-01T01:02:03.25""#))}}
                """
            let reply = try await api.post("/consdb/insert/lsstcomcamsim/Exposure", body)
            #expect(reply.status == 200, "\(reply)")
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"Data inserted","table":"Exposure","instrument":"lsstcomcamsim","obs_id":[7024060100012,7024060100011,7024060100013]}"#
            )))
            #expect(try await api.sql("SELECT exposure_id, seq_num, band, obs_start FROM cdb_lsstcomcamsim.exposure WHERE day_obs = 20240601 ORDER BY seq_num").rows == [
                ["7024060100011", "11", "r", nil], ["7024060100012", "12", "r", nil], ["7024060100013", "13", "r", "2024-06-01 01:02:03.25"],
            ])
            try await api.expectUnchanged {
                let again = try await api.post("/consdb/insert/lsstcomcamsim/exposure", body)
                #expect(again.status == 409, "\(again)")
            }
            let update = try await api.post("/consdb/insert/lsstcomcamsim/exposure?u=1", """
                {"obs_dict": {"\(exposureID(seq: 11))": {"band": "z"}, "\(exposureID(seq: 12))": {"band": "y"}}}
                """)
            #expect(update.status == 200, "\(update)")
            #expect(try await api.sql("SELECT seq_num, band, exposure_name FROM cdb_lsstcomcamsim.exposure WHERE day_obs = 20240601 ORDER BY seq_num").rows == [
                ["11", "z", "CC_S_20240601_000011"], ["12", "y", "CC_S_20240601_000012"], ["13", "r", "CC_S_20240601_000013"],
            ])
        }
    }

    @Test("bulk is all or nothing: one bad row writes nothing")
    func bulkAllOrNothing() async throws {
        try await withAPI { api in
            try await api.expectUnchanged {
                // A type error in the last row.
                let typeError = try await api.post("/consdb/insert/lsstcomcamsim/exposure", """
                    {"obs_dict": {"\(exposureID(seq: 1))": \(exposureValues(seq: 1)), "\(exposureID(seq: 2))": \(exposureValues(seq: 2, extra: #", "s_ra": "north""#))}}
                    """)
                #expect(typeError.status == 400, "\(typeError)")
                #expect(typeError.message == "Wrong type for column s_ra")
                // A row that collides with an existing exposure (same day_obs and seq_num).
                let conflict = try await api.post("/consdb/insert/lsstcomcamsim/exposure", """
                    {"obs_dict": {"\(exposureID(seq: 1))": \(exposureValues(seq: 1)),
                                  "7024052800003": {"exposure_name": "x", "controller": "S", "day_obs": 20240528, "seq_num": 3}}}
                    """)
                #expect(conflict.status == 409, "\(conflict)")
                // A row the database rejects (a value too long for varchar(20)).
                let tooLong = try await api.post("/consdb/insert/lsstcomcamsim/exposure", """
                    {"obs_dict": {"\(exposureID(seq: 1))": \(exposureValues(seq: 1)),
                                  "\(exposureID(seq: 2))": {"exposure_name": "\(String(repeating: "n", count: 21))", "controller": "S", "day_obs": 20240601, "seq_num": 2}}}
                    """)
                #expect(tooLong.status == 400, "\(tooLong)")
                #expect(tooLong.message == "Value too long for column exposure_name (character varying(20))")
                // A missing parent for one row of a ccd-level table.
                let orphan = try await api.post("/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook?u=1", """
                    {"obs_dict": {"730865976064": {"n_psf_star": 1}, "99": {"n_psf_star": 2}}}
                    """)
                #expect(orphan.status == 404, "\(orphan)")
                #expect(exactlyEqual(try orphan.json(), .literal(#"{"message":"Invalid ccdexposure_id","value":99}"#)))
                // With u=1 the rows must name the same columns.
                let ragged = try await api.post("/consdb/insert/lsstcomcamsim/ccdvisit1_quicklook?u=1", """
                    {"obs_dict": {"730865976064": {"n_psf_star": 1}, "730865976065": {"n_psf_star": 2, "psf_sigma": 1.5}}}
                    """)
                #expect(ragged.status == 400, "\(ragged)")
            }
        }
    }

    @Test("bulk bodies: empty, non-integer ids, too many rows")
    func bulkBodies() async throws {
        var setup = APISetup()
        setup.configuration.maxBulkRows = 2
        try await withAPI(setup) { api in
            try await api.expectUnchanged {
                let empty = try await api.post("/consdb/insert/lsstcomcamsim/exposure", #"{"obs_dict": {}}"#)
                #expect(empty.status == 400)
                #expect(empty.message == "obs_dict is empty")
                let badID = try await api.post("/consdb/insert/lsstcomcamsim/exposure", #"{"obs_dict": {"seven": {"band": "r"}}}"#)
                #expect(badID.status == 400)
                #expect(exactlyEqual(try badID.json(), .literal(#"{"message":"obs_dict keys must be integer observation ids","value":"seven"}"#)))
                let notObject = try await api.post("/consdb/insert/lsstcomcamsim/exposure", #"{"obs_dict": {"1": [1]}}"#)
                #expect(notObject.status == 400)
                let missing = try await api.post("/consdb/insert/lsstcomcamsim/exposure", #"{"values": {}}"#)
                #expect(missing.status == 400)
                #expect(missing.message == "Field required: obs_dict")
                let tooMany = try await api.post("/consdb/insert/lsstcomcamsim/exposure", """
                    {"obs_dict": {"1": \(exposureValues(seq: 1)), "2": \(exposureValues(seq: 2)), "3": \(exposureValues(seq: 3))}}
                    """)
                #expect(tooMany.status == 400)
                #expect(tooMany.message == "Too many rows in one bulk insert")
            }
        }
    }

    @Test("latiss: insert by obs_id, by seq_num, and a ccdexposure whose parent comes from the body")
    func latiss() async throws {
        try await withAPI { api in
            let exposure = try await api.post("/consdb/insert/latiss/exposure/obs/2024032100003", """
                {"values": {"exposure_name": "AT_O_20240321_000003", "controller": "O", "day_obs": 20240321, "seq_num": 3}}
                """)
            #expect(exactlyEqual(try exposure.json(), .literal(
                #"{"message":"Data inserted","table":"cdb_latiss.exposure","instrument":"latiss","obs_id":2024032100003}"#
            )))
            let ccd = try await api.post("/consdb/insert/latiss/ccdexposure/obs/8675309", #"{"values": {"exposure_id": 2024032100003, "detector": 0}}"#)
            #expect(exactlyEqual(try ccd.json(), .literal(
                #"{"message":"Data inserted","table":"cdb_latiss.ccdexposure","instrument":"latiss","obs_id":8675309}"#
            )))
            let rows = try await api.query("SELECT exposure_id, exposure_name FROM cdb_latiss.exposure ORDER BY day_obs")
            #expect(exactlyEqual(rows, .literal(#"{"columns":["exposure_id","exposure_name"],"data":[[2024032100003,"AT_O_20240321_000003"]]}"#)))
        }
    }
}
