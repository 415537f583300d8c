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
        func finished(_ phase: String) -> Counter {
            registry.makeCounter(name: "consdb_tap_jobs_finished_total", labels: [("phase", phase)],
                                 help: "Async TAP jobs this server finished, by final phase")
        }
        completed = finished("COMPLETED")
        failed = finished("ERROR")
        aborted = finished("ABORTED")
        requeued = registry.makeCounter(name: "consdb_tap_jobs_requeued_total", labels: [],
                                        help: "Async TAP jobs put back in the queue when this server stopped")
        executing = registry.makeGauge(name: "consdb_tap_jobs_executing", labels: [], help: "Async TAP jobs executing in this server")
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
