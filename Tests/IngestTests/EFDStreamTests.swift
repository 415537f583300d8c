import Avro
import DevServices
import EFD
import Felis
import Foundation
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport

/// `consdb efd stream` end to end: telemetry on librdkafka's mock cluster (Avro, registry), exposures in
/// ConsDB, summary rows in efd_latiss.
@Suite("EFD stream: telemetry -> exposure_efd / visit1_efd rows", .serialized)
struct EFDStreamTests {
    @Test func summarizesExposuresAndVisitsAndTakesLateData() async throws {
        try await EFDStreamHarness.with { harness in
            let pool = harness.pool
            // An exposure from now-100 s to now-70 s (UTC), stored as TAI in ConsDB.
            let now = Date().timeIntervalSince1970.rounded()
            let begin = now - 100, end = now - 70
            try await harness.insertExposure(seq: 1, begin: begin, end: end)
            try await harness.insertExposure(seq: 2, begin: now - 60, end: now - 50)
            // Temperature every second from begin-10 to end+10 (salIndex alternating 110/111): item0 = k,
            // item1 = 100 + k where k is the second since begin.
            for k in -10...40 {
                try await harness.sendTemperature(at: begin + Double(k), salIndex: k % 2 == 0 ? 110 : 111, items: [Float(k), Float(100 + k)])
            }
            // The hexapod moved 30 min before the exposure, and once during the second exposure.
            try await harness.sendHexapod(at: begin - 1800, u: 7.5)
            try await harness.sendHexapod(at: now - 55, u: 9.25)
            // Garbage on a telemetry topic: a dead letter, and the rest flows on.
            try await harness.producer.send(topic: EFDStreamHarness.temperatureTopic, value: Array("junk".utf8))

            let (worker, consumer) = try harness.worker(group: "efd-stream-test")
            let run = Task { try await worker.run() }
            let count = harness.count
            let waitUntil = { (what: String, condition: () async throws -> Bool) in try await harness.waitUntil(what, condition) }
            do {
                try await waitUntil("both exposure rows") { try await count("SELECT count(*) FROM efd_latiss.exposure_efd") == 2 }
                try await waitUntil("both visit rows") { try await count("SELECT count(*) FROM efd_latiss.visit1_efd") == 2 }
                let row = try #require(try await pool.query("SELECT temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 1").records.first)
                // Samples k = 0...30 are inside [begin, end]; salIndex 110 is even k: mean of 0, 2, ..., 30 = 15.
                #expect(row["temp_mean"].flatMap(Double.init) == 15)
                // max of item1 = 100 + 30.
                #expect(row["temp_max"].flatMap(Double.init) == 130)
                // Looking back an hour: the hexapod's 7.5 from 30 min before.
                #expect(row["hexapod_u"].flatMap(Double.init) == 7.5)
                let second = try #require(try await pool.query("SELECT temp_mean, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 2").records.first)
                // Temperature stops at end+10 = now-60, exactly the second exposure's start (now-60 ... now-50):
                // that one edge sample (k = 40, salIndex 110) is all it has; the window closes once every
                // topic has been read to its end. The hexapod value during it is 9.25.
                #expect(second["temp_mean"] == "40")
                #expect(second["hexapod_u"].flatMap(Double.init) == 9.25)
                let visit = try await pool.query("SELECT visit_id, temp_mean, hexapod_u FROM efd_latiss.visit1_efd WHERE seq_num = 1").rows
                #expect(visit == [["2026112500001", "15", "7.5"]])
                // Unpivoted: one row per field, stddev (ddof 1) of k = 0...30 is sqrt(82.666...) for both.
                let unpivoted = try await pool.query("SELECT field, value FROM efd_latiss.exposure_efd_unpivoted WHERE seq_num = 1 ORDER BY field").rows
                #expect(unpivoted.map { $0[0] } == ["temperatureItem0", "temperatureItem1"])
                var squares = 0.0
                for k in 0...30 { squares += Double((k - 15) * (k - 15)) }
                let expected = (squares / 30).squareRoot()
                #expect(unpivoted.count == 2 && unpivoted.allSatisfy { row in row[1].flatMap(Double.init).map { abs($0 - expected) < 1e-5 } ?? false })
                #expect(try await count("SELECT count(*) FROM consdb_ingest.rejected WHERE worker = 'efd stream LATISS'") == 1)

                // Late data inside the first exposure: a hotter salIndex-110 sample re-opens and rewrites it.
                try await harness.sendTemperature(at: begin + 15.5, salIndex: 110, items: [31, 0])
                // (0 + 2 + ... + 30 + 31) / 17 = 271 / 17.
                try await waitUntil("the late sample's rewrite") {
                    let value = try await pool.query("SELECT temp_mean FROM efd_latiss.exposure_efd WHERE seq_num = 1").rows.first?.first ?? nil
                    return value.flatMap(Double.init).map { abs($0 - 271.0 / 17) < 1e-5 } ?? false
                }
                // The rewrite recomputed the whole row from the buffered data: nothing else turned NULL.
                let rewritten = try await pool.query("SELECT temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 1").rows
                #expect(rewritten == [["130", "7.5"]])
            } catch {
                worker.stop()
                _ = try? await run.value
                await consumer.close()
                throw error
            }
            worker.stop()
            try await run.value
            await consumer.close()
        }
    }
}
