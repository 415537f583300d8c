@testable import Kafka
import Testing

/// The bisection on its own, over in-memory partitions (no I/O).
@Suite struct OffsetBisectionTests {
    /// A partition as (offset, timestamp) pairs, possibly with gaps.
    struct Partition {
        var messages: [(offset: Int64, timestamp: Int64)]
        var low: Int64
        var high: Int64

        func read(_ from: Int64, _ below: Int64) -> OffsetBisection.Probe? {
            messages.first { $0.offset >= from && $0.offset < below }.map { .init(offset: $0.offset, timestamp: $0.timestamp) }
        }

        /// The answer by linear scan.
        func expected(_ timestamp: Int64) -> Int64 {
            messages.first { $0.timestamp >= timestamp }?.offset ?? high
        }
    }

    @Test func contiguousOffsets() {
        let offsets: [Int64] = Array(0..<50)
        let partition = Partition(messages: offsets.map { ($0, 1000 + 10 * $0) }, low: 0, high: 50)
        for timestamp in stride(from: Int64(900), through: 1600, by: 5) {
            var reads = 0
            let answer = OffsetBisection.firstOffset(atOrAfter: timestamp, low: 0, high: 50) { from, below in
                reads += 1
                return partition.read(from, below)
            }
            #expect(answer == partition.expected(timestamp), "timestamp \(timestamp)")
            #expect(reads <= 7)
        }
    }

    @Test func gapsRetentionAndEqualTimestamps() {
        // Offsets 100..<200 with every third missing (compaction), timestamps in runs of equal values.
        let offsets: [Int64] = (100..<200).filter { $0 % 3 != 0 }
        let messages: [(offset: Int64, timestamp: Int64)] = offsets.map { ($0, $0 / 4) }
        let partition = Partition(messages: messages, low: 100, high: 200)
        for timestamp in Int64(20)...Int64(55) {
            let answer = OffsetBisection.firstOffset(atOrAfter: timestamp, low: 100, high: 200) { partition.read($0, $1) }
            #expect(answer == partition.expected(timestamp), "timestamp \(timestamp)")
        }
    }

    @Test func emptyAndSingleMessage() {
        #expect(OffsetBisection.firstOffset(atOrAfter: 5, low: 7, high: 7) { _, _ in Issue.record("no read expected"); return nil } == 7)
        let one = Partition(messages: [(3, 100)], low: 3, high: 4)
        #expect(OffsetBisection.firstOffset(atOrAfter: 99, low: 3, high: 4) { one.read($0, $1) } == 3)
        #expect(OffsetBisection.firstOffset(atOrAfter: 100, low: 3, high: 4) { one.read($0, $1) } == 3)
        #expect(OffsetBisection.firstOffset(atOrAfter: 101, low: 3, high: 4) { one.read($0, $1) } == 4)
        // Everything in the range vanished (retention) between the watermark query and the reads.
        #expect(OffsetBisection.firstOffset(atOrAfter: 0, low: 0, high: 10) { _, _ in nil } == 10)
    }
}
