import Dispatch
import Hummingbird
import Postgres
import Prometheus
import Synchronization

/// The API's Prometheus metrics, in a registry of its own (no global metrics system to bootstrap, so
/// tests and embedded servers each get their own).
public final class APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let poolOpen: Gauge
    private let poolInUse: Gauge
    private let poolWaiting: Gauge
    private let poolMax: Gauge
    private let requestHandleCache = Mutex<[RequestLabels: RequestHandles]>([:])
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
        let handles = requestHandles(RequestLabels(route: route, method: method, status: status))
        handles.requests.increment()
        handles.duration.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// The handles of one label set, made on its first request and kept: asking the registry on every
    /// request would validate and sort the labels and build their key each time.
    private func requestHandles(_ labels: RequestLabels) -> RequestHandles {
        if let handles = requestHandleCache.withLock({ $0[labels] }) { return handles }
        // Made outside the lock: the registry has its own, and returns the same handle to a racing request.
        let handles = RequestHandles(
            requests: registry.makeCounter(
                descriptor: MetricNameDescriptor(metricName: "consdb_http_requests", unitName: "total", helpText: "HTTP requests by route, method and status"),
                labels: [("route", labels.route), ("method", labels.method), ("status", String(labels.status))]
            ),
            duration: registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(metricName: "consdb_http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
                labels: [("route", labels.route), ("method", labels.method)],
                buckets: Self.latencyBuckets
            )
        )
        requestHandleCache.withLock { $0[labels] = handles }
        return handles
    }
}

/// The labels of one request's metrics.
private struct RequestLabels: Hashable {
    var route: String
    var method: String
    var status: Int
}

/// The metrics one request updates.
private struct RequestHandles: Sendable {
    var requests: Counter
    var duration: DurationHistogram
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
