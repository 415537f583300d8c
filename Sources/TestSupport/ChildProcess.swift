import Dispatch
import Foundation

/// A program a test runs to completion (a real HTTP client, a headless browser), on a thread of its own:
/// waiting for a process blocks, which must not happen on the cooperative pool.
public struct ChildProcess {
    public struct Result: Sendable, CustomStringConvertible {
        public var status: Int32
        public var output: Data
        public var errorText: String
        public var text: String { String(decoding: output, as: UTF8.self) }
        public var description: String { "exit \(status); stderr: \(errorText.suffix(2000))" }
    }

    public struct NotFound: Error, CustomStringConvertible {
        public var program: String
        public var description: String { "\(program) is not on PATH (scripts/install-deps installs it)" }
    }

    /// The full path of `program` on PATH, if any.
    public static func find(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `program` with `arguments` (and `environment` added to this process's) and returns its exit
    /// status, standard output and standard error.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        guard let path = find(program) else { throw NotFound(program: program) }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: path)
                    process.arguments = arguments
                    if !environment.isEmpty {
                        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
                    }
                    process.standardInput = FileHandle.nullDevice
                    let output = Pipe()
                    process.standardOutput = output
                    // Standard error goes to a file, so a chatty program cannot block on a full pipe
                    // while its standard output is being read.
                    let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-child-\(UUID().uuidString).err")
                    _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
                    let errorHandle = try FileHandle(forWritingTo: errorURL)
                    defer {
                        try? errorHandle.close()
                        try? FileManager.default.removeItem(at: errorURL)
                    }
                    process.standardError = errorHandle
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    let errorText = String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self)
                    continuation.resume(returning: Result(status: process.terminationStatus, output: data, errorText: errorText))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
