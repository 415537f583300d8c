import Hummingbird

/// Requires `Authorization: Bearer <token>` on write endpoints when a token is configured.
struct WriteTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, Self.isWriteEndpoint(request.uri.path) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            var error = APIError(.unauthorized, "This endpoint needs a bearer token")
            error.headers = [.wwwAuthenticate: "Bearer"]
            throw error
        }
        guard Self.constantTimeEqual(String(header.dropFirst(7)), token) else {
            var error = APIError(.unauthorized, "Invalid bearer token")
            error.headers = [.wwwAuthenticate: "Bearer error=\"invalid_token\""]
            throw error
        }
        return try await next(request, context)
    }

    /// Writes are the flex and insert endpoints; queries and reads stay open.
    static func isWriteEndpoint(_ path: String) -> Bool {
        path.contains("/flex/") || path.contains("/insert/")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
