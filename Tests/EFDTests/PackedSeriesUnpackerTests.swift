// Packed rows unpacked as they arrive (stream and batch), and the engine reading the unpacked buffer.
// Times are multiples of 1/4 so that every t + i·dt is exact and the expectations use ==.

import EFD
import Testing

private let width = PackedSeries.maximumElements

/// One packed row as a reader returns it: `count` elements per base (base b, element i = 100·b + 10·row + i),
/// NaN after them up to `maximumElements`.
private func row(_ index: Int, bases: Int = 1, count: Int = 4) -> [Double] {
    var elements = Array(repeating: Double.nan, count: bases * width)
    for b in 0..<bases {
        for i in 0..<count { elements[b * width + i] = Double(100 * b + 10 * index + i) }
    }
    return elements
}

@Suite("packed series unpacker")
struct PackedSeriesUnpackerTests {
    @Test func aRowWaitsForTheNextOneAndSpreadsOverTheGap() throws {
        var unpacker = PackedSeriesUnpacker(bases: ["a", "b"])
        var buffer = TopicBuffer(fields: ["a", "b"])
        try unpacker.add(rowTime: 100, elements: row(0, bases: 2)[...], into: &buffer)
        #expect(buffer.isEmpty)  // held until its spacing is known
        try unpacker.add(rowTime: 101, elements: row(1, bases: 2)[...], into: &buffer)
        // dt = (101 − 100) / 4 = 0.25.
        #expect(buffer.times == [100, 100.25, 100.5, 100.75])
        #expect(buffer.values(field: 0) == [0, 1, 2, 3])
        #expect(buffer.values(field: 1) == [100, 101, 102, 103])
        // A gap of 2 s (a message lost): that row's samples spread over it, dt = 0.5.
        try unpacker.add(rowTime: 103, elements: row(2, bases: 2)[...], into: &buffer)
        #expect(buffer.times.suffix(4) == [101, 101.5, 102, 102.5])
        // The last row reuses the previous dt when flushed.
        try unpacker.flush(into: &buffer)
        #expect(buffer.times.suffix(4) == [103, 103.5, 104, 104.5])
        #expect(buffer.values(field: 0).suffix(4) == [20, 21, 22, 23])
        #expect(unpacker.elementCount == 4)
    }

    @Test func theLongestRowSetsTheCountAndTrailingNaNsDoNotShortenIt() throws {
        var unpacker = PackedSeriesUnpacker(bases: ["a"])
        var buffer = TopicBuffer(fields: ["a"])
        try unpacker.add(rowTime: 10, elements: row(0)[...], into: &buffer)
        var short = row(1)
        short[3] = .nan  // a genuine NaN as the last element
        try unpacker.add(rowTime: 11, elements: short[...], into: &buffer)
        try unpacker.add(rowTime: 12, elements: row(2)[...], into: &buffer)
        #expect(unpacker.elementCount == 4)
        // Row 1 still spans 4 samples of 0.25 s, its last one NaN.
        #expect(buffer.times == [10, 10.25, 10.5, 10.75, 11, 11.25, 11.5, 11.75])
        #expect(buffer.values(field: 0).suffix(4).dropLast() == [10, 11, 12])
        #expect(buffer.values(field: 0).last!.isNaN)
    }

    @Test func aLateRowIsWrittenAtOnceWithTheLastSpacing() throws {
        var unpacker = PackedSeriesUnpacker(bases: ["a"])
        var buffer = TopicBuffer(fields: ["a"])
        try unpacker.add(rowTime: 20, elements: row(0)[...], into: &buffer)
        try unpacker.add(rowTime: 21, elements: row(1)[...], into: &buffer)
        // Older than the held row (21): in place, dt 0.25.
        try unpacker.add(rowTime: 19, elements: row(9)[...], into: &buffer)
        #expect(buffer.times == [19, 19.25, 19.5, 19.75, 20, 20.25, 20.5, 20.75])
        #expect(buffer.values(field: 0).prefix(4) == [90, 91, 92, 93])
    }

    @Test func badRowsChangeNothing() throws {
        var unpacker = PackedSeriesUnpacker(bases: ["a"])
        var buffer = TopicBuffer(fields: ["a"])
        #expect(throws: TopicBufferError.nonFiniteTime(.infinity)) {
            try unpacker.add(rowTime: .infinity, elements: row(0)[...], into: &buffer)
        }
        #expect(throws: TopicBufferError.fieldCountMismatch(expected: width, got: 3)) {
            try unpacker.add(rowTime: 1, elements: [1, 2, 3][...], into: &buffer)
        }
        try unpacker.flush(into: &buffer)
        #expect(buffer.isEmpty)
        #expect(unpacker.elementCount == 0)
    }

    @Test func resetForgetsTheHeldRow() throws {
        var unpacker = PackedSeriesUnpacker(bases: ["a"])
        var buffer = TopicBuffer(fields: ["a"])
        try unpacker.add(rowTime: 5, elements: row(0)[...], into: &buffer)
        unpacker.reset()
        try unpacker.flush(into: &buffer)
        #expect(buffer.isEmpty)
    }
}

@Suite("topic intake")
struct TopicIntakeTests {
    static let config = """
        version: 1.0.0
        columns:
        - name: jitter_mean
          tables: [exposure_efd]
          function: mean
          packed_series: true
          topics: [{name: lsst.sal.ATMCS.mount_AzEl_Encoders, fields: [{name: azimuthCalculatedAngle}]}]
        - name: trajectory_max
          tables: [exposure_efd]
          function: max
          topics: [{name: lsst.sal.ATMCS.mount_AzEl_Encoders, fields: [{name: cRIO_timestamp}, {name: azimuthCalculatedAngle2}]}]
        """

    @Test func packedTopicsReadTheirElementsOnceAndTheEngineSummarizesTheUnpackedSamples() throws {
        let engine = SummaryEngine(config: try EFDConfig.parse(Self.config))
        let topic = "lsst.sal.ATMCS.mount_AzEl_Encoders"
        #expect(engine.packedFields == [topic: ["azimuthCalculatedAngle"]])
        #expect(engine.topicFields == [topic: ["cRIO_timestamp", "azimuthCalculatedAngle2"]])
        // TAI → UTC here is a fixed 37 s, so the test can be worked out by hand.
        var intake = TopicIntake(engine: engine, rowTimeToUTC: { $0 - 37 })
        let columns = try #require(intake.columns(topic))
        // Plain fields first; the packed part reuses them (cRIO_timestamp and element 2 are read once).
        #expect(columns.count == 2 + width - 1)
        #expect(columns.prefix(3) == ["cRIO_timestamp", "azimuthCalculatedAngle2", "azimuthCalculatedAngle0"])
        #expect(Set(columns).count == columns.count)
        #expect(intake.isPacked(topic))

        func message(_ r: Int) -> [Double] {
            var values = Array(repeating: Double.nan, count: columns.count)
            for (position, name) in columns.enumerated() {
                if name == "cRIO_timestamp" { values[position] = 1037 + Double(r) }  // TAI; UTC 1000 + r
                if name.hasPrefix("azimuthCalculatedAngle"), let i = Int(name.dropFirst("azimuthCalculatedAngle".count)), i < 4 {
                    values[position] = Double(10 * r + i)
                }
            }
            return values
        }
        var buffers = engine.makeBuffers()
        for r in 0..<3 {
            let taken = try intake.append(topic: topic, time: 1000.5 + Double(r), row: message(r), into: &buffers)
            #expect(taken == 2 + 4)
        }
        let unpacked = try #require(buffers[PackedSeries.bufferName(topic: topic)])
        // Rows 0 and 1 written (row 2 held): 8 samples 0.25 s apart from UTC 1000.
        #expect(unpacked.times == [1000, 1000.25, 1000.5, 1000.75, 1001, 1001.25, 1001.5, 1001.75])
        #expect(buffers[topic]!.count == 3)
        intake.flush(into: &buffers)
        #expect(buffers[PackedSeries.bufferName(topic: topic)]!.count == 12)

        var scratch = SampleSelection()
        let summary = engine.summarize(SampleWindow(begin: 1000.5, end: 1001.5), kind: .exposure, buffers: buffers, scratch: &scratch)
        // Unpacked samples in [1000.5, 1001.5]: 2, 3, 10, 11, 12 → mean 38/5.
        #expect(summary.value("jitter_mean") == 7.6)
        // The plain column pools both its fields over the rows stamped 1000.5 and 1001.5: cRIO_timestamp
        // 1037, 1038 and element 2 → 2, 12; the max is 1038.
        #expect(summary.value("trajectory_max") == 1038)
    }

    @Test func aPackedRowWithoutItsTimestampIsRefusedWhole() throws {
        let engine = SummaryEngine(config: try EFDConfig.parse(Self.config))
        let topic = "lsst.sal.ATMCS.mount_AzEl_Encoders"
        var intake = TopicIntake(engine: engine, rowTimeToUTC: { $0 })
        var buffers = engine.makeBuffers()
        let columns = try #require(intake.columns(topic))
        let error = #expect(throws: IntakeError.self) {
            try intake.append(topic: topic, time: 1, row: Array(repeating: .nan, count: columns.count), into: &buffers)
        }
        guard case .noPackedTime(let time)? = error else {
            Issue.record("expected noPackedTime, got \(String(describing: error))")
            return
        }
        #expect(time.isNaN)
        #expect(buffers[topic]!.isEmpty)
        #expect(throws: IntakeError.rowLength(expected: columns.count, got: 1)) {
            try intake.append(topic: topic, time: 1, row: [1], into: &buffers)
        }
        #expect(throws: IntakeError.unknownTopic("x")) { try intake.append(topic: "x", time: 1, row: [], into: &buffers) }
    }
}
