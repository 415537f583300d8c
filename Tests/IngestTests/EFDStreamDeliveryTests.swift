import Fetch
import Foundation
import Glibc
import Ingest
import Kafka
import Testing
import TestSupport

/// `consdb efd stream` as a process, killed with SIGKILL while telemetry flows and exposures end: after the
/// restarts every exposure's row holds exactly the summary of its samples, each counted once.
@Suite("efd stream delivery under SIGKILL", .serialized)
struct EFDStreamDeliveryTests {
    func launch(_ harness: EFDStreamHarness, config: String, metricsPort: Int = 0) throws -> Process {
        try WorkerProcess.launch(["efd", "stream", "--instrument", "LATISS", "--efd-config", config, "--metrics-port", "\(metricsPort)"], environment: [
            "CONSDB_DATABASE_URL": harness.url,
            "KAFKA_BOOTSTRAP": harness.cluster.bootstrapServers,
            "KAFKA_GROUP_ID": "efd-delivery",
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "SCHEMA_URL": harness.registry.baseURL!,
            "EFD_LATENESS_SECONDS": "1",
            "EFD_MAX_WAIT_SECONDS": "5",
        ])
    }

    /// Launches the last run with a metrics server, on a port the kernel picked for a socket of ours that
    /// is closed just before. The program cannot be handed the socket, so another program may take the
    /// port in between: then our worker exits (it cannot listen) or the port answers without our metrics,
    /// and the run is launched again on another port.
    func launchWithMetrics(_ harness: EFDStreamHarness, config: String) async throws -> (process: Process, port: Int) {
        for _ in 0..<5 {
            let port = try RefusingPort().port  // bound, then closed when the value goes
            let process = try launch(harness, config: config, metricsPort: port)
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning, ContinuousClock.now < deadline {
                if let response = try? await Fetcher().get("http://127.0.0.1:\(port)/metrics"),
                   String(decoding: response.body, as: UTF8.self).contains("consdb_efd_owned_topics") {
                    return (process, port)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            WorkerProcess.killIfRunning(process)
            try await WorkerProcess.exitStatus(process, within: .seconds(30))
        }
        Issue.record("the last run never served its metrics")
        throw CancellationError()
    }

    struct Sample {
        var time: Double
        var salIndex: Int32
        var items: [Float]
    }

    @Test func killedMidStreamRecomputesWithoutLossOrDoubling() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does): \(DeliveryTests.binary)")
        try await EFDStreamHarness.with { harness in
            let configPath = FileManager.default.temporaryDirectory.appendingPathComponent("efd-delivery-\(UUID().uuidString).yaml").path
            try EFDStreamHarness.config.write(toFile: configPath, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: configPath) }

            // Ten temperature samples a second for 24 s from t0, in real time (times on a 0.1 s grid + 0.05, so
            // none sits on a window edge); the hexapod every 3 s; eight 2 s exposures, each written to ConsDB
            // 0.3 s after it ends, as hinfo would.
            let t0 = (Date().timeIntervalSince1970 + 1).rounded(.up)
            let samples = (0..<240).map { (k: Int) -> Sample in
                let time: Double = t0 + 0.1 * Double(k) + 0.05
                let items: [Float] = [Float(k % 50), Float((k * 7) % 31)]
                return Sample(time: time, salIndex: k % 2 == 0 ? 110 : 111, items: items)
            }
            let hexapod = stride(from: 0, to: 240, by: 30).map { (k: Int) -> (time: Double, u: Double) in
                (time: samples[k].time, u: Double(k) / 10)
            }
            let exposures = (1...8).map { (seq: Int) -> (seq: Int, begin: Double, end: Double) in
                let begin: Double = t0 + 3 * Double(seq - 1) + 0.5
                return (seq: seq, begin: begin, end: begin + 2)
            }
            let production = Task {
                var inserted = 0
                for (k, sample) in samples.enumerated() {
                    let wait = sample.time - Date().timeIntervalSince1970
                    if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                    try await harness.sendTemperature(at: sample.time, salIndex: sample.salIndex, items: sample.items)
                    if k % 30 == 0 { try await harness.sendHexapod(at: sample.time, u: Double(k) / 10) }
                    while inserted < exposures.count, exposures[inserted].end + 0.3 <= sample.time {
                        let exposure = exposures[inserted]
                        try await harness.insertExposure(seq: exposure.seq, begin: exposure.begin, end: exposure.end)
                        inserted += 1
                    }
                }
                for exposure in exposures[inserted...] {
                    try await harness.insertExposure(seq: exposure.seq, begin: exposure.begin, end: exposure.end)
                }
            }
            defer { production.cancel() }

            // Three runs killed at random moments once they are at work (a row more than before they started:
            // they have joined the group and summarize), while telemetry flows; then one left to finish.
            var generator = TestSeed.generator()
            for _ in 0..<3 {
                let before = try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd")
                let process = try launch(harness, config: configPath)
                defer { WorkerProcess.killIfRunning(process) }
                try await harness.waitUntil("the run to write a row", timeout: .seconds(60)) {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd") > before
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &generator)))
                kill(process.processIdentifier, SIGKILL)
                try await WorkerProcess.exitStatus(process, within: .seconds(30))
            }
            let (last, port) = try await launchWithMetrics(harness, config: configPath)
            defer { WorkerProcess.killIfRunning(last) }
            try await production.value
            // The last run at work: it owns both topics (its metrics say so).
            try await harness.waitUntil("the last run to own the topics", timeout: .seconds(60)) {
                guard let response = try? await Fetcher().get("http://127.0.0.1:\(port)/metrics") else { return false }
                return String(decoding: response.body, as: UTF8.self).contains("consdb_efd_owned_topics{instrument=\"LATISS\"} 2")
            }

            // What each exposure's row must hold, from the samples in [begin, end].
            var expected: [[String?]] = []
            var stddevs: [Int: [Double]] = [:]
            for exposure in exposures {
                let inside = samples.filter { $0.time >= exposure.begin && $0.time <= exposure.end }
                let indexed = inside.filter { $0.salIndex == 110 }.map { Double($0.items[0]) }
                let mean = indexed.reduce(0, +) / Double(indexed.count)
                let maximum = inside.map { Double($0.items[1]) }.max()!
                let u = hexapod.last { $0.time <= exposure.end }!.u
                expected.append(["\(exposure.seq)", "\(mean)", "\(maximum)", "\(u)"])
                stddevs[exposure.seq] = (0..<2).map { item in
                    let values = inside.map { Double($0.items[item]) }
                    let average = values.reduce(0, +) / Double(values.count)
                    return (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
                }
            }
            try await harness.waitUntil("all eight exposures' rows", timeout: .seconds(90)) {
                try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE temp_mean IS NOT NULL AND hexapod_u IS NOT NULL") == 8
            }
            let rows = try await harness.pool.query("SELECT seq_num, temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd ORDER BY seq_num").rows
            #expect(rows.count == 8)
            for (row, want) in zip(rows, expected) {
                #expect(row[0] == want[0])
                // Doubled samples would change none of max and most-recent, but would the means' weights
                // and the standard deviations (n - 1 in the denominator).
                #expect(abs((row[1].flatMap(Double.init) ?? .nan) - Double(want[1]!)!) < 1e-9, "mean of \(want[0]!)")
                #expect(row[2].flatMap(Double.init) == Double(want[2]!))
                #expect(row[3].flatMap(Double.init) == Double(want[3]!))
            }
            let unpivoted = try await harness.pool.query("SELECT seq_num, field, value FROM efd_latiss.exposure_efd_unpivoted ORDER BY seq_num, field").rows
            #expect(unpivoted.count == 16)
            for row in unpivoted {
                guard let seq = row[0].flatMap(Int.init), let value = row[2].flatMap(Double.init), let want = stddevs[seq] else {
                    Issue.record("unexpected unpivoted row \(row)")
                    continue
                }
                let item = row[1] == "temperatureItem0" ? 0 : 1
                // The column is float (PostgreSQL real): 24-bit mantissa. A doubled sample set would be off by
                // a factor of about sqrt(1/2).
                #expect(abs(value - want[item]) <= 1e-6 * want[item], "stddev of \(row[1] ?? "?") in \(seq)")
            }
            #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.rejected") == 0)
            // SIGTERM: the stream commits and exits by itself.
            kill(last.processIdentifier, SIGTERM)
            #expect(try await WorkerProcess.exitStatus(last, within: .seconds(60), "the stream after SIGTERM") == 0)
        }
    }
}
