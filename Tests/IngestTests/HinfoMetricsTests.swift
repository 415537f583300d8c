@testable import Ingest
import Testing

@Suite("HinfoMetrics: rejection counters by stage, made on the first rejection")
struct HinfoMetricsTests {
    @Test("each stage counts its own rejections; a stage that rejected nothing is not listed")
    func rejectionsByStage() async {
        let metrics = HinfoMetrics(instrument: .latiss)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<30 {
                group.addTask { metrics.rejected(reason: index % 3 == 0 ? "fetch" : "map") }
            }
        }
        let rejected = metrics.exposition().split(separator: "\n").filter { $0.hasPrefix("consdb_hinfo_rejected_total{") }.sorted()
        #expect(rejected == [
            #"consdb_hinfo_rejected_total{instrument="LATISS",stage="fetch"} 10"#,
            #"consdb_hinfo_rejected_total{instrument="LATISS",stage="map"} 20"#,
        ], "\(rejected)")
    }
}
