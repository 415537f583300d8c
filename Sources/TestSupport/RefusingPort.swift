import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port that refuses connections and that no other program can take while this value
/// lives: a socket bound to a port the kernel chose, never listening (a connection gets a reset).
///
/// Tests of "the service is down" use it instead of assuming that some well-known port (1, 9) is closed.
public final class RefusingPort: Sendable {
    public let port: Int
    private let socket: Int32

    public init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackSocketError(operation: "socket", errno: errno) }
        do {
            port = try LoopbackSocket.bindEphemeral(fd)
        } catch {
            close(fd)
            throw error
        }
        socket = fd
    }

    /// Runs `body` with the port of a `RefusingPort` that lives until `body` returns.
    public static func with<T>(_ body: (Int) async throws -> T) async throws -> T {
        let refusing = try RefusingPort()
        // The socket must outlive `body`, which sees only the number.
        defer { withExtendedLifetime(refusing) {} }
        return try await body(refusing.port)
    }

    deinit { close(socket) }
}

public struct LoopbackSocketError: Error, CustomStringConvertible {
    public var operation: String
    public var errno: Int32
    public var description: String { "\(operation) on a loopback socket failed: \(String(cString: strerror(errno)))" }
}

enum LoopbackSocket {
    /// Binds `fd` to 127.0.0.1 on a port the kernel chooses and returns that port.
    static func bindEphemeral(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw LoopbackSocketError(operation: "bind", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
