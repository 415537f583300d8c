// The client against a loopback server that answers with crafted raw HTTP: cut connections,
// answers that stop early, non-JSON bodies, proxies' error pages, silence.

import EFD
import Foundation
@testable import InfluxDB
import Ingest  // TopicBuffer as an InfluxRowTarget
import Testing

/// Answers every connection with `response` (raw bytes, written after the request has been read),
/// then closes it; `hangs` keeps the connection open without answering instead.
final class RawHTTPServer: @unchecked Sendable {
    // @unchecked Sendable: `listener` is set in init and closed only by the accept thread as it
    // exits (so its number cannot be reused by the next server while this thread still accepts on
    // it); `stop` only shuts it down, which wakes the blocked accept. The response is immutable.
    let port: Int
    private let listener: Int32
    private let response: [UInt8]
    private let hangs: Bool

    init(response: [UInt8], hangs: Bool = false) throws {
        self.response = response
        self.hangs = hangs
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                close(listener)  // shut down by stop()
                return
            }
            readRequest(connection)
            if hangs {
                Thread.sleep(forTimeInterval: 5)
            } else {
                response.withUnsafeBytes { _ = send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(connection)
        }
    }

    /// Reads the headers and a Content-Length body, so closing does not reset an unread request.
    private func readRequest(_ connection: Int32) {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            data += chunk[0..<count]
            guard let text = String(bytes: data, encoding: .isoLatin1), let end = text.range(of: "\r\n\r\n") else { continue }
            let headers = text[..<end.lowerBound].lowercased()
            var length = 0
            if let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
                length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            }
            if text.distance(from: text.startIndex, to: end.upperBound) + length <= data.count { return }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}

private let firstChunk = #"{"results":[{"statement_id":0,"series":[{"name":"t","columns":["time","a"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}"# + "\n"

private func http(_ status: String, headers: [String] = [], body: String) -> [UInt8] {
    Array(("HTTP/1.1 \(status)\r\n" + (headers + ["Connection: close"]).map { $0 + "\r\n" }.joined() + "\r\n" + body).utf8)
}

@Suite("InfluxDB client against a hostile server")
struct HostileServerTests {
    private func read(_ response: [UInt8], hangs: Bool = false, timeout: Duration = .seconds(10)) async throws -> (InfluxError?, TopicBuffer) {
        let server = try RawHTTPServer(response: response, hangs: hangs)
        defer { server.stop() }
        let client = try InfluxClient(settings: InfluxSettings(url: server.url, timeout: timeout))
        var buffer = TopicBuffer(fields: ["a"])
        do {
            _ = try await client.read(topic: "t", fields: ["a"], from: 0, through: 1, into: &buffer)
            return (nil, buffer)
        } catch {
            return (error, buffer)
        }
    }

    @Test func aConnectionCutMidAnswerIsATransientError() async throws {
        // Chunked transfer encoding, one chunk sent, then the connection closes without the last chunk.
        let hex = String(firstChunk.utf8.count, radix: 16)
        let (error, buffer) = try await read(http("200 OK", headers: ["Content-Type: application/json", "Transfer-Encoding: chunked"],
                                                  body: hex + "\r\n" + firstChunk + "\r\n"))
        guard case .connection? = error?.kind else { Issue.record("expected a connection error, got \(String(describing: error))"); return }
        #expect(error?.isTransient == true)
        #expect(buffer.count <= 2)  // what arrived before the cut may be in the buffer; the error says to discard it
    }

    @Test func anAnswerThatStopsAfterAPartialChunkIsTruncated() async throws {
        let (error, _) = try await read(http("200 OK", headers: ["Content-Length: \(firstChunk.utf8.count)"], body: firstChunk))
        #expect(error?.kind == .truncatedResponse)
        #expect(error?.isTransient == true)
        let cut = String(firstChunk.prefix(60))
        let (midDocument, _) = try await read(http("200 OK", headers: ["Content-Length: \(cut.utf8.count)"], body: cut))
        #expect(midDocument?.kind == .truncatedResponse)
    }

    @Test func notJSONIsMalformed() async throws {
        let page = "<html><body>It works!</body></html>\n"
        let (error, _) = try await read(http("200 OK", headers: ["Content-Length: \(page.utf8.count)"], body: page))
        #expect(error?.kind == .malformedResponse)
        #expect(error?.isTransient == false)
        #expect(error?.query?.hasPrefix("SELECT \"a\" FROM \"efd\".\"autogen\".\"t\"") == true)
    }

    @Test func proxyErrorPagesKeepTheirStatusAndText() async throws {
        let (error, _) = try await read(http("502 Bad Gateway", headers: ["Content-Length: 12"], body: "bad gateway\n"))
        #expect(error?.kind == .httpStatus(502))
        #expect(error?.message == "bad gateway")
        #expect(error?.isTransient == true)
        let body = #"{"error":"authorization failed"}"#
        let (denied, _) = try await read(http("401 Unauthorized", headers: ["Content-Length: \(body.utf8.count)"], body: body))
        #expect(denied?.kind == .httpStatus(401))
        #expect(denied?.message == "authorization failed")
        #expect(denied?.isTransient == false)
    }

    @Test func aSilentServerTimesOut() async throws {
        let (error, _) = try await read([], hangs: true, timeout: .milliseconds(300))
        #expect(error?.kind == .timedOut)
        #expect(error?.isTransient == true)
    }
}
