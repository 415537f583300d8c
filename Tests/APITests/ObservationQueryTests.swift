@testable import API
import Testing

@Suite("GET /consdb/query/{instrument}/{obs_type}/obs/{obs_id}", .needsConsDBReference)
struct ObservationQueryTests {
    @Test("an exposure comes back as one flat object of typed columns")
    func exposureRow() async throws {
        try await withAPI { api in
            let reply = try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/\(Fixture.exposure003)")
            #expect(reply.status == 200, "\(reply)")
            let row = try reply.json()
            #expect(row.keys.count == 50)
            #expect(row.keys.prefix(5) == ["exposure_id", "exposure_name", "controller", "day_obs", "seq_num"])
            #expect(row["exposure_id"]?.numberText == "7024052800003")
            #expect(row["exposure_name"] == .string("CC_S_20240528_000003"))
            #expect(row["day_obs"]?.numberText == "20240528")
            #expect(row["physical_filter"] == .string("i_06"))
            #expect(row["obs_start"] == .string("2024-05-28T22:18:26.326000"))
            #expect(row["obs_end_mjd"]?.numberText == "60458.92948404902")
            #expect(row["emulated"] == .bool(false))
            #expect(row["band"] == .null)
            #expect(row["foo"] == nil)
        }
    }

    @Test("flex=1 merges the observation's flex values")
    func withFlex() async throws {
        try await withAPI { api in
            let plain = try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)").json()
            let reply = try await api.get("/consdb/query/lsstcomcamsim/Exposure/obs/\(Fixture.exposure451)?flex=1")
            #expect(reply.status == 200)
            let merged = try reply.json()
            #expect(merged.keys == plain.keys + ["bar", "baz", "foo", "qux"])
            #expect(exactlyEqual(.object(merged.dictionary.filter { ["bar", "baz", "foo", "qux"].contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
                                 .literal(#"{"bar":1234,"baz":3.14,"foo":true,"qux":"nachos"}"#)))
            #expect(try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)?flex=0").json().keys == plain.keys)
            let ccd = try await api.get("/consdb/query/lsstcomcamsim/ccdexposure/obs/\(Fixture.ccd064)?flex=true").json()
            #expect(ccd["detector"]?.numberText == "0")
            #expect(ccd["ham"]?.numberText == "1001")
            #expect(ccd["spam"] == .bool(false))
        }
    }

    @Test("visit1 and ccdvisit1 read their views")
    func views() async throws {
        try await withAPI { api in
            let visit = try await api.get("/consdb/query/lsstcomcamsim/visit1/obs/\(Fixture.exposure451)")
            #expect(visit.status == 200, "\(visit)")
            #expect(try visit.json()["visit_id"]?.numberText == "7024040300451")
            let ccdVisit = try await api.get("/consdb/query/lsstcomcamsim/ccdvisit1/obs/\(Fixture.ccd065)")
            #expect(ccdVisit.status == 200, "\(ccdVisit)")
            #expect(try ccdVisit.json()["ccdvisit_id"]?.numberText == "730865976065")
        }
    }

    @Test("unknown observations, bad ids, bad flags and unknown types")
    func errors() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api in
            let missing = try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/42")
            #expect(missing.status == 404)
            #expect(exactlyEqual(try missing.json(), .literal(#"{"message":"Observation 42 not found.","value":42}"#)))
            let bad = try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/42x")
            #expect(bad.status == 400)
            #expect(exactlyEqual(try bad.json(), .literal(#"{"message":"Path parameter obs_id must be an integer","value":"42x"}"#)))
            let overflow = try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/99999999999999999999")
            #expect(overflow.status == 400)
            let flag = try await api.get("/consdb/query/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)?flex=perhaps")
            #expect(flag.status == 400)
            let type = try await api.get("/consdb/query/lsstcomcamsim/frame/obs/1")
            #expect(type.status == 404)
            #expect(type.message == "Invalid observation type")
            #expect(try await api.get("/consdb/query/nosuch/exposure/obs/1").status == 404)
        }
    }
}
