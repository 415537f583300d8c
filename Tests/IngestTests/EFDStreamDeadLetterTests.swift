import Foundation
import Ingest
import Kafka
import Testing
import TestSupport

/// The EFD stream's dead letters for telemetry it must not use.
@Suite("EFD stream: dead letters", .serialized)
struct EFDStreamDeadLetterTests {
    /// A sample stamped more than 5 minutes ahead of the clock would move the topic's watermark past
    /// windows whose data has not come: it is dead-lettered (with its offset) and the window is summarized
    /// from the other samples.
    @Test func aSampleFromTheFutureIsDeadLettered() async throws {
        try await EFDStreamHarness.with { harness in
            let now = Date().timeIntervalSince1970.rounded()
            let begin = now - 100, end = now - 90
            try await harness.insertExposure(seq: 1, begin: begin, end: end)
            // Offsets 0…10: item0 = k inside the window; offset 11: an hour ahead, hot; offset 12: after the window.
            for k in 0...10 {
                try await harness.sendTemperature(at: begin + Double(k), salIndex: 110, items: [Float(k), Float(k)])
            }
            try await harness.sendTemperature(at: now + 3600, salIndex: 110, items: [1000, 1000])
            try await harness.sendTemperature(at: end + 5, salIndex: 111, items: [0, 0])
            try await harness.sendHexapod(at: begin - 60, u: 1.5)
            try await harness.sendHexapod(at: end + 5, u: 2.5)

            let (worker, consumer) = try harness.worker(group: "efd-future")
            try await harness.running(worker, consumer) {
                try await harness.waitUntil("the exposure's row") {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE temp_mean IS NOT NULL") == 1
                }
                try await harness.waitUntil("the dead letter") { try await harness.count("SELECT count(*) FROM consdb_ingest.rejected") == 1 }
            }
            #expect(try await harness.pool.query("SELECT temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 1").rows == [["5", "10", "1.5"]])
            let rejected = try await harness.pool.query("""
                SELECT worker, topic, "partition", "offset", error, payload IS NOT NULL FROM consdb_ingest.rejected
                """).rows
            #expect(rejected.count == 1)
            let row = try #require(rejected.first)
            #expect(Array(row[0..<4]) == ["efd stream LATISS", EFDStreamHarness.temperatureTopic, "0", "11"])
            #expect(row[4]?.contains("more than 5 minutes in the future") == true, "\(row)")
            #expect(row[5] == "t")
        }
    }

    /// A window row the database refuses (here a constraint of this test's, SQLSTATE 23514) cannot be
    /// helped by retrying: it is counted and logged, and the stream goes on with the next window.
    @Test func aRowTheDatabaseRefusesIsCountedAndTheStreamGoesOn() async throws {
        try await EFDStreamHarness.with { harness in
            try await harness.pool.query("ALTER TABLE efd_latiss.exposure_efd ADD CONSTRAINT test_refuses CHECK (temp_mean IS NULL OR temp_mean < 100)")
            let now = Date().timeIntervalSince1970.rounded()
            try await harness.insertExposure(seq: 1, begin: now - 100, end: now - 90)
            try await harness.insertExposure(seq: 2, begin: now - 80, end: now - 70)
            // item0 = 200 in the first exposure (refused: mean 200), 20 in the second.
            for k in 0...10 { try await harness.sendTemperature(at: now - 100 + Double(k), salIndex: 110, items: [200, 1]) }
            for k in 0...10 { try await harness.sendTemperature(at: now - 80 + Double(k), salIndex: 110, items: [20, 1]) }
            try await harness.sendTemperature(at: now - 65, salIndex: 111, items: [0, 0])
            try await harness.sendHexapod(at: now - 160, u: 1.5)
            try await harness.sendHexapod(at: now - 65, u: 2.5)

            let metrics = EFDStreamMetrics(instrument: "LATISS")
            let (worker, consumer) = try harness.worker(group: "efd-refused", metrics: metrics)
            try await harness.running(worker, consumer) {
                try await harness.waitUntil("the second exposure's row") {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE seq_num = 2") == 1
                }
                try await harness.waitUntil("the refusal counted") { metrics.reading("consdb_efd_rejected_total") == 1 }
            }
            #expect(try await harness.pool.query("SELECT seq_num, temp_mean FROM efd_latiss.exposure_efd ORDER BY seq_num").rows == [["2", "20"]])
            // The visit row of the refused exposure has no such constraint: written.
            #expect(try await harness.count("SELECT count(*) FROM efd_latiss.visit1_efd WHERE seq_num = 1") == 1)
        }
    }
}
