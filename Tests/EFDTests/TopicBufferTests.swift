// TopicBuffer (ordering, ranges, forgetting), SampleSelection (fields, subset filter, NaN
// rows) and SampleWindow.

import Testing
import EFD

private let nan = Double.nan

@Suite("topic buffer")
struct TopicBufferTests {
    private func buffer(_ rows: [(Double, [Double])], fields: [String] = ["value"]) throws -> TopicBuffer {
        var buffer = TopicBuffer(fields: fields)
        for (time, values) in rows { try buffer.append(time: time, values: values) }
        return buffer
    }

    @Test func outOfOrderAppendsStaySorted() throws {
        let b = try buffer([(5, [50]), (1, [10]), (3, [30]), (9, [90]), (3, [31]), (0, [0]), (9, [91])])
        #expect(b.times == [0, 1, 3, 3, 5, 9, 9])
        // Equal times keep arrival order, so the most recent value on a tie is the later one.
        #expect(b.values(field: 0) == [0, 10, 30, 31, 50, 90, 91])
        #expect(b.firstTime == 0)
        #expect(b.lastTime == 9)
        #expect(b.evaluate(.mostRecentValue, field: 0, window: SampleWindow(begin: 0, end: 9)) == 91)
    }

    @Test func rangeIncludesBothEnds() throws {
        let b = try buffer((0..<10).map { (Double($0), [Double($0)]) })
        #expect(b.range(from: 2, through: 5) == 2..<6)
        #expect(b.range(from: 2.5, through: 5.5) == 3..<6)
        #expect(b.range(from: -10, through: 0) == 0..<1)
        #expect(b.range(from: 9, through: 100) == 9..<10)
        #expect(b.range(from: 10, through: 100).isEmpty)
        #expect(b.range(from: 5, through: 2).isEmpty)
        #expect(b.range(from: nan, through: 5).isEmpty)
        #expect(b.range(from: 2, through: nan).isEmpty)
        #expect(b.range(from: 2, before: 5) == 2..<5)
        // Samples exactly on the window edges count, as in the reference.
        #expect(b.evaluate(.mean, field: 0, window: SampleWindow(begin: 2, end: 5)) == 3.5)
        #expect(b.evaluate(.min, field: 0, window: SampleWindow(begin: 2, end: 5)) == 2)
        #expect(b.evaluate(.max, field: 0, window: SampleWindow(begin: 2, end: 5)) == 5)
        #expect(b.evaluate(.mean, field: 0, window: SampleWindow(begin: 20, end: 30)) == nil)
    }

    @Test func withColumnGivesTheSliceWithoutCopying() throws {
        let b = try buffer([(1, [10, 100]), (2, [20, 200]), (3, [30, 300])], fields: ["a", "b"])
        let column = try #require(b.column(named: "b"))
        let (times, values) = b.withColumn(column, in: 1..<3) { (Array($0), Array($1)) }
        #expect(times == [2, 3])
        #expect(values == [200, 300])
        // Ranges past the end are clamped.
        #expect(b.withColumn(0, in: 2..<50) { Array($1) } == [30])
        #expect(b.column(named: "c") == nil)
    }

    @Test func dropSamplesForgetsTheOldOnes() throws {
        var b = try buffer((0..<100).map { (Double($0), [Double($0) * 2]) })
        b.dropSamples(before: 10)
        #expect(b.count == 90)
        #expect(b.firstTime == 10)
        #expect(b.time(at: 0) == 10)
        #expect(b.value(at: 0, field: 0) == 20)
        #expect(b.range(from: 10, through: 12) == 0..<3)
        // Past the compaction threshold (more than a quarter dead) and beyond.
        b.dropSamples(before: 60.5)
        #expect(b.count == 39)
        #expect(b.times.first == 61)
        try b.append(time: 30, values: [-1])  // late, older than the horizon: still kept, in order
        #expect(b.times.prefix(2) == [30, 61])
        try b.append(time: 200, values: [400])
        #expect(b.lastTime == 200)
        b.dropSamples(before: 1000)
        #expect(b.isEmpty)
        #expect(b.firstTime == nil)
        try b.append(time: 5, values: [1])
        #expect(b.times == [5])
        b.dropSamples(before: nan)
        #expect(b.count == 1)
    }

    @Test func aSlidingWindowKeepsStorageNearWhatIsRetained() throws {
        // A stream's buffer: one sample appended per step, everything older than 10,000 steps dropped.
        var b = TopicBuffer(fields: ["a", "b"])
        var largest = 0
        for step in 0..<200_000 {
            try b.append(time: Double(step), values: [1, 2])
            b.dropSamples(before: Double(step - 10_000))
            if step > 20_000 { largest = max(largest, b.storageBytes) }
        }
        #expect(b.count == 10_001)
        // Retained: 10,001 samples × 3 columns × 8 bytes = 240 kB. Storage stays within 1.6 times that
        // (doubling growth and half-dead storage would allow 4 times).
        let retained = 10_001 * 3 * 8
        #expect(largest <= retained * 8 / 5, "largest storage \(largest) bytes for \(retained) retained")
        #expect(b.times.first == 189_999 && b.times.last == 199_999)
    }

    @Test func appendRefusesBadRows() throws {
        var b = TopicBuffer(fields: ["a", "b"])
        #expect(throws: TopicBufferError.fieldCountMismatch(expected: 2, got: 1)) {
            try b.append(time: 1, values: [1])
        }
        #expect(throws: TopicBufferError.nonFiniteTime(.infinity)) {
            try b.append(time: .infinity, values: [1, 2])
        }
        #expect(throws: TopicBufferError.self) { try b.append(time: nan, values: [1, 2]) }
        #expect(b.isEmpty)
        // NaN values are fine: they are missing data.
        try b.append(time: 1, values: [nan, 2])
        #expect(b.count == 1)
    }

    @Test func subsetFilterWithAScalarAndAList() throws {
        // fields: salIndex, temperature
        let b = try buffer(
            [
                (1, [110, 10]), (2, [111, 11]), (3, [110, 12]), (4, [103, 13]),
                (5, [113, 14]), (6, [nan, 15]), (7, [110, 16]),
            ], fields: ["salIndex", "temperature"])
        let all = 0..<b.count
        #expect(b.filteredIndices(in: all, subset: SubsetFilter(field: 0, value: 110)) == [0, 2, 6])
        #expect(b.filteredIndices(in: all, subset: SubsetFilter(field: 0, values: [103, 113])) == [3, 4])
        #expect(b.filteredIndices(in: 1..<4, subset: SubsetFilter(field: 0, value: 110)) == [2])

        var selection = SampleSelection()
        selection.gather(from: b, in: all, fields: [1], subset: SubsetFilter(field: 0, value: 110))
        #expect(selection.times == [1, 3, 7])
        #expect(selection.values(field: 0) == [10, 12, 16])
        #expect(selection.evaluate(.mean) == 38.0 / 3)
        selection.gather(
            from: b, window: SampleWindow(begin: 2, end: 5), fields: [1],
            subset: SubsetFilter(field: 0, values: [103, 113]))
        #expect(selection.values(field: 0) == [13, 14])
        #expect(selection.evaluate(.mostRecentValue) == 14)
        // No match: nil.
        selection.gather(from: b, in: all, fields: [1], subset: SubsetFilter(field: 0, value: 999))
        #expect(selection.count == 0)
        #expect(selection.evaluate(.mean) == nil)
    }

    @Test func incompleteRowsFollowTheReferenceByDefault() throws {
        // A = [1, 2, nan, 4, 0.5]; B = [10, nan, 30, 40, -3]
        let b = try buffer(
            [(1, [1, 10]), (2, [2, nan]), (3, [nan, 30]), (4, [4, 40]), (5, [0.5, -3])], fields: ["A", "B"])
        var selection = SampleSelection()
        // The reference's dropna(): rows 2 and 3 go entirely.
        // rv = np.concatenate([A[rows], B[rows]]) with rows = ~(isnan(A) | isnan(B))
        // r(np.nanmean(rv)) = 8.75, r(np.nanstd(rv, ddof=1)) = 15.917757379731606
        selection.gather(from: b, in: 0..<b.count, fields: [0, 1])
        #expect(selection.times == [1, 4, 5])
        #expect(selection.evaluate(.mean) == 8.75)
        expectClose(selection.evaluate(.stddev(ddof: 1)), 15.917757379731606, relative: 1e-12)
        // Every value on its own: np.nanmean(np.concatenate([A, B])) = 10.5625, nanstd ddof=1
        // 15.755809586126817.
        selection.gather(from: b, in: 0..<b.count, fields: [0, 1], incompleteRows: .keepValues)
        #expect(selection.count == 5)
        expectClose(selection.evaluate(.mean), 10.5625, relative: 1e-15)
        expectClose(selection.evaluate(.stddev(ddof: 1)), 15.755809586126817, relative: 1e-12)
        // mostRecentValue reads the first field of the last kept row.
        #expect(selection.evaluate(.mostRecentValue) == 0.5)
    }

    @Test func theSelectionIsReusable() throws {
        let small = try buffer([(1, [1])])
        let large = try buffer((0..<500).map { (Double($0), [Double($0)]) })
        var selection = SampleSelection()
        selection.gather(from: large, in: 0..<large.count, fields: [0])
        #expect(selection.evaluate(.max) == 499)
        selection.gather(from: small, in: 0..<1, fields: [0])
        #expect(selection.times == [1])
        #expect(selection.evaluate(.max) == 1)
        selection.gather(from: large, window: SampleWindow(begin: 10, end: 19), fields: [0, 0])
        #expect(selection.fieldCount == 2)
        #expect(selection.evaluate(.mean) == 14.5)
    }

    @Test func windowsAndStartOffsets() {
        let w = SampleWindow(begin: 1000, end: 2000)
        #expect(w.extended(startOffsetHours: -1) == SampleWindow(begin: -2600, end: 2000))
        #expect(w.extended(startOffsetHours: -0.5) == SampleWindow(begin: -800, end: 2000))
        #expect(w.contains(1000) && w.contains(2000) && !w.contains(2000.001))
        #expect(!w.isEmpty)
        #expect(SampleWindow(begin: 2, end: 1).isEmpty)
        #expect(w.extended(startOffsetHours: nan).isEmpty)
        #expect(w.extended(startOffsetHours: -.infinity).isEmpty)
    }

    @Test func startOffsetReachesBackForTheMostRecentValue() throws {
        // A setting published an hour before the exposure: found with start_offset −1 h.
        let t0 = 1_722_532_816.0
        let b = try buffer([(t0 - 3000, [7]), (t0 - 10, [8])])
        let exposure = SampleWindow(begin: t0, end: t0 + 30)
        #expect(b.evaluate(.mostRecentValue, field: 0, window: exposure) == nil)
        #expect(b.evaluate(.mostRecentValue, field: 0, window: exposure.extended(startOffsetHours: -1)) == 8)
        #expect(b.evaluate(.min, field: 0, window: exposure.extended(startOffsetHours: -1)) == 7)
    }
}
