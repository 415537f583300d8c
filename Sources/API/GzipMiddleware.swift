import Foundation
import CompressNIO
import Hummingbird

/// Compresses answers of `minimumSize` bytes or more with gzip for clients that accept it, as the
/// reference's `GZipMiddleware(minimum_size=1000)` does.
///
/// An answer of known length is compressed whole and keeps an exact `Content-Length`. A streamed answer
/// (unknown length, e.g. `POST /consdb/query`) is compressed as it is written: every buffer the route
/// writes is deflated and sync-flushed, so the client can decode each batch as soon as it arrives, and
/// memory stays at one deflate state plus one output window whatever the answer's size. Errors thrown by
/// the routes are turned into their responses here, so large error answers are compressed too.
struct GzipMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    /// Answers shorter than this go out plain (compressing them gains nothing).
    var minimumSize = 1000
    /// Known-length answers up to this size are compressed in one piece (with a `Content-Length`);
    /// larger ones are streamed through the compressor like answers of unknown length.
    var wholeBodyLimit = 4 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        guard Self.mayCarryBody(response.status), response.headers[.contentEncoding] == nil else { return response }
        let length = response.body.contentLength
        if let length, length < minimumSize { return response }
        // From here the answer depends on Accept-Encoding, so caches must key on it.
        Self.addVary(to: &response.headers)
        guard AcceptEncoding.allowsGzip(request.headers[values: .acceptEncoding]) else { return response }

        response.headers[.contentEncoding] = "gzip"
        if let length, length <= wholeBodyLimit {
            response.body = ResponseBody(byteBuffer: try await Self.compressWhole(response.body, capacity: length))
        } else {
            // Setting a body of unknown length also drops the plain answer's Content-Length.
            let original = response.body
            response.body = ResponseBody { writer in
                try await original.write(GzipBodyWriter(parent: writer))
            }
        }
        return response
    }

    /// 1xx, 204 and 304 answers have no body to compress.
    static func mayCarryBody(_ status: HTTPResponse.Status) -> Bool {
        status.code >= 200 && status != .noContent && status != .notModified
    }

    static func addVary(to headers: inout HTTPFields) {
        let present = headers[values: .vary].contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "accept-encoding" }
        }
        if !present { headers.append(.init(name: .vary, value: "Accept-Encoding")) }
    }

    /// The whole body, gzip-compressed in one call.
    private static func compressWhole(_ body: ResponseBody, capacity: Int) async throws -> ByteBuffer {
        let collector = BodyCollector(capacity: capacity)
        try await body.write(collector)
        return try collector.buffer.compress(with: ZlibAlgorithm.gzip)
    }
}

/// Gathers a known-length body so it can be compressed whole.
private final class BodyCollector: ResponseBodyWriter {
    var buffer: ByteBuffer

    init(capacity: Int) { buffer = ByteBuffer(); buffer.reserveCapacity(capacity) }

    func write(_ part: ByteBuffer) async throws {
        var part = part
        buffer.writeBuffer(&part)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// A body writer that gzip-compresses what is written to it into `parent`, flushing the deflate stream
/// (`Z_SYNC_FLUSH`) at every write so each written piece reaches the client decodable.
///
/// It owns its zlib stream: the `ZlibCompressor` frees it when this writer is released, which happens
/// when the response body's closure returns or throws.
private final class GzipBodyWriter: ResponseBodyWriter {
    /// Compressed output goes out in pieces of at most this size.
    static let windowSize = 64 << 10

    private var parent: any ResponseBodyWriter
    private let compressor: ZlibCompressor
    private var window: ByteBuffer

    init(parent: any ResponseBodyWriter) throws {
        self.parent = parent
        compressor = try ZlibCompressor(algorithm: .gzip)
        window = ByteBuffer()
        window.reserveCapacity(Self.windowSize)
    }

    func write(_ buffer: ByteBuffer) async throws {
        var input = buffer
        guard input.readableBytes > 0 else { return }
        try await input.compressStream(with: compressor, window: &window, flush: .sync) { try await self.parent.write($0) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {
        var input = ByteBuffer()
        try await input.compressStream(with: compressor, window: &window, flush: .finish) { try await self.parent.write($0) }
        try await parent.finish(trailingHeaders)
    }
}
