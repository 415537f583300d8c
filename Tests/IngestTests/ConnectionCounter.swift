import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP listener that only counts the connections made to it (and closes them): a stand-in
/// for an internal service, to show that nothing reached it.
final class ConnectionCounter: @unchecked Sendable {
    // @unchecked Sendable: `count` and `stopped` are only touched under `lock`; the socket is closed
    // once, after the accept thread has seen `stopped`.
    let port: Int
    private let socket: Int32
    private let lock = NSLock()
    private var connections = 0
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var count: Int { lock.withLock { connections } }

    private func acceptLoop() {
        while !lock.withLock({ stopped }) {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(socket, nil, nil)
            if client >= 0 {
                lock.withLock { connections += 1 }
                close(client)
            }
        }
        finished.signal()
    }

    func stop() {
        lock.withLock { stopped = true }
        finished.wait()
        close(socket)
    }
}
