import Foundation
import HeaderFile
import Ingest
import Testing
import TestSupport

enum Headers {
    static let realLATISSPath = "headers/ATHeaderService_header_AT_O_20240801_000302.yaml"

    static func realLATISSBytes() throws -> [UInt8] {
        try [UInt8](Data(contentsOf: TestFiles.reference(realLATISSPath)))
    }

    static func realLATISS() throws -> HeaderFile {
        try HeaderFile.parse(realLATISSBytes())
    }

    /// The real header with keywords replaced (nil removes the keyword) in PRIMARY.
    static func realLATISS(replacing changes: [String: HeaderValue?]) throws -> HeaderFile {
        let file = try realLATISS()
        return HeaderFile(sections: file.sections.map { section in
            guard section.name == "PRIMARY" else { return section }
            var cards = section.cards.compactMap { card -> HeaderCard? in
                guard let keyword = card.keyword, let change = changes[keyword] else { return card }
                guard let value = change else { return nil }
                return HeaderCard(keyword: keyword, value: value, comment: card.comment)
            }
            for (keyword, value) in changes where section[keyword] == nil {
                if let value { cards.append(HeaderCard(keyword: keyword, value: value)) }
            }
            return HeaderSection(name: section.name, cards: cards)
        })
    }

    static func yaml(_ file: HeaderFile) -> [UInt8] { Array(HeaderFileWriter.yaml(file).utf8) }
}

/// The `consdb` binary as a child process of a test, with the parent's environment plus `environment`.
enum WorkerProcess {
    static func launch(_ arguments: [String], environment extra: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DeliveryTests.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        environment["CONSDB_LOG_LEVEL"] = ProcessInfo.processInfo.environment["INGEST_TEST_LOG_LEVEL"] ?? "error"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        // Not the test run's own stderr: if the test process died, an orphaned worker holding that pipe
        // would keep `swift test` waiting for ever instead of reporting the failure.
        if ProcessInfo.processInfo.environment["INGEST_TEST_LOG_LEVEL"] == nil { process.standardError = FileHandle.nullDevice }
        try process.run()
        return process
    }

    /// Kills `process` if it still runs: for `defer` right after `launch`, so that a test that fails or
    /// throws leaves no worker behind.
    static func killIfRunning(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits until `process` has exited and returns its status; after `deadline` (a hang guard, not a
    /// timing) it is killed and the test fails. Polls: `waitUntilExit` spins a run loop on Linux.
    @discardableResult
    static func exitStatus(_ process: Process, within deadline: Duration = .seconds(120), _ what: String = "the worker process") async throws -> Int32 {
        let end = ContinuousClock.now + deadline
        while process.isRunning {
            guard ContinuousClock.now < end else {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("\(what) did not exit within \(deadline)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }
}

/// Waits (polling every 50 ms) until `condition` holds; after `timeout` (a hang guard, not a timing) the
/// test fails naming `what`. The harnesses' and suites' own `waitUntil`s are this one.
func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting for \(what)")
    throw CancellationError()
}
