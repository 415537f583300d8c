import Foundation
import Testing
import TestSupport

/// The chaos night's short version (Benchmarks/chaos-night): a few exposures through every worker at
/// once while each worker is SIGKILLed once, PostgreSQL restarts, the schema registry goes down and
/// comes back, a replica goes down and comes back, and one malformed input of every kind arrives; then
/// every table must equal a clean recomputation of the same night, the replica must equal the primary,
/// and every malformed input must be one dead letter.
///
/// About a minute of wall time and its own PostgreSQL servers, InfluxDB and processes, so it runs only
/// with CONSDB_CHAOS_SHORT=1, which CI sets (CONSDB_CHAOS_SEED picks the seed; else the clock, printed).
@Suite("Chaos night (short)", .serialized, .enabled(if: ProcessInfo.processInfo.environment["CONSDB_CHAOS_SHORT"] == "1"))
struct ChaosNightTests {
    @Test func aShortNightWithEveryFaultEndsEqualToItsCleanRecomputation() async throws {
        let binary = ProcessInfo.processInfo.environment["CONSDB_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? TestFiles.package(".build/debug/consdb").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build consdb first (scripts/test does): \(binary)")
        let seed = ProcessInfo.processInfo.environment["CONSDB_CHAOS_SEED"].flatMap(Int.init) ?? Int(Date().timeIntervalSince1970) % 100_000_000
        print("chaos night (short): seed \(seed)")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-short-\(seed)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", TestFiles.package("Benchmarks/chaos-night/chaos.py").path, "--binary", binary, "--seed", "\(seed)",
            "--exposures", "4", "--interval", "5", "--exposure-time", "4", "--sensors", "3", "--kills", "1",
            "--kafka-session-timeout-ms", "6000", "--deadline", "240", "--replicas", "1",
        ]
        process.standardOutput = handle
        process.standardError = handle
        process.currentDirectoryURL = TestFiles.packageRoot
        // The driver makes its own databases; the suite's must not leak into its workers' settings.
        var environment = ProcessInfo.processInfo.environment
        for name in environment.keys where name.hasPrefix("CONSDB_") || ["KAFKA_BOOTSTRAP", "SCHEMA_URL", "EFD_URL"].contains(name) {
            environment[name] = nil
        }
        process.environment = environment
        try process.run()
        // The driver has its own deadlines (catch-up, every command's timeout); this one only guards the suite.
        _ = try await WorkerProcess.exitStatus(process, within: .seconds(900), "the chaos night's driver")
        try handle.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        print(text)
        #expect(process.terminationStatus == 0, "seed \(seed)")
        #expect(text.contains("\nPASS: 0 rows missing, extra, duplicated or different; 0 dead-letter problems"), "seed \(seed)")
        // Every fault happened: one kill per worker, the restart, the outage, ten malformed kinds.
        for worker in ["hinfo", "efd-stream", "serve"] {
            #expect(text.contains(": kill \(worker) -> killed"), "\(worker) was not killed")
        }
        #expect(text.contains("postgres-restart  -> down and up again"))
        #expect(text.contains("registry-outage ") && text.contains("-> down "))
        #expect(text.components(separatedBy: " dead letter(s) at ").count - 1 == 10)
    }
}
