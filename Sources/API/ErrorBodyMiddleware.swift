import Foundation
import Hummingbird
import Postgres

/// Turns anything unexpected into a logged 500 with a JSON body, and logs 5xx responses with context.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as PostgresError {
            // Database errors a route did not map itself (e.g. reading the catalog): 503 while the
            // database is unreachable, 4xx for bad data, else a logged 500.
            let mapped = APIError.from(error)
            if mapped.status.code >= 500 {
                context.logger.error("database error", metadata: ["event": "api.database_error", "error": "\(error)"])
            }
            throw mapped
        } catch let error as any HTTPResponseError {
            // Hummingbird's own errors (404 for no route, 413 for a large body) in our JSON shape; a path
            // that exists with other methods is a 405 naming them.
            if error.status.code == 404 {
                let allowed = routes.methods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    var notAllowed = APIError(.methodNotAllowed, "Method not allowed", value: .string(request.method.rawValue), valid: allowed)
                    notAllowed.headers = [.allow: allowed.joined(separator: ", ")]
                    throw notAllowed
                }
                throw APIError(.notFound, "No such endpoint", value: .string(request.uri.path))
            }
            throw APIError(error.status, error.status.reasonPhrase, value: .string(request.uri.path))
        } catch {
            context.logger.error("unhandled error", metadata: ["event": "api.unhandled", "error": "\(error)"])
            throw APIError(.internalServerError, "Internal error")
        }
    }
}

/// The router's routes, filled in once every route is registered, to tell 405 from 404.
final class RouteTable: @unchecked Sendable {
    // @unchecked Sendable: `routes` is only read and written under `lock`.
    private let lock = NSLock()
    private var routes: [(method: String, segments: [Substring])] = []

    func set(_ table: [(method: String, path: String)]) {
        lock.withLock { routes = table.map { ($0.method, $0.path.split(separator: "/")) } }
    }

    /// Methods served for `path`, where a `{parameter}` segment matches any segment.
    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/")
        return lock.withLock {
            Set(routes.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
            }.map(\.method)).sorted()
        }
    }
}
