import Hummingbird

/// Turns HTTP requests into registry answers. Every failure, a malformed or oversized body included,
/// becomes an error answer in the registry's JSON shape; nothing a client sends can crash the server.
struct RegistryResponder {
    static let contentType = "application/vnd.schemaregistry.v1+json"

    let core: RegistryCore
    let maximumBodyBytes: Int

    func respond(to request: Request) async throws -> Response {
        do throws(SchemaRegistryError) {
            try core.admit(authorization: request.headers[.authorization])
            let route = try RegistryRoute(method: request.method.rawValue, path: request.uri.path)
            var body: [UInt8] = []
            if case .register = route { body = try await readBody(request) }
            return Self.response(status: 200, json: try core.answer(route, body: body))
        } catch {
            return Self.response(status: error.status, json: error.json)
        }
    }

    /// Collects the body, stopping at the limit. A declared length over the limit is refused before
    /// reading; Hummingbird then discards the unread rest, so the client still gets the answer.
    private func readBody(_ request: Request) async throws(SchemaRegistryError) -> [UInt8] {
        let tooLarge = SchemaRegistryError.http(413, "Request body larger than \(maximumBodyBytes) bytes")
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maximumBodyBytes {
            throw tooLarge
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= maximumBodyBytes else { throw tooLarge }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as SchemaRegistryError {
            throw error
        } catch {
            throw .http(400, "The request body could not be read: \(error)")
        }
        return bytes
    }

    private static func response(status: Int, json: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: json))
        )
    }
}
