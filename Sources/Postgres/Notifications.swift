import CLibPQ
import Glibc

/// A `NOTIFY` received on a connection that `LISTEN`s.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    /// The notifying backend's process id.
    public var processID: Int32

    public init(channel: String, payload: String, processID: Int32) {
        self.channel = channel
        self.payload = payload
        self.processID = processID
    }
}

extension Connection {
    /// `LISTEN channel`: from now on, `NOTIFY channel` in any committed transaction is delivered to
    /// ``notifications(waitingUpTo:)``.
    public func listen(_ channel: String) async throws {
        try await execute("LISTEN " + SQL.quoteIdentifier(channel))
    }

    /// The notifications that have arrived, waiting up to `timeout` for the first one. Waits on the
    /// connection's socket on its own queue (never the cooperative pool), so use a connection that does
    /// nothing else. Throws ``PostgresError/Code/connectionLost`` when the connection broke.
    public func notifications(waitingUpTo timeout: Duration) async throws -> [PostgresNotification] {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await onQueue { handle in
            var received = try Self.drain(handle)
            guard received.isEmpty, milliseconds > 0 else { return received }
            let socket = PQsocket(handle)
            guard socket >= 0 else { throw PostgresError(code: .connectionLost, message: Connection.trimmedError(handle)) }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, milliseconds)
            received = try Self.drain(handle)
            return received
        }
    }

    /// Reads what the server sent and takes every queued notification.
    private static func drain(_ handle: OpaquePointer) throws -> [PostgresNotification] {
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(code: .connectionLost, message: trimmedError(handle))
        }
        var received: [PostgresNotification] = []
        while let notice = PQnotifies(handle) {
            let entry = notice.pointee
            received.append(PostgresNotification(
                channel: String(cString: entry.relname), payload: entry.extra.map { String(cString: $0) } ?? "", processID: entry.be_pid
            ))
            PQfreemem(notice)
        }
        return received
    }
}
