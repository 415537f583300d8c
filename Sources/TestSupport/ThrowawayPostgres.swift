import Foundation

/// A second PostgreSQL server of a test's own (e.g. a replica), started by `scripts/pg-throwaway`, that the
/// test can halt and resume on the same port, and always stops in its cleanup.
public final class ThrowawayPostgres: Sendable {
    /// The server's maintenance database URL (`postgresql://consdb@127.0.0.1:PORT/postgres`).
    public let url: String
    private let directory: String

    private init(url: String, directory: String) {
        self.url = url
        self.directory = directory
    }

    /// The URL of database `name` on this server.
    public func url(forDatabase name: String) -> String {
        guard let slash = url.lastIndex(of: "/") else { return url + "/" + name }
        return String(url[...slash]) + name
    }

    /// `scripts/pg-throwaway` failed: its output says why.
    public struct ScriptFailed: Error, CustomStringConvertible {
        public var command: String
        public var output: String
        public var description: String { "scripts/pg-throwaway \(command) failed: \(output)" }
    }

    /// Starts a fresh cluster in a temporary folder (world-searchable, so the `postgres` user can reach it
    /// when the tests run as root).
    public static func start() async throws -> ThrowawayPostgres {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let output = try await script("start", base + "/pg")
        guard let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgresql://") else {
            throw ScriptFailed(command: "start", output: output)
        }
        return ThrowawayPostgres(url: url, directory: base)
    }

    /// Stops the server and keeps its data: connections fail until ``resume()``.
    public func halt() async throws { _ = try await Self.script("halt", directory + "/pg") }

    /// Starts the halted server again on the same port.
    public func resume() async throws { _ = try await Self.script("resume", directory + "/pg") }

    /// Stops the server and deletes its data.
    public func stop() async {
        _ = try? await Self.script("stop", directory + "/pg")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script through bash, which first closes every descriptor above 2: the server it starts
    /// must not inherit the test process's pipes and sockets (a server holding a pipe open kept a reader
    /// waiting for its end). Output goes to a file, read once the script has exited.
    private static func script(_ command: String, _ dir: String) async throws -> String {
        let script = TestFiles.package("scripts/pg-throwaway").path
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("pg-throwaway-\(UUID().uuidString.prefix(8)).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", """
            for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done 2>/dev/null
            exec "$0" "$@" >"$LOG" 2>&1 </dev/null
            """, script, command, dir]
        var environment = ProcessInfo.processInfo.environment
        environment["LOG"] = log
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Polled: `waitUntilExit()` spins a run loop on a cooperative-pool thread.
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw ScriptFailed(command: command, output: output) }
        return output
    }
}
