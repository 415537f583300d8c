import Consistency
import Postgres
import Prometheus

/// The daily check's gauges, per instrument, from the latest run recorded in
/// `consdb_ingest.consistency_check` (the CronJob's): alert rules watch these names.
final class ConsistencyMetrics: Sendable {
    private let inconsistencies: [String: Gauge]
    private let lastRun: [String: Gauge]

    init(registry: PrometheusCollectorRegistry, instruments: [String]) {
        var inconsistencies: [String: Gauge] = [:]
        var lastRun: [String: Gauge] = [:]
        for instrument in instruments {
            inconsistencies[instrument] = registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: "consdb_table_consistency_inconsistencies", unitName: "",
                                                 helpText: "Violations found by the latest recorded daily consistency check"),
                labels: [("instrument", instrument)]
            )
            lastRun[instrument] = registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: "consdb_table_consistency_last_run_timestamp", unitName: "seconds",
                                                 helpText: "When the latest daily consistency check was recorded (Unix time; 0: never)"),
                labels: [("instrument", instrument)]
            )
        }
        self.inconsistencies = inconsistencies
        self.lastRun = lastRun
    }

    /// Reads the latest runs (cheap: one index scan per instrument); leaves the gauges as they were
    /// when the table cannot be read.
    func refresh(from pool: ConnectionPool) async {
        guard let runs = try? await pool.withConnection({ connection in
            try await connection.withTransaction(readOnly: true, statementTimeoutMilliseconds: 2000) { try await CheckLog.latestRuns(on: $0) }
        }) else { return }
        for run in runs {
            inconsistencies[run.instrument]?.set(Double(run.count))
            lastRun[run.instrument]?.set(run.runAt)
        }
    }
}
