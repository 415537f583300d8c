import Foundation
import HeaderFile
import Ingest
import Kafka
import Testing
import TestSupport

/// `consdb hinfo` as a process, killed with SIGKILL at random points while events flow: after a restart
/// every exposure is present exactly once and nothing is missing or rejected.
@Suite("hinfo delivery under SIGKILL", .needsConsDBReference, .serialized)
struct DeliveryTests {
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CONSDB_BINARY"], !path.isEmpty { return path }
        return TestFiles.package(".build/debug/consdb").path
    }

    func launch(_ harness: HinfoHarness) throws -> Process {
        try WorkerProcess.launch(["hinfo", "--instrument", "LATISS", "--metrics-port", "0"], environment: [
            "CONSDB_DATABASE_URL": harness.databaseURL,
            "KAFKA_BOOTSTRAP": harness.cluster.bootstrapServers,
            "KAFKA_GROUP_ID": "hinfo-delivery",
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "SCHEMA_URL": harness.registry.baseURL!,
            "S3_ENDPOINT_URL": harness.moto!.baseURL,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        ])
    }

    /// SIGKILL, then wait until the process is gone.
    func kill9(_ process: Process) async throws {
        kill(process.processIdentifier, SIGKILL)
        try await WorkerProcess.exitStatus(process, within: .seconds(30))
    }

    @Test func killedAtRandomPointsLosesAndDoublesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build consdb first (scripts/test does): \(Self.binary)")
        try await HinfoHarness.with(.latiss) { harness in
            let total = 40
            var urls: [String] = []
            for seq in 1...total {
                let name = "AT_O_20240801_\(String(format: "%06d", seq))"
                let header = try Headers.realLATISS(replacing: ["SEQNUM": .int(Int64(seq)), "OBSID": .string(name)])
                urls.append(try await harness.storeHeader(Headers.yaml(header), name: name))
            }
            var generator = TestSeed.generator()
            var sent = 0
            // Three runs killed at random moments while events keep arriving, then one left to finish.
            for _ in 0..<3 {
                let process = try launch(harness)
                defer { WorkerProcess.killIfRunning(process) }
                let batch = min(total - sent, 12)
                for _ in 0..<batch {
                    try await harness.announce(url: urls[sent], id: "seq \(sent + 1)")
                    sent += 1
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...120, using: &generator)))
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &generator)))
                try await kill9(process)
            }
            while sent < total {
                try await harness.announce(url: urls[sent], id: "seq \(sent + 1)")
                sent += 1
            }
            let last = try launch(harness)
            defer { WorkerProcess.killIfRunning(last) }
            try await harness.waitUntil("all \(total) exposures", within: 90) {
                try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == total
            }
            #expect(try await harness.count("SELECT count(DISTINCT seq_num) FROM cdb_latiss.exposure") == total)
            #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.ccdexposure") == total)
            #expect(try await harness.rejections().isEmpty)
            // SIGTERM: the worker finishes, commits and exits by itself.
            kill(last.processIdentifier, SIGTERM)
            #expect(try await WorkerProcess.exitStatus(last, within: .seconds(60), "the worker after SIGTERM") == 0)
            // Every event's offset was committed: a new member of the group would read nothing again.
            var configuration = KafkaConfiguration(bootstrapServers: harness.cluster.bootstrapServers, groupID: "hinfo-delivery")
            configuration.fetchWaitMax = .milliseconds(10)
            let observer = try KafkaConsumer.make(configuration: configuration, logger: ingestTestLogger)
            let committed = try await observer.committed([.init(topic: harness.instrument.eventTopic, partition: 0)])
            await observer.close()
            #expect(committed.values.first == Int64(total))
        }
    }
}
