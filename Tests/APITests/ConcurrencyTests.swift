@testable import API
import Testing

@Suite("concurrent requests", .needsConsDBReference)
struct ConcurrencyTests {
    @Test("200 concurrent inserts, upserts and reads on a pool of 5: every row once, no 5xx")
    func mixedLoad() async throws {
        var setup = APISetup()
        setup.maxConnections = 5
        try await withAPI(setup) { api in
            let statuses = try await withThrowingTaskGroup(of: (String, Int).self, returning: [(String, Int)].self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let reply: Reply
                        switch index % 5 {
                        case 0:
                            // Bulk: two distinct exposures of day 20240701.
                            let first = index / 5 * 2 + 1, second = first + 1
                            reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure", """
                                {"obs_dict": {"\(7_024_070_100_000 + first)": {"exposure_name": "b\(first)", "controller": "S", "day_obs": 20240701, "seq_num": \(first)},
                                              "\(7_024_070_100_000 + second)": {"exposure_name": "b\(second)", "controller": "S", "day_obs": 20240701, "seq_num": \(second)}}}
                                """)
                        case 1:
                            let seq = index / 5 + 1
                            reply = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(7_024_070_200_000 + seq)", """
                                {"values": {"exposure_name": "o\(seq)", "controller": "S", "day_obs": 20240702, "seq_num": \(seq)}}
                                """)
                        case 2:
                            reply = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003?u=1", #"{"values": {"bar": \#(index), "qux": "v\#(index)"}}"#)
                        case 3:
                            reply = try await api.post("/consdb/query", #"{"query": "SELECT count(*) FROM cdb_lsstcomcamsim.exposure"}"#)
                        default:
                            reply = try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024040300451")
                            #expect(reply.text == #"{"bar":1234,"baz":3.14,"foo":true,"qux":"nachos"}"#)
                        }
                        return ("request \(index): \(reply)", reply.status)
                    }
                }
                var all: [(String, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.count == 200)
            let failures = statuses.filter { $0.1 != 200 }.map(\.0)
            #expect(failures.isEmpty, "\(failures)")

            let counts = try await api.sql("""
                SELECT day_obs, count(*), count(DISTINCT seq_num), count(DISTINCT exposure_id), min(seq_num), max(seq_num)
                FROM cdb_lsstcomcamsim.exposure WHERE day_obs IN (20240701, 20240702) GROUP BY day_obs ORDER BY day_obs
                """).rows
            #expect(counts == [["20240701", "80", "80", "80", "1", "80"], ["20240702", "40", "40", "40", "1", "40"]])
            // Names match their ids: no row got another's values.
            #expect(try await api.scalar("""
                SELECT count(*) FROM cdb_lsstcomcamsim.exposure
                WHERE day_obs = 20240701 AND exposure_name <> 'b' || seq_num OR day_obs = 20240702 AND exposure_name <> 'o' || seq_num
                """) == "0")
            // The upserted key holds one of the posted values, consistently with its partner key.
            let flex = try await api.get("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003").json()
            let bar = try #require(flex["bar"]?.numberText.flatMap { Int($0) })
            #expect(bar % 5 == 2)
            #expect(flex["qux"] == .string("v\(bar)"))
            #expect(flex.keys == ["bar", "baz", "foo", "qux"])
            #expect(try await api.scalar("SELECT count(*) FROM cdb_lsstcomcamsim.exposure_flexdata") == "8")
            // The pool stayed within its bound and has nothing left in use.
            let metrics = try await api.get("/metrics").text
            #expect(metrics.contains("\nconsdb_db_pool_connections_in_use 0"), "\(metrics)")
            #expect(metrics.contains("\nconsdb_db_pool_waiters 0"))
            let open = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("consdb_db_pool_connections_open ") })
            let openCount = try #require(Double(open.split(separator: " ")[1]))
            #expect(openCount >= 1 && openCount <= 5, "\(open)")
        }
    }
}
