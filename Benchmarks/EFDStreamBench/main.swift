// efd-stream-bench: the streaming EFD summarizer (`EFDStreamWorker`) run in-process against a real
// PostgreSQL (the database URL given), librdkafka's in-process mock cluster and the schema registry
// fixture, with the full reference lsstcam config. Run it through Benchmarks/efd-stream, which builds it in
// release mode and starts a throwaway PostgreSQL.
//
//   memory:  the config's own start_offsets (lsstcam: -1 h and -0.5 h on 33 most_recent_value columns of
//            event and thermal topics), or with `--lookback-hours H` H hours on every column (the worst
//            case); telemetry for every topic at summit rates (see `summitRate`) covering the longest
//            look-back plus the discovery and reopen horizons (80 min of EFD time ending now), produced as fast as the worker ingests it (at most two chunks unconsumed, so
//            the mock cluster, which keeps about 4 MiB per partition, drops nothing unread). Reports
//            VmRSS/VmHWM of this process before and after, and the samples the worker buffered.
//   latency: telemetry for every topic produced in real time at the same rates, and a sequence of
//            exposures (rows inserted into cdb_lsstcam.exposure, with NOTIFY as hinfo does, at each
//            exposure's end). Per exposure: (a) from the moment the producer had delivered data past
//            end + lateness for every topic to the row visible in efd_lsstcam.exposure_efd (polled every
//            5 ms), and (b) from the exposure's end to the row visible; and the worker's own histograms.
//
// Run memory before latency (or in separate processes, as the script does): VmHWM is per process.
import Avro
import DevServices
import EFD
import Felis
import FelisCatalog
import Foundation
import Ingest
import Kafka
import Logging
import Postgres
import Synchronization
import TimeScales

// MARK: - Arguments

func argument(_ name: String, default fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

struct Options: Sendable {
    var adminURL = argument("--database-url", default: ProcessInfo.processInfo.environment["CONSDB_BENCH_DATABASE_URL"] ?? "")
    var configPath = argument("--efd-config", default: "../shared/reference/efd-config/config_lsstcam.yaml")
    var felisPath = argument("--felis", default: "../shared/reference/felis/cdb_lsstcam.yaml")
    var parts = argument("--parts", default: "memory,latency").split(separator: ",").map(String.init)
    var exposures = Int(argument("--exposures", default: "40"))!
    var minExposure = Double(argument("--min-exposure", default: "3"))!
    var maxExposure = Double(argument("--max-exposure", default: "12"))!
    var gap = Double(argument("--gap", default: "1"))!
    var lateness = Double(argument("--lateness", default: "1"))!
    /// Hours of look-back forced on every column (the worst case), or nil: the config's own start_offsets.
    var lookBackHours = Double(argument("--lookback-hours", default: "config"))
    var chunkSeconds = Double(argument("--chunk-seconds", default: "10"))!
    /// The stream's discovery horizon (seconds): how long telemetry is kept for exposures not yet known.
    var discoverySeconds = Double(argument("--discovery-seconds", default: "600"))!
    var warmUp = Double(argument("--warm-up", default: "5"))!
}

func makeLogger() -> Logger {
    var logger = Logger(label: "efd-stream-bench")
    logger.logLevel = .warning
    return logger
}

// MARK: - Helpers

func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func fmt(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }

func grouped(_ value: Int) -> String {
    let digits = String(value)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

func wallNow() -> Double { Date().timeIntervalSince1970 }

/// `VmRSS` and `VmHWM` of this process, kB.
func memoryStatus() -> (rss: Int, hwm: Int) {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    func field(_ name: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return -1
    }
    return (field("VmRSS"), field("VmHWM"))
}

func mib(_ kB: Int) -> String { fmt(Double(kB) / 1024, 1) + " MiB" }

/// Nearest-rank percentile.
func percentile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
    return sorted[min(rank, sorted.count) - 1]
}

/// A metric's value from the exposition text: the first series whose name starts with `name`.
func metricValue(_ text: String, _ name: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
        let series = line.prefix { $0 != "{" && $0 != " " }
        guard series == name || series == name + "_total" else { continue }
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
    return nil
}

struct Histogram {
    var buckets: [(le: Double, count: Double)] = []
    var sum = 0.0
    var count = 0.0

    init(_ text: String, _ name: String) {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let series = String(line.prefix { $0 != "{" && $0 != " " })
            let value = line.split(separator: " ").last.flatMap { Double($0) } ?? .nan
            if series.hasSuffix("_bucket"), let range = line.range(of: "le=\"") {
                let rest = line[range.upperBound...]
                let bound = String(rest.prefix { $0 != "\"" })
                buckets.append((bound == "+Inf" ? .infinity : Double(bound) ?? .nan, value))
            } else if series.hasSuffix("_sum") {
                sum = value
            } else if series.hasSuffix("_count") {
                count = value
            }
        }
        buckets.sort { $0.le < $1.le }
    }

    /// The quantile, interpolated linearly inside its bucket (as Prometheus' histogram_quantile does).
    func quantile(_ q: Double) -> String {
        guard count > 0 else { return "n/a" }
        let target = q * count
        var previousBound = 0.0
        var previousCount = 0.0
        for bucket in buckets {
            if bucket.count >= target {
                if bucket.le == .infinity { return "> \(fmt(previousBound * 1000, 0)) ms" }
                let inside = bucket.count - previousCount
                let fraction = inside > 0 ? (target - previousCount) / inside : 1
                let value = previousBound + (bucket.le - previousBound) * fraction
                return "\(fmt(value * 1000, 1)) ms (bucket \(fmt(previousBound * 1000, 0))-\(fmt(bucket.le * 1000, 0)) ms)"
            }
            previousBound = bucket.le
            previousCount = bucket.count
        }
        return "n/a"
    }

    var summary: String {
        guard count > 0 else { return "no observations" }
        return "n=\(Int(count)), mean \(fmt(sum / count * 1000, 1)) ms, p50 \(quantile(0.5)), p99 \(quantile(0.99))"
    }
}

// MARK: - Rates

/// Assumed summit rates (messages per second, per SAL index of indexed topics).
///   50 Hz: mount and pointing telemetry (MTMount.*, MTPtg.mountPosition), M1M3 telemetry
///          (accelerometerData, applied*Forces), M2 axial forces;
///   0.1 Hz: every logevent_* topic (events: corrections, offsets, DIMM/RINGSS measurements);
///   1 Hz:  ESS accelerometers (each message already carries 400 samples per axis, 1200 fields) and
///          everything else (ESS environment: temperature, humidity, pressure, dew point, air flow and
///          turbulence, accelerometer PSDs; M1M3 thermal system; M2 temperatures; VMS PSDs).
/// The config names no rotator or hexapod telemetry topic (only hexapod events).
func summitRate(_ topic: String) -> Double {
    if topic.contains(".logevent_") { return 0.1 }
    if topic.hasPrefix("lsst.sal.ESS.accelerometer") { return 1 }
    let highRate = ["lsst.sal.MTMount.", "lsst.sal.MTPtg.mountPosition", "lsst.sal.MTM1M3.accelerometerData", "lsst.sal.MTM1M3.applied",
                    "lsst.sal.MTM2.axialForce"]
    return highRate.contains(where: { topic.hasPrefix($0) }) ? 50 : 1
}

// MARK: - Rig: database, mock cluster, registry, producer

final class Rig: Sendable {
    let url: String
    let pool: ConnectionPool
    let cluster: KafkaMockCluster
    let registry: SchemaRegistryServer
    let producer: KafkaProducer
    let config: EFDConfig
    let telemetry: DemoTelemetry
    let topics: [DemoTelemetry.Topic]
    let schemaIDs: [String: UInt32]
    let logger: Logger

    init(url: String, pool: ConnectionPool, cluster: KafkaMockCluster, registry: SchemaRegistryServer, producer: KafkaProducer,
         config: EFDConfig, telemetry: DemoTelemetry, topics: [DemoTelemetry.Topic], schemaIDs: [String: UInt32], logger: Logger) {
        self.url = url
        self.pool = pool
        self.cluster = cluster
        self.registry = registry
        self.producer = producer
        self.config = config
        self.telemetry = telemetry
        self.topics = topics
        self.schemaIDs = schemaIDs
        self.logger = logger
    }

    static func make(options: Options, database: String, config: EFDConfig) async throws -> Rig {
        let logger = makeLogger()
        let admin = try await Connection.connect(options.adminURL, logger: logger)
        _ = try await admin.execute("DROP DATABASE IF EXISTS \(SQL.quoteIdentifier(database)) WITH (FORCE)")
        _ = try await admin.execute("CREATE DATABASE \(SQL.quoteIdentifier(database))")
        let url: String
        if let slash = options.adminURL.lastIndex(of: "/") { url = String(options.adminURL[...slash]) + database } else { url = options.adminURL + "/" + database }
        let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4), logger: logger)
        try await pool.withConnection { connection in
            _ = try await SchemaApplier.apply(felisFile: URL(fileURLWithPath: options.felisPath), on: connection)
            _ = try await SchemaApplier.apply(EFDSchema.felis(for: config, instrument: "lsstcam"), on: connection)
        }
        let cluster = try KafkaMockCluster.start(logger: logger)
        let registry = SchemaRegistryServer(logger: logger)
        _ = try await registry.start()
        var producerConfiguration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer.make(configuration: producerConfiguration, logger: logger)
        for topic in config.topicNames { try await cluster.createTopic(topic) }
        let telemetry = try DemoTelemetry(config: config)
        var ids: [String: UInt32] = [:]
        var topics: [DemoTelemetry.Topic] = []
        for var topic in telemetry.topics {
            ids[topic.name] = try registry.register(subject: topic.name + "-value", schemaText: topic.schemaText)
            topic.rate = summitRate(topic.name)
            topics.append(topic)
        }
        return Rig(url: url, pool: pool, cluster: cluster, registry: registry, producer: producer, config: config, telemetry: telemetry,
                   topics: topics, schemaIDs: ids, logger: logger)
    }

    func makeWorker(settings: EFDStreamSettings, metrics: EFDStreamMetrics) throws -> EFDStreamWorker {
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: "efd-stream-bench")
        configuration.fetchWaitMax = .milliseconds(10)
        configuration.sessionTimeout = .seconds(6)
        configuration.heartbeatInterval = .milliseconds(500)
        configuration.extraProperties["topic.metadata.refresh.interval.ms"] = "1000"
        configuration.extraProperties["queued.max.messages.kbytes"] = "16384"  // as `consdb efd stream` sets it
        let consumer = try KafkaConsumer.make(configuration: configuration, logger: logger)
        return EFDStreamWorker(
            consumer: consumer, registry: SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(url: registry.baseURL!)),
            engine: SummaryEngine(config: config), pool: pool, listenURL: url, instrument: "LSSTCam",
            cdbSchema: "cdb_lsstcam", efdSchema: "efd_lsstcam", settings: settings, metrics: metrics, logger: logger
        )
    }

    /// Messages of every topic with EFD time in [from, to), advancing `next` (per topic); appends to `batch`.
    func messages(from next: inout [Double], to end: Double, into batch: inout [KafkaOutgoingMessage],
                  counts: inout [Int], bytes: inout [Int]) throws {
        let encoder = AvroEncoder()
        for (position, topic) in topics.enumerated() {
            let id = schemaIDs[topic.name]!
            while next[position] < end {
                for index in topic.indices.isEmpty ? [nil] : topic.indices.map(Optional.some) {
                    let value = telemetry.value(topic, utc: next[position], index: index)
                    let frame = try encoder.encodeFrame(value, as: topic.schema, schemaID: id)
                    bytes[position] += frame.count
                    counts[position] += 1
                    batch.append(KafkaOutgoingMessage(topic: topic.name, key: [], value: frame))
                }
                next[position] += 1 / topic.rate
            }
        }
    }

    func startWorker(_ worker: EFDStreamWorker) async throws -> Task<Void, any Error> {
        let task = Task { try await worker.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while worker.consumer.assignment.count < config.topicNames.count {
            guard ContinuousClock.now < deadline else { throw BenchError("the worker was not assigned every topic within 60 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return task
    }

    func close() async {
        await producer.close()
        await registry.stop()
        await cluster.close()
        await pool.shutdown()
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func printRates(_ rig: Rig) {
    var perSecond = 0.0
    var lines: [String] = []
    for topic in rig.topics {
        let streams = max(1, topic.indices.count)
        perSecond += topic.rate * Double(streams)
        lines.append("  \(topic.name): \(fmt(topic.rate, 1)) Hz x \(streams) index\(streams == 1 ? "" : "es"), \(topic.fields.count) fields")
    }
    say("topics and assumed rates (Hz per SAL index):")
    lines.forEach(say)
    say("total: \(fmt(perSecond, 1)) messages/s")
}

// MARK: - Memory at summit rates with one-hour look-backs

func runMemory(_ options: Options) async throws {
    // As `consdb efd stream` does at start.
    ProcessMemory.tuneAllocator()
    var config = try EFDConfig.load(contentsOf: URL(fileURLWithPath: options.configPath))
    if let hours = options.lookBackHours {
        say("== memory: start_offset -\(fmt(hours, 2)) h on every column, summit rates ==")
        for index in config.columns.indices { config.columns[index].startOffsetHours = -hours }
    } else {
        let offsets = config.columns.compactMap(\.startOffsetHours)
        say("== memory: the config's own start_offsets (\(offsets.count) columns, longest \(fmt(-(offsets.min() ?? 0), 2)) h), summit rates ==")
    }
    let lookBackHours = -(config.columns.compactMap(\.startOffsetHours).min() ?? 0)
    let rig = try await Rig.make(options: options, database: "efd_stream_bench_memory", config: config)
    printRates(rig)
    var settings = EFDStreamSettings()
    settings.discoveryHorizon = .seconds(options.discoverySeconds)
    let metrics = EFDStreamMetrics(instrument: "LSSTCam")
    let worker = try rig.makeWorker(settings: settings, metrics: metrics)
    let engine = worker.engine
    let run = try await rig.startWorker(worker)
    try await Task.sleep(for: .seconds(1))
    let baseline = memoryStatus()
    say("baseline (worker running, nothing fed): VmRSS \(mib(baseline.rss)), VmHWM \(mib(baseline.hwm))")

    let horizons = settings.discoveryHorizon.seconds + settings.reopenHorizon.seconds
    let span = lookBackHours * 3600 + horizons
    let end = wallNow() - 1
    let start = end - span
    say("feeding EFD time \(fmt(span / 60, 1)) min (look-back \(fmt(lookBackHours * 60, 0)) min + discovery and reopen horizons " +
        "\(fmt(horizons / 60, 0)) min), from now - \(fmt((wallNow() - start) / 60, 1)) min to now - 1 s, in chunks of \(fmt(options.chunkSeconds, 0)) s")
    var next = rig.topics.enumerated().map { start + Double($0.offset) * 0.0001 }
    var counts = Array(repeating: 0, count: rig.topics.count)
    var bytes = Array(repeating: 0, count: rig.topics.count)
    var cumulative: [Int] = []
    var sent = 0
    let feedStarted = ContinuousClock.now
    var chunkEnd = start
    var maxUnconsumed = 0
    func ingested() -> Int { Int(metricValue(metrics.exposition(), "consdb_efd_messages") ?? 0) }
    while chunkEnd < end {
        chunkEnd = min(chunkEnd + options.chunkSeconds, end)
        var batch: [KafkaOutgoingMessage] = []
        try rig.messages(from: &next, to: chunkEnd, into: &batch, counts: &counts, bytes: &bytes)
        if !batch.isEmpty { _ = try await rig.producer.send(batch) }
        sent += batch.count
        cumulative.append(sent)
        // At most this chunk and the one before unconsumed.
        if cumulative.count >= 2 {
            let needed = cumulative[cumulative.count - 2]
            while true {
                let done = ingested()
                maxUnconsumed = max(maxUnconsumed, sent - done)
                if done >= needed { break }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }
    let sentAt = ContinuousClock.now
    let deadline = sentAt + .seconds(300)
    while ingested() < sent, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    let caughtUp = ContinuousClock.now
    let afterFeed = memoryStatus()
    // Let a few ticks commit and drop what no window may need.
    try await Task.sleep(for: .seconds(3))
    let settled = memoryStatus()
    let text = metrics.exposition()
    let messages = Int(metricValue(text, "consdb_efd_messages") ?? -1)
    let samples = Int(metricValue(text, "consdb_efd_samples") ?? -1)
    let rejected = Int(metricValue(text, "consdb_efd_rejected") ?? -1)
    let buffered = Int(metricValue(text, "consdb_efd_buffered_bytes") ?? -1)
    var expectedSamples = 0
    var largestPartitionBytes = 0
    var brokerBound = 0
    for (position, topic) in rig.topics.enumerated() {
        expectedSamples += counts[position] * (engine.topicFields[topic.name]?.count ?? 0)
        largestPartitionBytes = max(largestPartitionBytes, bytes[position])
        brokerBound += min(bytes[position], 4 << 20)
    }
    worker.stop()
    try await run.value
    await worker.consumer.close()

    say("fed: \(grouped(sent)) messages (\(fmt(Double(bytes.reduce(0, +)) / 1048576, 1)) MiB of Avro frames) in " +
        "\(fmt((sentAt - feedStarted).seconds, 1)) s; worker caught up \(fmt((caughtUp - sentAt).seconds, 2)) s after the last send; " +
        "at most \(grouped(maxUnconsumed)) messages sent but not yet ingested")
    say("worker: consdb_efd_messages \(grouped(messages)) (sent \(grouped(sent))), consdb_efd_samples \(grouped(samples)) " +
        "(expected \(grouped(expectedSamples)) = messages x fields the engine reads per topic), rejected \(rejected)")
    say(messages == sent && samples == expectedSamples ? "check: every message sent was ingested and every field sample buffered"
        : "CHECK FAILED: ingested/buffered counts differ from what was sent")
    say("topic buffers (consdb_efd_buffered_bytes, storage allocated): \(mib(buffered / 1024))")
    say("memory: baseline VmRSS \(mib(baseline.rss)); after the feed VmRSS \(mib(afterFeed.rss)), 3 s later \(mib(settled.rss)); " +
        "VmHWM \(mib(settled.hwm)); growth over baseline \(mib(settled.rss - baseline.rss)) (VmRSS), \(mib(settled.hwm - baseline.rss)) (VmHWM)")
    say("  (in-process, so this includes the mock broker's logs: at most min(bytes sent, 4 MiB) per partition = \(mib(brokerBound / 1024)) here, " +
        "and the producer and the test registry)")
    await rig.close()
}


// MARK: - Window close -> committed row latency

/// What the real-time producer has delivered: (EFD/wall time up to which every topic's samples were
/// generated, wall time the batch's delivery reports were all in).
final class Timeline: Sendable {
    let entries = Mutex<[(generatedThrough: Double, deliveredAt: Double)]>([])
    let stopFlag = Mutex(false)

    func firstDelivery(covering time: Double) -> Double? {
        entries.withLock { list in list.first { $0.generatedThrough >= time }?.deliveredAt }
    }
}

final class Visibility: Sendable {
    let seen = Mutex<[Int64: Double]>([:])
    let stopFlag = Mutex(false)
}

func runLatency(_ options: Options) async throws {
    say("== latency: window close -> committed row, full lsstcam config, lateness \(fmt(options.lateness, 1)) s, default tick ==")
    let config = try EFDConfig.load(contentsOf: URL(fileURLWithPath: options.configPath))
    let rig = try await Rig.make(options: options, database: "efd_stream_bench_latency", config: config)
    printRates(rig)
    var settings = EFDStreamSettings()
    settings.lateness = .milliseconds(Int64(options.lateness * 1000))
    let metrics = EFDStreamMetrics(instrument: "LSSTCam")
    let worker = try rig.makeWorker(settings: settings, metrics: metrics)
    let run = try await rig.startWorker(worker)

    // Real-time telemetry: every 20 ms, every topic's samples up to now.
    let timeline = Timeline()
    let producing = Task {
        var next = rig.topics.enumerated().map { _ in wallNow() }
        var counts = Array(repeating: 0, count: rig.topics.count)
        var bytes = Array(repeating: 0, count: rig.topics.count)
        while !timeline.stopFlag.withLock({ $0 }) {
            let now = wallNow()
            var batch: [KafkaOutgoingMessage] = []
            try rig.messages(from: &next, to: now, into: &batch, counts: &counts, bytes: &bytes)
            if !batch.isEmpty { _ = try await rig.producer.send(batch) }
            let delivered = wallNow()
            timeline.entries.withLock { $0.append((now, delivered)) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return counts.reduce(0, +)
    }
    try await Task.sleep(for: .seconds(options.warmUp))

    // Rows visible in efd_lsstcam.exposure_efd, polled every 5 ms on a connection of its own.
    let visibility = Visibility()
    let poller = try await Connection.connect(rig.url, logger: rig.logger)
    let polling = Task {
        var polls = 0
        while !visibility.stopFlag.withLock({ $0 }) {
            let rows = try await poller.query(SQL(unsafeSQL: "SELECT exposure_id FROM efd_lsstcam.exposure_efd")).rows
            let now = wallNow()
            polls += 1
            visibility.seen.withLock { seen in
                for row in rows { if let text = row.first ?? nil, let id = Int64(text), seen[id] == nil { seen[id] = now } }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return polls
    }

    // Exposures, one after another; each row inserted (and NOTIFY sent, as hinfo does) at the exposure's end.
    let writer = try await Connection.connect(rig.url, logger: rig.logger)
    var exposures: [(id: Int64, begin: Double, end: Double, inserted: Double)] = []
    let started = ContinuousClock.now
    for seq in 1...options.exposures {
        let fraction = (Double(seq) * 0.6180339887).truncatingRemainder(dividingBy: 1)
        let duration = options.minExposure + (options.maxExposure - options.minExposure) * fraction
        let begin = wallNow()
        try await Task.sleep(for: .milliseconds(Int64(duration * 1000)))
        let end = begin + duration
        let id: Int64 = 2026112500000 + Int64(seq)
        func tai(_ utc: Double) -> String { TAITimestamp(taiUnixSeconds: LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc))!.isoTextMilliseconds }
        let name = "MC_O_20261125_" + String(format: "%06d", seq)
        _ = try await writer.query(SQL(unsafeSQL: """
            INSERT INTO cdb_lsstcam.exposure (exposure_id, exposure_name, controller, day_obs, seq_num, obs_start, obs_end)
            VALUES (\(id), '\(name)', 'O', 20261125, \(seq), '\(tai(begin))'::timestamp, '\(tai(end))'::timestamp)
            """))
        _ = try await writer.query(SQL(unsafeSQL: "SELECT pg_notify('\(ExposureWriter.notificationChannel)', 'cdb_lsstcam:\(id)')"))
        exposures.append((id, begin, end, wallNow()))
        try await Task.sleep(for: .milliseconds(Int64(options.gap * 1000)))
    }
    let deadline = ContinuousClock.now + .seconds(60)
    while visibility.seen.withLock({ seen in exposures.contains { seen[$0.id] == nil } }), ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
    }
    let sequenceSeconds = (ContinuousClock.now - started).seconds
    visibility.stopFlag.withLock { $0 = true }
    timeline.stopFlag.withLock { $0 = true }
    let polls = try await polling.value
    let produced = try await producing.value
    let text = metrics.exposition()
    worker.stop()
    try await run.value
    await worker.consumer.close()

    let seen = visibility.seen.withLock { $0 }
    var closeToVisible: [Double] = []
    var endToVisible: [Double] = []
    var missing: [Int64] = []
    for exposure in exposures {
        guard let visible = seen[exposure.id], let ready = timeline.firstDelivery(covering: exposure.end + options.lateness) else {
            missing.append(exposure.id)
            continue
        }
        closeToVisible.append((visible - ready) * 1000)
        endToVisible.append((visible - exposure.end) * 1000)
    }
    let durations = exposures.map { $0.end - $0.begin }
    say("\(exposures.count) exposures of \(fmt(durations.min() ?? 0, 1))-\(fmt(durations.max() ?? 0, 1)) s " +
        "(\(fmt(durations.reduce(0, +), 0)) s of exposure, gaps \(fmt(options.gap, 1)) s), sequence \(fmt(sequenceSeconds, 0)) s; " +
        "\(grouped(produced)) telemetry messages produced in real time; \(grouped(polls)) polls of exposure_efd")
    if !missing.isEmpty { say("ROWS NOT SEEN within 60 s of the last exposure: \(missing)") }
    func line(_ label: String, _ values: [Double]) {
        say("\(label): n=\(values.count) p50 \(fmt(percentile(values, 0.5), 1)) ms, p90 \(fmt(percentile(values, 0.9), 1)) ms, " +
            "p99 \(fmt(percentile(values, 0.99), 1)) ms, max \(fmt(values.max() ?? .nan, 1)) ms, min \(fmt(values.min() ?? .nan, 1)) ms")
    }
    line("(a) external: data past end + lateness delivered for every topic -> row visible", closeToVisible)
    line("(b) external: exposure end -> row visible", endToVisible)
    say("worker's consdb_efd_window_write (window found ready -> committed; exposure and visit windows): " +
        Histogram(text, "consdb_efd_window_write").summary)
    say("worker's consdb_efd_window_latency (window end -> committed): " + Histogram(text, "consdb_efd_window_latency").summary)
    say("worker: rows written \(Int(metricValue(text, "consdb_efd_rows_written") ?? -1)), rejected \(Int(metricValue(text, "consdb_efd_rejected") ?? -1))")
    let filled = try await writer.query(SQL(unsafeSQL: """
        SELECT count(*) FROM information_schema.columns WHERE table_schema = 'efd_lsstcam' AND table_name = 'exposure_efd'
        """)).rows.first?.first ?? nil
    say("efd_lsstcam.exposure_efd has \(filled ?? "?") columns")
    await rig.close()
}

// MARK: - Main

let options = Options()
guard !options.adminURL.isEmpty else {
    FileHandle.standardError.write(Data("efd-stream-bench: --database-url (an admin URL of a throwaway PostgreSQL) is required\n".utf8))
    exit(2)
}
say("efd-stream-bench: config \(options.configPath), felis \(options.felisPath), parts \(options.parts.joined(separator: ","))")
let benchStart = ContinuousClock.now
for part in options.parts {
    let partStart = ContinuousClock.now
    switch part {
    case "memory": try await runMemory(options)
    case "latency": try await runLatency(options)
    default:
        FileHandle.standardError.write(Data("efd-stream-bench: unknown part \(part)\n".utf8))
        exit(2)
    }
    say("(\(part): \(fmt((ContinuousClock.now - partStart).seconds, 0)) s wall)")
    say("")
}
say("total wall time \(fmt((ContinuousClock.now - benchStart).seconds, 0)) s")
