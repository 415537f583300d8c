import Foundation
import Synchronization

/// A server program the tests start (e.g. `moto_server` for S3) and stop after.
///
/// The program binds a port of its own choosing (port 0) and says which on its output; no port is picked
/// here and handed over, which would race with every other program looking for a free port.
public final class ExternalServer: Sendable {
    public let port: Int
    private let process: Process
    private let output: OutputLines

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, process: Process, output: OutputLines) {
        self.port = port
        self.process = process
        self.output = output
    }

    public struct NotFound: Error, CustomStringConvertible {
        public var program: String
        public var description: String { "\(program) is not installed (scripts/install-deps installs it)" }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public var program: String
        public var output: String
        public var description: String { "\(program) did not say which port it listens on in time; its output: \(output)" }
    }

    /// `moto_server` (S3) on 127.0.0.1, on the port it chooses (Werkzeug prints "Running on http://127.0.0.1:PORT").
    public static func motoServer(timeout: Duration = .seconds(120)) async throws -> ExternalServer {
        try await start("moto_server", arguments: ["-H", "127.0.0.1", "-p", "0"], timeout: timeout) { line in
            guard let range = line.range(of: "Running on http://127.0.0.1:") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }

    /// Starts `program` and waits (up to `timeout`) until a line of its output (stdout or stderr) gives
    /// `reportedPort` and that port accepts connections. The output is read (and dropped) until the end,
    /// so a chatty server never blocks on a full pipe.
    public static func start(_ program: String, arguments: [String], timeout: Duration = .seconds(30),
                             reportedPort: @escaping @Sendable (Substring) -> Int?) async throws -> ExternalServer {
        guard let path = findExecutable(program) else { throw NotFound(program: program) }
        let output = OutputLines(reportedPort: reportedPort)
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, process.isRunning {
            if let port = output.port, portAccepts(port) { return ExternalServer(port: port, process: process, output: output) }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop(process)
        throw TimedOut(program: program, output: output.head)
    }

    /// Stops the server: SIGTERM, then SIGKILL if it is still running after three seconds.
    public func stop() { Self.stop(process) }

    /// Polls instead of `Process.waitUntilExit()`, which on Linux spins a run loop on the calling thread
    /// (a cooperative-pool thread in async tests) and starved the rest of the test run.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        for _ in 0..<300 where process.isRunning { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            for _ in 0..<100 where process.isRunning { usleep(10_000) }
        }
    }

    deinit { stop() }

    static func findExecutable(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func portAccepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A server's output as it arrives: the port it reports, and its first few kilobytes for error messages.
private final class OutputLines: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var head = ""
        var port: Int?
    }

    private let state = Mutex(State())
    private let reportedPort: @Sendable (Substring) -> Int?

    init(reportedPort: @escaping @Sendable (Substring) -> Int?) { self.reportedPort = reportedPort }

    var port: Int? { state.withLock { $0.port } }
    var head: String { state.withLock { $0.head } }

    func append(_ data: Data) {
        state.withLock { state in
            guard state.port == nil else { return }
            state.pending += data
            while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: state.pending[..<newline], as: UTF8.self)
                state.pending.removeSubrange(...newline)
                if state.head.utf8.count < 4096 { state.head += line + "\n" }
                if let port = reportedPort(Substring(line)) {
                    state.port = port
                    state.pending = []
                    return
                }
            }
        }
    }
}
