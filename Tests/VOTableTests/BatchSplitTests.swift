import Foundation
import Testing
import TestSupport
import VOTable

/// Streaming must not change the document: the same rows cut into batches anywhere (empty batches,
/// one row at a time, rows that leave one or two bytes of a base64 group over) give the bytes of one batch.
@Suite("Batch splits")
struct BatchSplitTests {
    static func randomRows(count: Int, using generator: inout SeededGenerator) -> [[String?]] {
        (0..<count).map { _ in
            var row = Fixtures.rows[Int.random(in: 0..<Fixtures.rows.count, using: &generator)]
            // Text of random length moves the BINARY2 row boundaries against the base64 groups.
            if Bool.random(using: &generator) {
                row[6] = String(repeating: "é<", count: Int.random(in: 0...40, using: &generator))
            }
            return row
        }
    }

    @Test(arguments: ResultFormat.allCases)
    func anySplitGivesTheOneBatchDocument(format: ResultFormat) {
        var generator = TestSeed.generator("anySplitGivesTheOneBatchDocument(\(format))", default: 4180)
        let rows = Self.randomRows(count: 500, using: &generator)
        let whole = Fixtures.write(format, rows: rows)
        for _ in 0..<40 {
            var cuts: [Int] = []
            var left = rows.count
            while left > 0 {
                let size = min(left, Int.random(in: 0...(Bool.random(using: &generator) ? 3 : 120), using: &generator))
                cuts.append(size)
                left -= size
            }
            let split = Fixtures.write(format, rows: rows, batches: cuts)
            #expect(split == whole, "\(format) with batches \(cuts)")
            if split != whole { return }
        }
    }

    @Test func oneRowAtATime() {
        for format in ResultFormat.allCases {
            let rows = Fixtures.rows + Fixtures.rows
            #expect(Fixtures.write(format, rows: rows, batches: Array(repeating: 1, count: rows.count)) == Fixtures.write(format, rows: rows))
        }
    }
}
