import Hummingbird

extension TAPParameters {
    /// The parameters of a TAP request: its query string, then (for a POST) its form-encoded body.
    ///
    /// A multipart body is refused: it is how clients send `UPLOAD` tables, which this service does not
    /// offer (its capabilities say so).
    public static func read(from request: Request, bodyLimit: Int) async throws -> TAPParameters {
        var parameters = TAPParameters()
        if let query = request.uri.query {
            for (name, value) in try parseForm(Substring(query)) { parameters.append(name, value) }
        }
        guard request.method == .post else { return parameters }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("multipart/") {
            throw TAPRequestError("UPLOAD and multipart requests are not supported by this service; send the parameters form-encoded")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: bodyLimit)
        } catch {
            throw TAPRequestError("The request body is larger than \(bodyLimit) bytes")
        }
        guard body.readableBytes > 0 else { return parameters }
        guard contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw TAPRequestError("Unsupported request body type '\(contentType)'; send application/x-www-form-urlencoded")
        }
        guard let text = String(validating: Array(body.readableBytesView), as: UTF8.self) else {
            throw TAPRequestError("The request body is not UTF-8 text")
        }
        for (name, value) in try parseForm(Substring(text)) { parameters.append(name, value) }
        return parameters
    }
}
