@testable import API
import Testing

@Suite("APIMetrics: request handles made once per label set, counts kept apart")
struct RequestMetricsTests {
    @Test("repeated and concurrent requests add up in one series per route, method and status")
    func countsAddUp() async {
        let metrics = APIMetrics()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    metrics.record(route: "/consdb/schema", method: "GET", status: index % 4 == 0 ? 404 : 200, nanoseconds: 3_000_000)
                }
            }
        }
        metrics.record(route: "/consdb/schema", method: "POST", status: 200, nanoseconds: 1_000)
        var buffer: [UInt8] = []
        metrics.registry.emit(into: &buffer)
        let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
        let counters = lines.filter { $0.hasPrefix("consdb_http_requests_total{") }.sorted()
        #expect(counters == [
            #"consdb_http_requests_total{route="/consdb/schema",method="GET",status="200"} 30"#,
            #"consdb_http_requests_total{route="/consdb/schema",method="GET",status="404"} 10"#,
            #"consdb_http_requests_total{route="/consdb/schema",method="POST",status="200"} 1"#,
        ], "\(counters)")
        #expect(lines.contains(#"consdb_http_request_duration_seconds_count{route="/consdb/schema",method="GET"} 40"#), "\(lines)")
        #expect(lines.contains(#"consdb_http_request_duration_seconds_bucket{route="/consdb/schema",method="GET",le="0.002"} 0"#), "\(lines)")
        #expect(lines.contains(#"consdb_http_request_duration_seconds_bucket{route="/consdb/schema",method="GET",le="0.005"} 40"#), "\(lines)")
        #expect(lines.contains(#"consdb_http_request_duration_seconds_count{route="/consdb/schema",method="POST"} 1"#), "\(lines)")
    }
}
