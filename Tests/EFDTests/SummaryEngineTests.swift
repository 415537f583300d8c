import EFD
import Foundation
import Testing

/// The engine over a small config and hand-made buffers. Expected values are worked out by hand in the
/// comments (the functions themselves are pinned against numpy in SummaryFunctionTests).
@Suite("summarization engine")
struct SummaryEngineTests {
    static let config = """
        version: 1.0.0
        columns:
        - name: temp_mean
          tables: [exposure_efd, visit1_efd]
          function: mean
          datatype: float
          subset_field: salIndex
          subset_value: 110
          topics: [{name: lsst.sal.ESS.temperature, fields: [{name: temperatureItem0}, {name: temperatureItem1}, {name: salIndex}]}]
        - name: temp_max_1s
          tables: [exposure_efd]
          function: max
          pre_aggregate_interval: 1s
          topics: [{name: lsst.sal.ESS.temperature, fields: [{name: temperatureItem0}]}]
        - name: hexapod_u
          tables: [exposure_efd, visit1_efd]
          function: most_recent_value
          start_offset: -1
          topics: [{name: lsst.sal.MTHexapod.aos, fields: [{name: u}]}]
        - name: psd_mean
          tables: [exposure_efd_unpivoted]
          store_unpivoted: true
          function: mean
          topics: [{name: lsst.sal.MTVMS.psd, fields: [{name: psd0}, {name: psd1}]}]
        - name: nothing_stddev
          tables: [visit1_efd]
          function: stddev
          topics: [{name: lsst.sal.Missing.topic, fields: [{name: x}]}]
        """

    static func buffers(_ engine: SummaryEngine) throws -> [String: TopicBuffer] {
        var buffers = engine.makeBuffers()
        #expect(engine.topicFields["lsst.sal.ESS.temperature"] == ["temperatureItem0", "temperatureItem1", "salIndex"])
        // Temperatures at t = 100.0 ... 110.0 every 0.5 s; salIndex alternates 110 / 111.
        for step in 0...20 {
            let t = 100 + Double(step) * 0.5
            let sal: Double = step % 2 == 0 ? 110 : 111
            try buffers["lsst.sal.ESS.temperature"]!.append(time: t, values: [Double(step), Double(step) * 10, sal])
        }
        // The hexapod moved an hour before the exposure and not since.
        try buffers["lsst.sal.MTHexapod.aos"]!.append(time: 100 - 3000, values: [1.5])
        try buffers["lsst.sal.MTHexapod.aos"]!.append(time: 100 - 10, values: [2.5])
        try buffers["lsst.sal.MTVMS.psd"]!.append(time: 101, values: [1, 10])
        try buffers["lsst.sal.MTVMS.psd"]!.append(time: 102, values: [3, .nan])
        return buffers
    }

    @Test func exposureWindow() throws {
        let engine = SummaryEngine(config: try EFDConfig.parse(Self.config))
        var scratch = SampleSelection()
        let summary = engine.summarize(SampleWindow(begin: 101, end: 104), kind: .exposure, buffers: try Self.buffers(engine), scratch: &scratch)
        #expect(summary.columns.map(\.name) == ["temp_mean", "temp_max_1s", "hexapod_u"])
        // salIndex 110 samples in [101, 104]: steps 2, 4, 6, 8 (t = 101, 102, 103, 104), items (s, 10 s):
        // mean of 2, 4, 6, 8, 20, 40, 60, 80 = 220 / 8 = 27.5.
        #expect(summary.value("temp_mean") == 27.5)
        // 1 s buckets starting in [101, 104]: 101, 102, 103, 104, each over its whole second; the bucket
        // of 104 holds steps 8 and 9 (t = 104.0, 104.5): max 9.
        #expect(summary.value("temp_max_1s") == 9)
        // start_offset −1 h: the latest value at or before the end, looking back an hour: 2.5.
        #expect(summary.value("hexapod_u") == 2.5)
        // Unpivoted: one row per field; psd1's NaN is ignored.
        #expect(summary.unpivoted.map(\.property) == ["psd_mean", "psd_mean"])
        #expect(summary.unpivoted.map(\.field) == ["psd0", "psd1"])
        #expect(summary.unpivoted.map(\.value) == [2, 10])
    }

    @Test func visitWindowAndMissingData() throws {
        let engine = SummaryEngine(config: try EFDConfig.parse(Self.config))
        var scratch = SampleSelection()
        let buffers = try Self.buffers(engine)
        let summary = engine.summarize(SampleWindow(begin: 200, end: 230), kind: .visit, buffers: buffers, scratch: &scratch)
        #expect(summary.columns.map(\.name) == ["temp_mean", "hexapod_u", "nothing_stddev"])
        // No samples in the window: NULL, never a made-up value. hexapod_u looks back an hour and
        // still finds 2.5 (t = 90).
        #expect(summary.value("temp_mean") == .some(nil))
        #expect(summary.value("hexapod_u") == 2.5)
        #expect(summary.value("nothing_stddev") == .some(nil))
        #expect(summary.unpivoted.isEmpty)
        #expect(engine.longestLookBackHours == 1)
    }

    @Test func samplesOnTheWindowEdgesCount() throws {
        let engine = SummaryEngine(config: try EFDConfig.parse(Self.config))
        var scratch = SampleSelection()
        // [102, 102]: only t = 102 (step 4, salIndex 110): mean of 4 and 40 = 22.
        let summary = engine.summarize(SampleWindow(begin: 102, end: 102), kind: .exposure, buffers: try Self.buffers(engine), scratch: &scratch)
        #expect(summary.value("temp_mean") == 22)
    }
}
