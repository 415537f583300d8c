@testable import API
import Postgres
import Testing

/// The routes run prepared statements; these pin that they keep answering across what invalidates them.
/// One pooled connection, so every request meets the statements the previous ones prepared.
@Suite("prepared statements behind the routes")
struct PreparedStatementRouteTests {
    static let oneConnection = APISetup(maxConnections: 1)
    static let observation = "/consdb/query/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)?flex=1"
    static let flexValues = "/consdb/flex/lsstcomcamsim/exposure/obs/\(Fixture.exposure451)"

    @Test("a column added by a schema upgrade shows up in the next answer (SELECT * prepared before)")
    func schemaUpgrade() async throws {
        try await withAPI(Self.oneConnection) { api in
            let before = try await api.get(Self.observation)
            #expect(before.status == 200, "\(before)")
            #expect(try before.json()["upgrade_note"] == nil)
            _ = try await api.sql("ALTER TABLE cdb_lsstcomcamsim.exposure ADD COLUMN upgrade_note text DEFAULT 'new'")
            let after = try await api.get(Self.observation)
            #expect(after.status == 200, "\(after)")
            #expect(try after.json()["upgrade_note"] == .string("new"))
            #expect(try after.json()["bar"]?.numberText == "1234")
            // The flex tables changed too: the flex routes still answer.
            _ = try await api.sql("ALTER TABLE cdb_lsstcomcamsim.exposure_flexdata_schema ADD COLUMN upgrade_note text")
            #expect(try await api.get(Self.flexValues + "?k=bar").text == #"{"bar":1234}"#)
            #expect(try await api.post(Self.flexValues + "?u=1", #"{"values": {"bar": 99}}"#).status == 200)
            #expect(try await api.get(Self.flexValues + "?k=bar").text == #"{"bar":99}"#)
        }
    }

    @Test("the DISCARD ALL after a /query leaves the next requests on that connection working")
    func discardAllAfterQuery() async throws {
        try await withAPI(Self.oneConnection) { api in
            for _ in 0..<2 {
                #expect(try await api.get(Self.flexValues).text == #"{"bar":1234,"baz":3.14,"foo":true,"qux":"nachos"}"#)
                #expect(try await api.post(Self.flexValues + "?u=1", #"{"values": {"qux": "tacos"}}"#).status == 200)
                #expect(try await api.get(Self.observation).status == 200)
                _ = try await api.query("SELECT 1 AS one")
                #expect(try await api.post(Self.flexValues + "?u=1", #"{"values": {"qux": "nachos"}}"#).status == 200)
            }
            // Both the flex values and the query show the last write.
            #expect(try await api.get(Self.observation).json()["qux"] == .string("nachos"))
        }
    }
}
