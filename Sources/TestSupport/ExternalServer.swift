import Foundation

/// A server program the tests start on a free loopback port (e.g. `moto_server` for S3) and stop after.
public final class ExternalServer: @unchecked Sendable {
    // @unchecked Sendable: `process` is set once in `start` and only terminated afterwards.
    public let port: Int
    private let process: Process

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    public struct NotFound: Error, CustomStringConvertible {
        public var program: String
        public var description: String { "\(program) is not installed (scripts/install-deps installs it)" }
    }

    /// Starts `program` with `arguments(port)` and waits (up to `timeout`) until the port accepts connections.
    public static func start(_ program: String, arguments: (Int) -> [String], timeout: Duration = .seconds(30)) async throws -> ExternalServer {
        guard let path = findExecutable(program) else { throw NotFound(program: program) }
        var lastError: Error?
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments(port)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let server = ExternalServer(port: port, process: process)
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline, process.isRunning {
                if portAccepts(port) { return server }
                try await Task.sleep(for: .milliseconds(50))
            }
            server.stop()
            lastError = TimedOut(program: program, port: port)
        }
        throw lastError ?? TimedOut(program: program, port: 0)
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public var program: String
        public var port: Int
        public var description: String { "\(program) did not listen on port \(port) in time" }
    }

    /// Stops the server: SIGTERM, then SIGKILL if it is still running after three seconds.
    ///
    /// Polls instead of `Process.waitUntilExit()`, which on Linux spins a run loop on the calling thread
    /// (a cooperative-pool thread in async tests) and starved the rest of the test run.
    public func stop() {
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
