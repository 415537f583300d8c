import Logging
import Postgres
import Prometheus
import ServiceLifecycle

/// `consdb_efd_batch_tasks{instrument,status}`: the tasks of an instrument's queue per status (the
/// scheduler view's words), refreshed from the database every `interval` while the batch worker runs, on
/// its metrics port. A failed refresh keeps the last values and logs once per outage; the alert rules watch
/// `status="failed"` and `status="stale"`.
public final class BatchQueueGauges: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let instrument: String
    /// One handle per status, made once.
    private let gauges: [BatchSchedulerView.Status: Gauge]

    public init(instrument: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.instrument = instrument
        var gauges: [BatchSchedulerView.Status: Gauge] = [:]
        for status in BatchSchedulerView.Status.allCases {
            gauges[status] = registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: "consdb_efd_batch_tasks", unitName: "",
                                                 helpText: "EFD batch tasks by status (pending, idle, running, stale, completed, failed)"),
                labels: [("instrument", instrument), ("status", status.rawValue)]
            )
        }
        self.gauges = gauges
    }

    /// Sets every status' gauge (a status missing from `counts` is 0).
    public func record(_ counts: [BatchSchedulerView.Status: Int]) {
        for (status, gauge) in gauges { gauge.set(Double(counts[status] ?? 0)) }
    }

    /// Reads the counts and records them.
    public func refresh(pool: ConnectionPool) async throws {
        let counts = try await pool.withConnection { try await BatchQueueStatus.counts(instrument: instrument, on: $0) }
        record(counts)
    }

    /// The metrics in Prometheus' text format.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// A service that refreshes the gauges every `interval` until graceful shutdown.
    public func service(pool: ConnectionPool, interval: Duration = .seconds(15), logger: Logger) -> some Service {
        Refresher(gauges: self, pool: pool, interval: interval, logger: logger)
    }

    struct Refresher: Service {
        let gauges: BatchQueueGauges
        let pool: ConnectionPool
        let interval: Duration
        let logger: Logger

        func run() async throws {
            var failing = false
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                do {
                    try await gauges.refresh(pool: pool)
                    if failing { logger.info("batch queue gauges refreshed again", metadata: ["event": "efd.batch.gauges.resumed"]) }
                    failing = false
                } catch {
                    if !failing {
                        logger.warning("batch queue gauges not refreshed", metadata: ["event": "efd.batch.gauges.failed", "error": "\(error)"])
                    }
                    failing = true
                }
                // Graceful shutdown cancels the sleep: it throws and the loop ends.
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            }
        }
    }
}
