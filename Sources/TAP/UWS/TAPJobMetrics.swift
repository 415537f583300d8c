import Metrics

/// The async jobs' metrics (swift-metrics; `consdb serve` exports them through its Prometheus factory):
/// jobs finished by this server by phase, and the jobs it is executing.
public struct TAPJobMetrics: Sendable {
    private let completed: Counter
    private let failed: Counter
    private let aborted: Counter
    private let requeued: Counter
    private let executing: Gauge

    public init() {
        completed = Counter(label: "consdb_tap_jobs_finished_total", dimensions: [("phase", "COMPLETED")])
        failed = Counter(label: "consdb_tap_jobs_finished_total", dimensions: [("phase", "ERROR")])
        aborted = Counter(label: "consdb_tap_jobs_finished_total", dimensions: [("phase", "ABORTED")])
        requeued = Counter(label: "consdb_tap_jobs_requeued_total")
        executing = Gauge(label: "consdb_tap_jobs_executing")
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
    func executingJobs(_ count: Int) { executing.record(count) }
}
