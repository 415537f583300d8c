import Prometheus
import Synchronization

/// The header worker's Prometheus metrics, in a registry of its own (served on the worker's metrics port).
public final class HinfoMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let consumed: Counter
    let exposureRows: Counter
    let detectorRows: Counter
    let unchanged: Counter
    let skipped: Counter
    let lag: Gauge
    let paused: Gauge
    /// Tracks work waiting for a service; drives ``paused``.
    let pauses: PauseTracker
    let headerLatency: DurationHistogram
    let eventLatency: DurationHistogram
    private let instrument: String
    private let rejectedByStage = Mutex<[String: Counter]>([:])

    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]

    public init(instrument: Instrument, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.instrument = instrument.rawValue
        let labels = [("instrument", instrument.rawValue)]
        func descriptor(_ name: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
        }
        consumed = registry.makeCounter(descriptor: descriptor("consdb_hinfo_messages_consumed", "total", "Header events (or backfill files) taken up"), labels: labels)
        exposureRows = registry.makeCounter(descriptor: descriptor("consdb_hinfo_rows_written", "total", "Rows inserted or updated"), labels: labels + [("table", "exposure")])
        detectorRows = registry.makeCounter(descriptor: descriptor("consdb_hinfo_rows_written", "total", "Rows inserted or updated"), labels: labels + [("table", "ccdexposure")])
        unchanged = registry.makeCounter(descriptor: descriptor("consdb_hinfo_headers_unchanged", "total", "Headers whose exposure row already existed and was left alone"), labels: labels)
        skipped = registry.makeCounter(descriptor: descriptor("consdb_hinfo_headers_skipped", "total", "Headers of controllers this instrument does not ingest"), labels: labels)
        lag = registry.makeGauge(descriptor: descriptor("consdb_hinfo_consumer_lag", "messages", "Events not yet consumed, summed over partitions"), labels: labels)
        let paused = registry.makeGauge(descriptor: descriptor("consdb_hinfo_paused", "", "1 while work waits for the database, the registry or S3 to come back"), labels: labels)
        self.paused = paused
        paused.set(0.0)
        pauses = PauseTracker { paused.set($0 ? 1.0 : 0.0) }
        headerLatency = registry.makeDurationHistogram(descriptor: descriptor("consdb_hinfo_header_latency", "seconds", "From header read to rows committed"), labels: labels, buckets: Self.latencyBuckets)
        eventLatency = registry.makeDurationHistogram(descriptor: descriptor("consdb_hinfo_event_latency", "seconds", "From the event's send time to rows committed"), labels: labels, buckets: Self.latencyBuckets)
    }

    func rejected(reason: String) {
        rejectedCounter(stage: reason).increment()
    }

    /// The counter of one stage, made on its first rejection (so the exposition lists only stages that
    /// rejected something) and kept.
    private func rejectedCounter(stage: String) -> Counter {
        if let counter = rejectedByStage.withLock({ $0[stage] }) { return counter }
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "consdb_hinfo_rejected", unitName: "total", helpText: "Inputs sent to the dead-letter table, by stage"),
            labels: [("instrument", instrument), ("stage", stage)]
        )
        rejectedByStage.withLock { $0[stage] = counter }
        return counter
    }

    /// Whether work is waiting for a service (readiness answers 503 then).
    public var isPaused: Bool { pauses.isPaused }

    /// The metrics in Prometheus' text format.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
