import Foundation
import Hummingbird

/// Requires one of the configured tokens on write endpoints (and, with ``APIConfiguration/authenticateReads``,
/// on every endpoint but the probes, the root documents and the API docs).
///
/// The token comes as `Authorization: Bearer <token>` (ConsDbClient's `token=`) or as the password of
/// HTTP Basic with any user name (`https://user:<token>@host/consdb` in `requests`, httpx's
/// `auth=(user, token)`). Tokens are never logged nor echoed back.
struct WriteTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let tokens: [String]
    let authenticateReads: Bool
    /// The API's path prefix, e.g. `/consdb` (no trailing slash).
    let prefix: String
    /// More exact paths that stay open when reads need a token: the TAP service's VOSI capabilities and
    /// availability, which TAP 1.1 requires to be anonymous.
    let anonymousPaths: Set<String>

    init(tokens: [String], authenticateReads: Bool = false, prefix: String = "/consdb", anonymousPaths: Set<String> = []) {
        self.tokens = tokens
        self.authenticateReads = authenticateReads
        self.anonymousPaths = anonymousPaths
        var prefix = prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.prefix = prefix
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard needsToken(method: request.method, path: request.uri.path) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized("This endpoint needs a token: send Authorization: Bearer <token>, or HTTP Basic with the token as the password")
        }
        switch Self.presented(header) {
        case .unsupportedScheme:
            throw Self.unauthorized("Unsupported authorization scheme: use Bearer <token>, or HTTP Basic with the token as the password")
        case .malformed(let reason):
            throw Self.unauthorized("Malformed credentials: \(reason)")
        case .token(let token):
            guard Self.matchesAny(token, tokens) else {
                throw Self.unauthorized("Invalid token", invalidToken: true)
            }
        }
        return try await next(request, context)
    }

    /// Writes (POSTs to the flex and insert endpoints) always; everything else only with
    /// `authenticateReads`, and never the probes, metrics, root documents or API docs.
    func needsToken(method: HTTPRequest.Method, path: String) -> Bool {
        if method == .post, Self.isWriteEndpoint(path) { return true }
        return authenticateReads && !isOpenPath(path)
    }

    /// Writes are the flex and insert endpoints; queries and reads stay open unless configured otherwise.
    static func isWriteEndpoint(_ path: String) -> Bool {
        path.contains("/flex/") || path.contains("/insert/")
    }

    /// Paths that stay open when reads need a token: what probes, scrapers and a browser on the docs ask
    /// for. Exact paths, plus whatever lies under the docs pages (their assets) when the path has no dot
    /// segment or percent-encoding that could route it elsewhere.
    func isOpenPath(_ path: String) -> Bool {
        let exact: Set<String> = [
            "/", "/healthz", "/readyz", "/metrics", prefix, prefix + "/", prefix + "/openapi.json",
            prefix + "/docs", prefix + "/redoc",
        ]
        if exact.contains(path) || anonymousPaths.contains(path) { return true }
        let docsPrefixes = [prefix + "/docs/", prefix + "/redoc/"]
        guard docsPrefixes.contains(where: { path.hasPrefix($0) }), !path.contains("%") else { return false }
        return !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
    }

    // MARK: - Credentials

    /// What an `Authorization` header presents.
    enum Presented: Equatable {
        /// A Bearer token, or the password of Basic credentials.
        case token(String)
        /// A scheme other than Bearer or Basic.
        case unsupportedScheme
        /// Bearer or Basic, but unreadable; the reason names no part of the credentials.
        case malformed(String)
    }

    /// Reads an `Authorization` header value. The scheme is case-insensitive (RFC 9110); a Bearer token
    /// is everything after the one space; Basic is base64 of `user:password` in UTF-8, split at the
    /// first colon (a user name cannot hold one, a password can).
    static func presented(_ header: String) -> Presented {
        let scheme: Substring
        let rest: Substring
        if let space = header.firstIndex(of: " ") {
            scheme = header[..<space]
            rest = header[header.index(after: space)...]
        } else {
            scheme = Substring(header)
            rest = ""
        }
        switch scheme.lowercased() {
        case "bearer":
            return rest.isEmpty ? .malformed("Bearer without a token") : .token(String(rest))
        case "basic":
            let encoded = rest.trimmingCharacters(in: .whitespaces)
            guard !encoded.isEmpty else { return .malformed("Basic without credentials") }
            let padded = encoded + String(repeating: "=", count: (4 - encoded.utf8.count % 4) % 4)
            guard let data = Data(base64Encoded: padded) else {
                return .malformed("Basic credentials are not valid base64")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                return .malformed("Basic credentials are not UTF-8")
            }
            guard let colon = text.firstIndex(of: ":") else {
                return .malformed("Basic credentials need user:password (any user name, the token as the password)")
            }
            return .token(String(text[text.index(after: colon)...]))
        default:
            return .unsupportedScheme
        }
    }

    /// Whether `presented` equals one of `tokens`, comparing against every one of them in constant time
    /// for a given length, so the time taken does not tell which token (if any) came close.
    static func matchesAny(_ presented: String, _ tokens: [String]) -> Bool {
        var matched: UInt8 = 0
        for token in tokens {
            matched |= constantTimeEqual(presented, token) ? 1 : 0
        }
        return matched == 1
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }

    // MARK: - The 401

    static let realm = "consdb"

    /// A 401 with both challenges as two `WWW-Authenticate` fields, so a client may answer either.
    static func unauthorized(_ message: String, invalidToken: Bool = false) -> APIError {
        var error = APIError(.unauthorized, message)
        let bearer = invalidToken ? "Bearer realm=\"\(realm)\", error=\"invalid_token\"" : "Bearer realm=\"\(realm)\""
        // A dictionary literal of HTTPFields keeps repeated names as separate fields, in order.
        error.headers = [.wwwAuthenticate: bearer, .wwwAuthenticate: "Basic realm=\"\(realm)\""]
        return error
    }
}
