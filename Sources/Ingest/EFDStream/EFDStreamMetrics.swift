import Prometheus

/// The EFD stream's Prometheus metrics.
public final class EFDStreamMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let samples: Counter
    let messages: Counter
    let rowsWritten: Counter
    let rejected: Counter
    let openWindows: Gauge
    let lag: Gauge
    let ownedTopics: Gauge
    let bufferedBytes: Gauge
    let windowLatency: DurationHistogram
    let closeToCommit: DurationHistogram
    let pauses: PauseTracker

    public init(instrument: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let labels = [("instrument", instrument)]
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
        }
        samples = registry.makeCounter(descriptor: descriptor("consdb_efd_samples", "total", "Field samples buffered"), labels: labels)
        messages = registry.makeCounter(descriptor: descriptor("consdb_efd_messages", "total", "Telemetry messages consumed"), labels: labels)
        rowsWritten = registry.makeCounter(descriptor: descriptor("consdb_efd_rows_written", "total", "Summary rows upserted (pivoted and unpivoted)"), labels: labels)
        rejected = registry.makeCounter(descriptor: descriptor("consdb_efd_rejected", "total", "Messages sent to the dead-letter table"), labels: labels)
        openWindows = registry.makeGauge(descriptor: descriptor("consdb_efd_open_windows", "", "Exposure and visit windows waiting to close"), labels: labels)
        ownedTopics = registry.makeGauge(descriptor: descriptor("consdb_efd_owned_topics", "", "Topics whose every partition this replica consumes (it writes their columns)"), labels: labels)
        bufferedBytes = registry.makeGauge(descriptor: descriptor("consdb_efd_buffered", "bytes", "Memory held by the topic buffers (sample storage allocated)"), labels: labels)
        lag = registry.makeGauge(descriptor: descriptor("consdb_efd_consumer_lag", "messages", "Messages not yet consumed, summed over partitions"), labels: labels)
        windowLatency = registry.makeDurationHistogram(
            descriptor: descriptor("consdb_efd_window_latency", "seconds", "From a window's end to its row committed"), labels: labels,
            buckets: [.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(600)]
        )
        closeToCommit = registry.makeDurationHistogram(
            descriptor: descriptor("consdb_efd_window_write", "seconds", "From a window found ready (its data complete, or the maximum wait over) to its row committed"),
            labels: labels,
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
        )
        let paused = registry.makeGauge(descriptor: descriptor("consdb_efd_paused", "", "1 while work waits for the database or the registry"), labels: labels)
        paused.set(0.0)
        pauses = PauseTracker { paused.set($0 ? 1.0 : 0.0) }
    }

    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    public var isPaused: Bool { pauses.isPaused }
}
