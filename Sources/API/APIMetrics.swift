import Dispatch
import Foundation
import Hummingbird
import Postgres
import Prometheus

/// The API's Prometheus metrics, in a registry of its own (no global metrics system to bootstrap, so
/// tests and embedded servers each get their own).
public final class APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let poolOpen: Gauge
    private let poolInUse: Gauge
    private let poolWaiting: Gauge
    private let poolMax: Gauge
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        poolOpen = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "consdb_db_pool_connections_open", unitName: "", helpText: "Open database connections"))
        poolInUse = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "consdb_db_pool_connections_in_use", unitName: "", helpText: "Database connections lent to requests"))
        poolWaiting = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "consdb_db_pool_waiters", unitName: "", helpText: "Requests waiting for a database connection"))
        poolMax = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "consdb_db_pool_connections_max", unitName: "", helpText: "Upper bound of database connections"))
    }

    func recordPool(_ statistics: ConnectionPool.Statistics, maxConnections: Int) {
        poolOpen.set(Double(statistics.open))
        poolInUse.set(Double(statistics.inUse))
        poolWaiting.set(Double(statistics.waiting))
        poolMax.set(Double(maxConnections))
    }

    func record(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "consdb_http_requests", unitName: "total", helpText: "HTTP requests by route, method and status"), labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "consdb_http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
            labels: [("route", route), ("method", method)],
            buckets: Self.latencyBuckets
        ).recordNanoseconds(Int64(clamping: nanoseconds))
    }
}

/// Counts requests by route and status and times them, including the time to stream the body.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        do {
            var response = try await next(request, context)
            let route = context.endpointPath ?? "unmatched"
            let status = response.status.code
            let metrics = self.metrics
            let original = response.body
            response.body = ResponseBody(contentLength: original.contentLength) { writer in
                defer {
                    metrics.record(route: route, method: method, status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
                }
                try await original.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(route: context.endpointPath ?? "unmatched", method: method, status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
            throw error
        }
    }
}

/// Turns anything unexpected into a logged 500 with a JSON body, and logs 5xx responses with context.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
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
