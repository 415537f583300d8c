import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP answer as the raw client saw it.
struct RawHTTPResponse: Sendable {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object; `nil` when it is not one.
    var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    var errorCode: Int? { object?["error_code"] as? Int }
}

/// A minimal HTTP/1.1 client over a plain socket. The Fetch module only GETs and drops the body of error
/// answers; these tests need POSTs, error bodies and requests no polite client would send.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func request(
        port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> RawHTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try await send(port: port, Array(head.utf8) + (body ?? []))
    }

    static func post(port: Int, _ path: String, json: String) async throws -> RawHTTPResponse {
        try await request(port: port, "POST", path, headers: [("Content-Type", "application/vnd.schemaregistry.v1+json")], body: Array(json.utf8))
    }

    static func get(port: Int, _ path: String) async throws -> RawHTTPResponse {
        try await request(port: port, "GET", path)
    }

    /// Sends `bytes` as they are and reads one response. The blocking socket calls run on a thread of
    /// their own: on Linux, `DispatchQueue.global()` shares its few threads with Swift's cooperative pool,
    /// so parallel tests blocked there starved the server's handlers until the receive timeout.
    static func send(port: Int, _ bytes: [UInt8]) async throws -> RawHTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try exchange(port: port, bytes) })
            }.start()
        }
    }

    /// Whether anything accepts connections on the port.
    static func accepts(port: Int) -> Bool {
        guard let descriptor = try? connect(port: port) else { return false }
        close(descriptor)
        return true
    }

    private static func connect(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
        return descriptor
    }

    private static func exchange(port: Int, _ request: [UInt8]) throws -> RawHTTPResponse {
        let descriptor = try connect(port: port)
        defer { close(descriptor) }
        var sent = 0
        while sent < request.count {
            // MSG_NOSIGNAL: a server that answers early and closes must not kill the test process.
            let count = request[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { break }  // the server stopped reading; its answer may still be there
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if let response = try parse(received) { return response }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        let requestLine = String(decoding: request.prefix(while: { $0 != 13 }).prefix(120), as: UTF8.self)
        throw Failure(description: "\(requestLine): incomplete response after sending \(sent) of \(request.count) bytes (\(received.count) bytes received, errno \(errno)): \(String(decoding: received.prefix(200), as: UTF8.self))")
    }

    /// The response once `data` holds all of it (head and Content-Length bytes of body), else `nil`.
    private static func parse(_ data: [UInt8]) throws -> RawHTTPResponse? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = data.indices.dropLast(3).first(where: { data[$0..<$0 + 4].elementsEqual(separator) }) else { return nil }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap(Int.init) ?? 0
        let bodyStart = end + 4
        guard data.count >= bodyStart + length else { return nil }
        return RawHTTPResponse(status: status, headers: headers, body: Array(data[bodyStart..<bodyStart + length]))
    }
}
