@testable import API
import Testing
import TestSupport

@Suite("GET /consdb/schema...", .needsConsDBReference)
struct SchemaRouteTests {
    @Test("/consdb/schema lists the instruments")
    func instruments() async throws {
        try await withAPI { api in
            let reply = try await api.get("/consdb/schema")
            #expect(reply.status == 200)
            #expect(reply.text == #"["latiss","lsstcomcamsim"]"#)
        }
    }

    @Test("/consdb/schema/{instrument} lists tables and views, fully qualified")
    func tables() async throws {
        try await withAPI { api in
            for instrument in ["lsstcomcamsim", "LSSTComCamSim"] {
                let reply = try await api.get("/consdb/schema/\(instrument)")
                #expect(reply.status == 200)
                let names = try #require(try reply.json().arrayValue).compactMap(\.stringValue)
                #expect(names == [
                    "ccdexposure", "ccdexposure_camera", "ccdexposure_flexdata", "ccdexposure_flexdata_schema", "ccdexposure_quicklook",
                    "ccdvisit1", "ccdvisit1_quicklook", "exposure", "exposure_flexdata", "exposure_flexdata_schema", "exposure_quicklook",
                    "visit1", "visit1_quicklook",
                ].map { "cdb_lsstcomcamsim." + $0 })
            }
            let missing = try await api.get("/consdb/schema/nosuch")
            #expect(missing.status == 404)
            #expect(exactlyEqual(try missing.json(), .literal(#"{"message":"Invalid instrument","value":"nosuch","valid":["latiss","lsstcomcamsim"]}"#)))
        }
    }

    @Test("/consdb/schema/{instrument}/{table} has every column of exposure.ecsv, as [type, description]")
    func columns() async throws {
        try await withAPI { api in
            let reply = try await api.get("/consdb/schema/lsstcomcamsim/exposure")
            #expect(reply.status == 200)
            let columns = try reply.json()
            let fixture = try ReferenceFixtures.table("exposure.ecsv")
            for name in fixture.columnNames {
                #expect(columns[name] != nil, "missing \(name)")
            }
            #expect(columns.keys.count == 50)
            #expect(columns["exposure_id"]?.arrayValue?.first == .string("BIGINT"))
            #expect(columns["exposure_name"]?.arrayValue?.first == .string("VARCHAR(20)"))
            #expect(columns["day_obs"]?.arrayValue?.first == .string("INTEGER"))
            #expect(columns["s_ra"]?.arrayValue?.first == .string("DOUBLE PRECISION"))
            #expect(columns["airmass"]?.arrayValue?.first == .string("REAL"))
            #expect(columns["obs_start"]?.arrayValue?.first == .string("TIMESTAMP"))
            #expect(columns["emulated"]?.arrayValue?.first == .string("BOOLEAN"))
            #expect(columns["exposure_id"]?.arrayValue?.count == 2)
            #expect(columns["exposure_id"]?.arrayValue?.last?.stringValue?.isEmpty == false)

            // Qualified and upper-case names, and views.
            #expect(try await api.get("/consdb/schema/lsstcomcamsim/cdb_lsstcomcamsim.Exposure").json().keys == columns.keys)
            let visit = try await api.get("/consdb/schema/lsstcomcamsim/visit1")
            #expect(visit.status == 200)
            #expect(try visit.json()["visit_id"] != nil)
        }
    }

    @Test("an unknown table is a 404 naming the valid tables")
    func unknownTable() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api in
            let reply = try await api.get("/consdb/schema/lsstcomcamsim/asdf")
            #expect(reply.status == 404)
            let body = try reply.json()
            #expect(reply.message == "Invalid table")
            #expect(body["value"] == .string("cdb_lsstcomcamsim.asdf"))
            #expect(body["valid"]?.arrayValue?.count == 13)
            #expect(try await api.get("/consdb/schema/latiss/cdb_lsstcomcamsim.exposure").status == 404)
        }
    }
}
