import Foundation
import Glibc
import Ingest
import Logging
import Postgres
import Synchronization
import Testing
import TestSupport

@Suite("A worker starting while its database is down waits for it")
struct DatabaseStartupTests {
    private func recordingLogger() -> (Logger, RecordingLogHandler.Store) {
        let store = RecordingLogHandler.Store()
        return (Logger(label: "test.startup") { _ in RecordingLogHandler(store: store) }, store)
    }

    @Test func anUnreachableDatabaseIsWaitedForWithOnePauseAndOneResume() async throws {
        let (logger, store) = recordingLogger()
        let attempts = Mutex(0)
        let value = try await DatabaseStartup.waitingForDatabase(maximumDelay: .milliseconds(500), logger: logger) {
            let attempt = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            if attempt < 3 { throw PostgresError(code: .connectionFailed, message: "connection refused") }
            return attempt
        }
        #expect(value == 3)
        #expect(store.events("ingest.pause").count == 1)
        #expect(store.events("ingest.resume").count == 1)
    }

    @Test func anyOtherFailureEndsTheStartAtOnce() async throws {
        let (logger, store) = recordingLogger()
        let attempts = Mutex(0)
        await #expect(throws: PostgresError.self) {
            try await DatabaseStartup.waitingForDatabase(logger: logger) { () async throws -> Int in
                attempts.withLock { $0 += 1 }
                throw PostgresError(code: .server, message: "relation does not exist", sqlState: "42P01")
            }
        }
        #expect(attempts.withLock { $0 } == 1)
        #expect(store.events("ingest.pause").isEmpty)
    }

    /// Real libpq against a port that refuses, then the test cluster: the refusal is what is waited out.
    @Test func aRefusedConnectionIsWaitedOutUntilTheServerAnswers() async throws {
        let (logger, store) = recordingLogger()
        let url = try TestDatabase.adminURL()
        try await RefusingPort.with { port in
            let refused = "postgresql://consdb@127.0.0.1:\(port)/postgres?connect_timeout=5"
            let attempts = Mutex(0)
            let answer = try await DatabaseStartup.waitingForDatabase(maximumDelay: .milliseconds(500), logger: logger) {
                let attempt = attempts.withLock { count -> Int in
                    count += 1
                    return count
                }
                let connection = try await Connection.connect(attempt < 3 ? refused : url)
                return try await connection.query("SELECT 1::int AS one").rows.count
            }
            #expect(answer == 1)
            #expect(attempts.withLock { $0 } == 3)
        }
        let pause = try #require(store.events("ingest.pause").first)
        #expect(pause.metadata["service"] == .string("database"))
        #expect(store.events("ingest.resume").count == 1)
    }

    /// The workers as processes, with a database that refuses: each logs the pause and keeps running
    /// (instead of exiting with the error) until SIGTERM ends it.
    @Test("hinfo and efd stream wait for their database at start", arguments: [
        ["hinfo", "--instrument", "LSSTCam", "--schema", "cdb_demo", "--metrics-port", "0"],
        ["efd", "stream", "--instrument", "demo", "--efd-config", TestFiles.package("config/demo/efd_demo.yaml").path, "--metrics-port", "0"],
    ])
    func workersWaitAtStart(arguments: [String]) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does): \(DeliveryTests.binary)")
        try await RefusingPort.with { port in
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: DeliveryTests.binary)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment.merge([
                "CONSDB_DATABASE_URL": "postgresql://consdb@127.0.0.1:\(port)/consdb?connect_timeout=5",
                "CONSDB_LOG_LEVEL": "warning",
                "KAFKA_BOOTSTRAP": "127.0.0.1:9092",
                "SCHEMA_URL": "http://127.0.0.1:8081",
            ]) { _, new in new }
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            // A file, not a pipe: nothing can block on a full pipe, and the test reads it as it grows.
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            defer { WorkerProcess.killIfRunning(process) }

            let end = ContinuousClock.now + .seconds(60)
            var text = ""
            while !text.contains("event=ingest.pause"), process.isRunning, ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(50))
                text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            }
            #expect(text.contains("event=ingest.pause"), "no pause logged; the worker printed: \(text)")
            #expect(text.contains("service=database"), "\(text)")
            #expect(process.isRunning, "the worker exited instead of waiting: \(text)")
            kill(process.processIdentifier, SIGTERM)
            try await WorkerProcess.exitStatus(process, within: .seconds(30), "the waiting worker after SIGTERM")
        }
    }
}
