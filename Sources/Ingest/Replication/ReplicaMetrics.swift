import Prometheus
import Synchronization

/// The replicas' backlog as Prometheus metrics, in a registry of their own that a worker's metrics server
/// serves beside its own, and the readiness note while a replica lags.
public final class ReplicaMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Backlog rows above which a replica is said to lag (the readiness note).
    public let lagThreshold: Int
    private let gauges: [String: Handles]
    private let lagging = Mutex<[String: Int]>([:])

    struct Handles: Sendable {
        let lag: Gauge
        let parked: Gauge
        let oldest: Gauge
        let reachable: Gauge
        let applied: Counter
    }

    public init(replicas: [ReplicaTarget], lagThreshold: Int = 10_000, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.lagThreshold = lagThreshold
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
        }
        var gauges: [String: Handles] = [:]
        for replica in replicas {
            let labels = [("replica", replica.name)]
            gauges[replica.name] = Handles(
                lag: registry.makeGauge(descriptor: descriptor("consdb_replica_lag", "rows", "Rows written to the primary not yet applied to the replica (parked rows apart)"), labels: labels),
                parked: registry.makeGauge(descriptor: descriptor("consdb_replica_parked", "rows", "Rows the replica refused, waiting for consdb replicas --requeue"), labels: labels),
                oldest: registry.makeGauge(descriptor: descriptor("consdb_replica_oldest_pending", "seconds", "Age of the oldest row not yet applied"), labels: labels),
                reachable: registry.makeGauge(descriptor: descriptor("consdb_replica_reachable", "", "1 while the last drain reached the replica"), labels: labels),
                applied: registry.makeCounter(descriptor: descriptor("consdb_replica_rows_applied", "total", "Rows applied to the replica by this process"), labels: labels)
            )
        }
        self.gauges = gauges
        for handles in gauges.values { handles.reachable.set(1.0) }
    }

    func backlog(_ replica: String, pending: Int, parked: Int, oldestSeconds: Double) {
        guard let handles = gauges[replica] else { return }
        handles.lag.set(Double(pending))
        handles.parked.set(Double(parked))
        handles.oldest.set(oldestSeconds)
        lagging.withLock { $0[replica] = pending > lagThreshold ? pending : nil }
    }

    func reachable(_ replica: String, _ reachable: Bool) { gauges[replica]?.reachable.set(reachable ? 1.0 : 0.0) }

    func applied(_ replica: String, rows: Int) { if rows > 0 { gauges[replica]?.applied.increment(by: Int64(rows)) } }

    /// One line per replica whose backlog is over ``lagThreshold``, for the readiness answer.
    public var readinessNotes: [String] {
        lagging.withLock { $0 }.sorted { $0.key < $1.key }.map { "replica \($0.key) lags: \($0.value) rows not yet applied" }
    }

    /// The metrics in Prometheus' text format.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
