import Prometheus

/// The async jobs' metrics, in the registry `consdb serve` exposes on its `/metrics` (the API's): jobs
/// finished by this server by phase, jobs put back in the queue at shutdown, and the jobs executing here.
public struct TAPJobMetrics: Sendable {
    private let completed: Counter
    private let failed: Counter
    private let aborted: Counter
    private let requeued: Counter
    private let executing: Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
        }
        func finished(_ phase: String) -> Counter {
            registry.makeCounter(descriptor: descriptor("consdb_tap_jobs_finished", "total", "Async TAP jobs this server finished, by final phase"),
                                 labels: [("phase", phase)])
        }
        completed = finished("COMPLETED")
        failed = finished("ERROR")
        aborted = finished("ABORTED")
        requeued = registry.makeCounter(descriptor: descriptor("consdb_tap_jobs_requeued", "total", "Async TAP jobs put back in the queue when this server stopped"),
                                        labels: [])
        executing = registry.makeGauge(descriptor: descriptor("consdb_tap_jobs_executing", "", "Async TAP jobs executing in this server"), labels: [])
    }

    func finished(_ phase: UWSPhase) {
        switch phase {
        case .completed: completed.increment()
        case .error: failed.increment()
        case .aborted: aborted.increment()
        default: break
        }
    }

    func requeuedJob() { requeued.increment() }
    func executingJobs(_ count: Int) { executing.set(Double(count)) }
}
