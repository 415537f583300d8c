// packed_series unpacking, checked by hand. Row times are multiples of 1/2 so that every
// t_r + i·dt is exact and the expectations can use ==.

import Testing
import EFD

private let nan = Double.nan

@Suite("packed series")
struct PackedSeriesTests {
    // 3 rows × 4 elements: element i of row r is 10·r + i.
    let rowTimes: [Double] = [100, 102, 104]
    var elements: [[Double]] { (0..<4).map { i in (0..<3).map { r in Double(10 * r + i) } } }

    @Test func threeRowsOfFourSamples() throws {
        // dt = (102 − 100) / 4 = 0.5 from the first two rows.
        let (times, values) = try PackedSeries.unpack(rowTimes: rowTimes, elements: elements)
        #expect(times == [100, 100.5, 101, 101.5, 102, 102.5, 103, 103.5, 104, 104.5, 105, 105.5])
        #expect(values == [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])
    }

    @Test func oneRowHasNoSpacing() throws {
        // The reference sets dt = 0 for a single row: every sample gets the row's time.
        let (times, values) = try PackedSeries.unpack(rowTimes: [7], elements: [[1], [2], [3]])
        #expect(times == [7, 7, 7])
        #expect(values == [1, 2, 3])
        let (eachTimes, _) = try PackedSeries.unpack(rowTimes: [7], elements: [[1], [2], [3]], spacing: .eachRow)
        #expect(eachTimes == [7, 7, 7])
        let (fixedTimes, _) = try PackedSeries.unpack(rowTimes: [7], elements: [[1], [2]], spacing: .fixed(seconds: 0.25))
        #expect(fixedTimes == [7, 7.25])
    }

    @Test func irregularRowsUseTheFirstGapLikeTheReference() throws {
        // Rows at 0, 2, 10 (a gap after row 1). The reference applies dt = (2 − 0)/4 to all.
        let rows: [Double] = [0, 2, 10]
        let (times, _) = try PackedSeries.unpack(rowTimes: rows, elements: elements, spacing: .firstTwoRows)
        #expect(times == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 10, 10.5, 11, 11.5])
        // Per-row spacing: row 1 spreads over its gap (dt = 2), the last row reuses it.
        let (each, _) = try PackedSeries.unpack(rowTimes: rows, elements: elements, spacing: .eachRow)
        #expect(each == [0, 0.5, 1, 1.5, 2, 4, 6, 8, 10, 12, 14, 16])
        let (fixed, _) = try PackedSeries.unpack(rowTimes: rows, elements: elements, spacing: .fixed(seconds: 0.25))
        #expect(fixed == [0, 0.25, 0.5, 0.75, 2, 2.25, 2.5, 2.75, 10, 10.25, 10.5, 10.75])
    }

    @Test func unpackedSamplesFeedATopicBuffer() throws {
        // Rows closer than N·dt overlap; the reference leaves them unsorted, a TopicBuffer
        // sorts them on insertion.
        let (times, values) = try PackedSeries.unpack(rowTimes: [0, 2, 3], elements: elements)
        #expect(times == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 3, 3.5, 4, 4.5])
        var buffer = TopicBuffer(fields: ["azimuth"])
        for (t, v) in zip(times, values) { try buffer.append(time: t, values: [v]) }
        #expect(buffer.times == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3, 3.5, 3.5, 4, 4.5])
        #expect(buffer.values(field: 0) == [0, 1, 2, 3, 10, 11, 12, 20, 13, 21, 22, 23])
    }

    @Test func nanValuesAreCarriedAndBadShapesRefused() throws {
        let (_, values) = try PackedSeries.unpack(rowTimes: [0], elements: [[nan], [1]])
        #expect(values[0].isNaN && values[1] == 1)
        #expect(throws: PackedSeries.Failure.elementCountMismatch(element: 1, expected: 2, got: 1)) {
            try PackedSeries.unpack(rowTimes: [0, 1], elements: [[1, 2], [3]])
        }
        #expect(throws: PackedSeries.Failure.noElements) {
            try PackedSeries.unpack(rowTimes: [0, 1], elements: [])
        }
        let (times, none) = try PackedSeries.unpack(rowTimes: [], elements: [[], []])
        #expect(times.isEmpty && none.isEmpty)
    }
}
