// efd-batch-bench: the EFD batch summarizer (`EFDBatchWorker`) end to end from a local InfluxDB, in-process,
// against a real PostgreSQL (the admin URL given). Run it through Benchmarks/efd-batch, which builds it in
// release mode and starts a throwaway PostgreSQL and InfluxDB.
//
//   1. load (not part of the run): a synthetic night in InfluxDB database `efd`: 20 topics x 10 float
//      fields at 10 Hz for 10 h (`--hours`), ending a day ago, as line protocol with full-precision values
//      (a sine plus noise), written in chunks of a few minutes of EFD time (a few MB per POST, at most
//      `--load-writers` POSTs in flight), so this process never holds more than a few chunks;
//   2. ConsDB: cdb_latiss from the reference Felis file, efd_latiss from the engine benchmark's config
//      (mean, stddev, min, max, rms_from_polynomial_fit(4) of every field = 1,000 columns), and 1,000
//      exposures of 30 s (`--exposures`, default 100 per hour) spread over the night, with COPY;
//   3. the run: the night queued in 5-minute tasks without overlap (`consdb efd batch --interval 5m
//      --overlap 0`), drained by one in-process `EFDBatchWorker` reading InfluxDB over HTTP; wall time, its
//      split (InfluxDB answering, parsing, summarizing, writing), the CPU each process used, and this
//      process's VmRSS sampled every 0.5 s;
//   4. checks: rows in exposure_efd and visit1_efd, and a few values against the generator's own numbers.
import EFD
import Felis
import FelisCatalog
import Foundation
import InfluxDB
import Ingest
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
    var influxURL = argument("--influx-url", default: ProcessInfo.processInfo.environment["EFD_URL"] ?? "")
    var felisPath = argument("--felis", default: "../shared/reference/felis/cdb_latiss.yaml")
    var hours = Double(argument("--hours", default: "10"))!
    var exposures: Int
    var exposureSeconds = Double(argument("--exposure-seconds", default: "30"))!
    var topics = Int(argument("--topics", default: "20"))!
    var fields = Int(argument("--fields", default: "10"))!
    var rate = Double(argument("--rate", default: "10"))!
    var taskMinutes = Double(argument("--task-minutes", default: "5"))!
    var chunkMinutes = Double(argument("--chunk-minutes", default: "2"))!
    var loadWriters = Int(argument("--load-writers", default: "2"))!
    /// Longest wait for influxd to go idle (compactions) after the load.
    var settleSeconds = Double(argument("--settle-max", default: "300"))!
    var influxPID = Int32(argument("--influx-pid", default: "0")) ?? 0
    var postgresPID = Int32(argument("--postgres-pid", default: "0")) ?? 0
    var influxDirectory = argument("--influx-dir", default: "")

    init() {
        exposures = Int(argument("--exposures", default: String(Int((hours * 100).rounded()))))!
    }
}

// MARK: - Helpers

func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func fmt(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }

func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (value < 0 ? "-" : "") + String(out.reversed())
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func mib(_ kB: Int) -> String { fmt(Double(kB) / 1024, 1) + " MiB" }

func utcText(_ seconds: Double) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
}

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

let clockTicks = Double(sysconf(Int32(_SC_CLK_TCK)))

/// Fields of /proc/PID/stat after the command name: [0] = state, [1] = ppid, [11] = utime, [12] = stime,
/// [13] = cutime, [14] = cstime.
func procStat(_ pid: String) -> [Substring]? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
    return text[text.index(after: close)...].split(separator: " ")
}

/// CPU seconds (user + system) of a process; with `children`, plus its reaped children's and the live
/// processes whose parent it is (PostgreSQL's backends).
func cpuSeconds(_ pid: Int32, children: Bool = false) -> Double? {
    guard pid != 0 else { return nil }
    let name = pid < 0 ? "self" : String(pid)
    guard let stat = procStat(name), stat.count > 14 else { return nil }
    var ticks = (Double(stat[11]) ?? 0) + (Double(stat[12]) ?? 0)
    if children {
        ticks += (Double(stat[13]) ?? 0) + (Double(stat[14]) ?? 0)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries where entry.first?.isNumber == true {
            guard let child = procStat(entry), child.count > 12, Int32(child[1]) == pid else { continue }
            ticks += (Double(child[11]) ?? 0) + (Double(child[12]) ?? 0)
        }
    }
    return ticks / clockTicks
}

/// Bytes under a directory.
func directoryBytes(_ path: String) -> Int {
    guard !path.isEmpty, let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    while let entry = enumerator.nextObject() as? String {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + entry),
           attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int {
            total += size
        }
    }
    return total
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - The config: the engine benchmark's 1,000 columns

func topicName(_ t: Int) -> String { String(format: "lsst.sal.Bench.topic%02d", t) }
func fieldName(_ f: Int) -> String { "value\(f)" }
func columnName(_ t: Int, _ f: Int, _ function: SummaryFunction) -> String { "t\(t)_\(fieldName(f))_\(function.name)" }

/// As Benchmarks/EFDBench builds it: for every topic and field, mean, stddev, min, max and a degree-4
/// rms_from_polynomial_fit (index basis), in exposure_efd and visit1_efd.
func benchConfig(topics: Int, fields: Int) -> EFDConfig {
    let fit = SummaryFunction.rmsFromPolynomialFit(degree: 4, fitBasis: .index)
    let functions: [SummaryFunction] = [.mean, .stddev(ddof: 1), .min, .max, fit]
    var columns: [EFDColumn] = []
    for t in 0..<topics {
        for f in 0..<fields {
            for function in functions {
                columns.append(EFDColumn(name: columnName(t, f, function), tables: [.exposure, .visit], function: function,
                                         topics: [EFDTopicSelection(name: topicName(t), fields: [fieldName(f)])]))
            }
        }
    }
    return EFDConfig(version: "1.0.0", columns: columns)
}

// MARK: - The synthetic night

/// Deterministic telemetry: sample `i` of topic `t` at `start + i / rate` plus a per-topic offset of
/// (0.5 + 3 t) ms (so no sample sits on the millisecond grid the exposures' times are on); field `f` is an
/// offset (1e6 (f + 1) for every third field), a sine of period 600 + 97 f + 13 t seconds and amplitude 5 or
/// 0.5, plus uniform noise of 0.1 or 1e-3 from a hash of (t, f, i), so any value can be recomputed.
struct Night: Sendable {
    let startNanoseconds: Int64
    let samples: Int
    let topics: Int
    let fields: Int
    let rate: Double
    let periodNanoseconds: Int64

    init(start: Double, hours: Double, topics: Int, fields: Int, rate: Double) {
        startNanoseconds = Int64(start) * 1_000_000_000
        samples = Int((hours * 3600 * rate).rounded())
        self.topics = topics
        self.fields = fields
        self.rate = rate
        periodNanoseconds = Int64((1e9 / rate).rounded())
    }

    func nanoseconds(topic t: Int, sample i: Int) -> Int64 {
        startNanoseconds + Int64(i) * periodNanoseconds + 500_000 + 3_000_000 * Int64(t)
    }

    func time(topic t: Int, sample i: Int) -> Double { InfluxTime.seconds(nanoseconds: nanoseconds(topic: t, sample: i)) }

    static func mix(_ x: UInt64) -> UInt64 {  // splitmix64's finalizer
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func value(topic t: Int, field f: Int, sample i: Int) -> Double {
        let offset = f % 3 == 0 ? 1.0e6 * Double(f + 1) : Double(f) * 10
        let amplitude = f % 2 == 0 ? 5.0 : 0.5
        let noise = f % 3 == 1 ? 1e-3 : 0.1
        let period = 600.0 + 97 * Double(f) + 13 * Double(t)
        let phase = 2 * Double.pi * Double(i) / (period * rate)
        let bits = Self.mix(UInt64(t) << 48 ^ UInt64(f) << 40 ^ UInt64(i))
        let uniform = Double(bits >> 11) * 0x1p-52 - 1
        return offset + amplitude * sin(phase) + noise * uniform
    }

    /// Line protocol for samples `[from, to)` of every topic (time-ordered per topic).
    func lineProtocol(from: Int, to: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((to - from) * topics * (40 + fields * 26))
        let prefixes = (0..<fields).map { Array(((($0 == 0) ? "" : ",") + fieldName($0) + "=").utf8) }
        for t in 0..<topics {
            let measurement = Array((topicName(t) + " ").utf8)
            for i in from..<to {
                out.append(contentsOf: measurement)
                for f in 0..<fields {
                    out.append(contentsOf: prefixes[f])
                    out.append(contentsOf: value(topic: t, field: f, sample: i).description.utf8)
                }
                out.append(0x20)
                out.append(contentsOf: String(nanoseconds(topic: t, sample: i)).utf8)
                out.append(0x0A)
            }
        }
        return out
    }
}

/// An exposure: its keys and UTC span (the TAI text ConsDB stores is exact to the millisecond).
struct Exposure: Sendable {
    var id: Int64
    var name: String
    var dayObs: Int
    var seqNum: Int
    var begin: Double
    var end: Double
}

func exposures(count: Int, seconds exposureSeconds: Double, nightStart: Double, hours: Double) -> [Exposure] {
    // As Benchmarks/EFDBench: spread evenly, a minute of margin at each end, start times on the ms grid.
    let spacing = (hours * 3600 - 120 - exposureSeconds) / Double(max(count - 1, 1))
    var list: [Exposure] = []
    var seqByDay: [Int: Int] = [:]
    for j in 0..<count {
        let begin = ((nightStart + 60 + Double(j) * spacing + 0.37) * 1000).rounded() / 1000
        let end = begin + exposureSeconds
        // day_obs: the TAI date 12 hours earlier.
        let tai = LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: begin)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: tai - 12 * 3600))
        let dayObs = parts.year! * 10000 + parts.month! * 100 + parts.day!
        let seq = (seqByDay[dayObs] ?? 0) + 1
        seqByDay[dayObs] = seq
        list.append(Exposure(id: Int64(dayObs) * 100_000 + Int64(seq), name: "AT_O_\(dayObs)_" + String(format: "%06d", seq),
                             dayObs: dayObs, seqNum: seq, begin: begin, end: end))
    }
    return list
}

/// `utc` as the TAI `timestamp` text ConsDB stores, rounded to the millisecond.
func taiText(_ utc: Double) -> String {
    let tai = LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc)
    return TAITimestamp(nanoseconds: Int64((tai * 1000).rounded()) * 1_000_000).isoTextMilliseconds
}

// MARK: - Memory sampler

final class Counter: Sendable {
    let value = Mutex(0)
}

final class Sampler: Sendable {
    let samples = Mutex<[(elapsed: Double, rss: Int)]>([])
    let stopFlag = Mutex(false)
    let progress = Mutex("")
}

// MARK: - Run

func run(_ options: Options) async throws {
    let logger: Logger = {
        var logger = Logger(label: "efd-batch-bench")
        logger.logLevel = .warning
        return logger
    }()
    let clock = ContinuousClock()
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let config = benchConfig(topics: options.topics, fields: options.fields)
    let now = Date().timeIntervalSince1970
    let nightEnd = (now / 3600).rounded(.down) * 3600 - 86400
    let nightStart = nightEnd - options.hours * 3600
    let night = Night(start: nightStart, hours: options.hours, topics: options.topics, fields: options.fields, rate: options.rate)
    let exposureList = exposures(count: options.exposures, seconds: options.exposureSeconds, nightStart: nightStart, hours: options.hours)

    say("efd-batch-bench: \(cores) cores shared by InfluxDB, PostgreSQL and this process (one batch worker); " +
        "the CPU each used during the run is below")
    say("night: \(utcText(nightStart)) to \(utcText(nightEnd)) (\(fmt(options.hours, 1)) h, ending a day ago); \(options.topics) topics x " +
        "\(options.fields) float fields at \(fmt(options.rate, 0)) Hz = \(grouped(night.samples * options.topics)) rows, " +
        "\(grouped(night.samples * options.topics * options.fields)) values")
    say("config: \(config.columns.count) columns (mean, stddev, min, max, rms_from_polynomial_fit(4, index) of every field), " +
        "in exposure_efd and visit1_efd; \(exposureList.count) exposures of \(fmt(options.exposureSeconds, 0)) s")
    say("")

    // InfluxDB.
    let influx = try InfluxClient(settings: InfluxSettings(url: options.influxURL, database: "efd"), logger: logger)
    try await influx.ping()
    try await influx.createDatabase("efd")

    // MARK: 1. Load
    say("== 1. load (not part of the run) ==")
    let chunkSamples = max(1, Int((options.chunkMinutes * 60 * options.rate).rounded()))
    let chunkCount = (night.samples + chunkSamples - 1) / chunkSamples
    let loadStarted = clock.now
    let baselineBeforeLoad = memoryStatus()
    let retries = Counter()
    var loadedBytes = 0
    var generating: Duration = .zero
    try await withThrowingTaskGroup(of: Int.self) { group in
        var inFlight = 0
        var lastNote = clock.now
        for chunk in 0..<chunkCount {
            let from = chunk * chunkSamples
            let to = min(from + chunkSamples, night.samples)
            let generated = clock.now
            let body = night.lineProtocol(from: from, to: to)
            generating += clock.now - generated
            if inFlight >= options.loadWriters {
                loadedBytes += try await group.next() ?? 0
                inFlight -= 1
            }
            group.addTask {
                var attempt = 0
                while true {
                    do {
                        try await influx.write(lineProtocol: body)
                        return body.count
                    } catch {
                        attempt += 1
                        retries.value.withLock { $0 += 1 }
                        if attempt >= 20 { throw BenchError("write of chunk \(chunk) failed \(attempt) times: \(error)") }
                        try await Task.sleep(for: .seconds(min(attempt, 5)))
                    }
                }
            }
            inFlight += 1
            if clock.now - lastNote > .seconds(30) {
                lastNote = clock.now
                let elapsed = (clock.now - loadStarted).seconds
                note("load: \(chunk + 1)/\(chunkCount) chunks, \(fmt(Double(loadedBytes) / 1048576, 0)) MiB written in \(fmt(elapsed, 0)) s " +
                     "(\(fmt(Double(loadedBytes) / 1048576 / elapsed, 1)) MiB/s); ETA \(fmt(elapsed / Double(chunk + 1) * Double(chunkCount - chunk - 1), 0)) s")
            }
        }
        while let bytes = try await group.next() { loadedBytes += bytes }
    }
    let loadSeconds = (clock.now - loadStarted).seconds
    let afterLoad = memoryStatus()
    let rows = night.samples * options.topics
    say("wrote \(grouped(rows)) rows (\(fmt(Double(loadedBytes) / 1048576, 0)) MiB of line protocol) in \(fmt(loadSeconds, 1)) s: " +
        "\(grouped(Int(Double(rows) / loadSeconds))) rows/s, \(grouped(Int(Double(rows * options.fields) / loadSeconds))) values/s, " +
        "\(fmt(Double(loadedBytes) / 1048576 / loadSeconds, 1)) MiB/s; \(chunkCount) POSTs of \(fmt(options.chunkMinutes, 1)) min of EFD time " +
        "(~\(fmt(Double(loadedBytes) / Double(chunkCount) / 1048576, 1)) MiB), \(options.loadWriters) in flight, \(retries.value.withLock { $0 }) retried; " +
        "generating took \(fmt(generating.seconds, 1)) s of it")
    say("bench process while loading: VmRSS \(mib(baselineBeforeLoad.rss)) before, \(mib(afterLoad.rss)) after, VmHWM \(mib(afterLoad.hwm))")
    // Let influxd finish its snapshots and compactions, so they do not run during the drain.
    if options.influxPID != 0, let first = cpuSeconds(options.influxPID) {
        let settleStarted = clock.now
        var previous = first
        var idle = false
        while (clock.now - settleStarted).seconds < options.settleSeconds {
            try await Task.sleep(for: .seconds(2))
            guard let current = cpuSeconds(options.influxPID) else { break }
            defer { previous = current }
            if current - previous < 0.1 {  // under 5 % of a core over 2 s
                idle = true
                break
            }
        }
        say("influxd \(idle ? "went idle" : "still busy") \(fmt((clock.now - settleStarted).seconds, 0)) s after the load" +
            (idle ? "" : " (waited at most \(fmt(options.settleSeconds, 0)) s; compactions may overlap the run)"))
    }
    if !options.influxDirectory.isEmpty {
        say("InfluxDB on disk: data \(fmt(Double(directoryBytes(options.influxDirectory + "/data")) / 1048576, 0)) MiB, " +
            "wal \(fmt(Double(directoryBytes(options.influxDirectory + "/wal")) / 1048576, 0)) MiB (all of it in the page cache: a warm EFD)")
    }
    say("")

    // MARK: 2. ConsDB
    say("== 2. ConsDB ==")
    let database = "efd_batch_bench"
    let admin = try await Connection.connect(options.adminURL, logger: logger)
    _ = try await admin.execute("DROP DATABASE IF EXISTS \(SQL.quoteIdentifier(database)) WITH (FORCE)")
    _ = try await admin.execute("CREATE DATABASE \(SQL.quoteIdentifier(database))")
    let url: String
    if let slash = options.adminURL.lastIndex(of: "/") { url = String(options.adminURL[...slash]) + database } else { url = options.adminURL + "/" + database }
    let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4), logger: logger)
    let setupStarted = clock.now
    try await pool.withConnection { connection in
        _ = try await SchemaApplier.apply(felisFile: URL(fileURLWithPath: options.felisPath), on: connection)
        _ = try await SchemaApplier.apply(EFDSchema.felis(for: config, instrument: "latiss"), on: connection)
        let copied = try await connection.copyIn(SQL(unsafeSQL: """
            COPY cdb_latiss.exposure (exposure_id, exposure_name, controller, day_obs, seq_num, obs_start, obs_end) FROM STDIN
            """), rows: exposureList.map { e in
                [String(e.id), e.name, "O", String(e.dayObs), String(e.seqNum), taiText(e.begin), taiText(e.end)]
            })
        guard copied == exposureList.count else { throw BenchError("COPY wrote \(copied) exposures of \(exposureList.count)") }
    }
    let efdColumns = try await pool.query(SQL(unsafeSQL: """
        SELECT count(*) FROM information_schema.columns WHERE table_schema = 'efd_latiss' AND table_name = 'exposure_efd'
        """)).rows.first?.first ?? nil
    let spacing = exposureList.count > 1 ? exposureList[1].begin - exposureList[0].begin : 0
    say("cdb_latiss (\(options.felisPath)) and efd_latiss (exposure_efd: \(efdColumns ?? "?") columns) applied, \(exposureList.count) exposures " +
        "copied, one every \(fmt(spacing, 1)) s, in \(fmt((clock.now - setupStarted).seconds, 1)) s")

    let queue = BatchTaskQueue(pool: pool, worker: "efd-batch-bench")
    try await queue.create()
    let intervals = BatchInterval.split(start: nightStart, end: nightEnd, length: options.taskMinutes * 60, overlap: 0)
    let ids = try await queue.enqueue(intervals, instrument: "latiss", maxAttempts: 3)
    say("queued \(ids.count) tasks of \(fmt(options.taskMinutes, 0)) min, no overlap (consdb efd batch --interval \(fmt(options.taskMinutes, 0))m --overlap 0)")
    say("")

    // MARK: Per-query cost, for context
    say("== one raw query, for context: 5 min of one topic (all \(options.fields) fields) through InfluxClient ==")
    do {
        let middle = ((nightStart + nightEnd) / 2 / 300).rounded(.down) * 300
        var walls: [Double] = []
        var last = InfluxReadStats()
        for _ in 0..<5 {
            var buffer = TopicBuffer(fields: (0..<options.fields).map(fieldName))
            let started = clock.now
            last = try await influx.read(topic: topicName(7), fields: buffer.fieldNames, from: middle, through: middle + 300, into: &buffer)
            walls.append((clock.now - started).seconds)
        }
        say("\(topicName(7)) [\(utcText(middle)), +5 min]: \(grouped(last.rows)) rows, \(fmt(Double(last.bytes) / 1024, 0)) KiB of JSON in " +
            "\(last.chunks) chunk\(last.chunks == 1 ? "" : "s"); wall per query \(walls.map { fmt($0 * 1000, 1) }.joined(separator: ", ")) ms " +
            "(median \(fmt(median(walls) * 1000, 1)) ms); last one: waiting \(fmt(last.waiting.seconds * 1000, 1)) ms, parsing \(fmt(last.parsing.seconds * 1000, 1)) ms")
        say("the run asks \(options.topics) such queries per task (one per topic over the span of the task's windows)")
    }
    say("")

    // MARK: 3. The drain
    say("== 3. the run: one EFDBatchWorker drains the queue in-process ==")
    let worker = EFDBatchWorker(engine: SummaryEngine(config: config), queue: queue, pool: pool, history: InfluxHistory(client: influx),
                                instrument: "latiss", cdbSchema: "cdb_latiss", efdSchema: "efd_latiss", settings: EFDBatchSettings(), logger: logger)
    let sampler = Sampler()
    let progress = ProgressReporter(total: ids.count, label: "tasks", interactive: true, logger: logger,
                                    output: { line in sampler.progress.withLock { $0 = line.trimmingCharacters(in: .whitespacesAndNewlines) } })
    let beforeDrain = memoryStatus()
    let cpuBefore = (own: cpuSeconds(-1), influx: cpuSeconds(options.influxPID), postgres: cpuSeconds(options.postgresPID, children: true))
    let drainStarted = clock.now
    let sampling = Task {
        var lastNote = clock.now
        while !sampler.stopFlag.withLock({ $0 }) {
            let rss = memoryStatus().rss
            let elapsed = (clock.now - drainStarted).seconds
            sampler.samples.withLock { $0.append((elapsed, rss)) }
            if clock.now - lastNote >= .seconds(30) {
                lastNote = clock.now
                note("drain: \(fmt(elapsed, 0)) s, VmRSS \(mib(rss)); \(sampler.progress.withLock { $0 })")
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
    let report = try await worker.drain(progress: progress)
    let wall = (clock.now - drainStarted).seconds
    sampler.stopFlag.withLock { $0 = true }
    await sampling.value
    let cpuAfter = (own: cpuSeconds(-1), influx: cpuSeconds(options.influxPID), postgres: cpuSeconds(options.postgresPID, children: true))
    let afterDrain = memoryStatus()
    let states = try await queue.counts(instrument: "latiss")

    let waiting = report.history.waiting.seconds
    let parsing = report.history.parsing.seconds
    let summarizing = report.summarizing.seconds
    let writing = report.writing.seconds
    let ours = parsing + summarizing + writing
    let other = wall - waiting - ours
    let queries = report.tasksDone * options.topics
    say("wall time \(fmt(wall, 1)) s; tasks done \(report.tasksDone) of \(ids.count) (failed attempts \(report.attemptsFailed), " +
        "failed tasks \(report.tasksFailed); queue: \(states.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")))")
    say("windows: \(report.exposures) exposures, \(report.visits) visits; rows written \(grouped(report.rows)) " +
        "(exposure_efd + visit1_efd, \(config.columns.count) columns each)")
    say("history: \(grouped(report.history.rows)) rows, \(fmt(Double(report.history.bytes) / 1048576, 1)) MiB of JSON in \(queries) queries " +
        "(\(fmt(Double(report.history.bytes) / Double(max(report.history.rows, 1)), 0)) bytes a row)")
    say("split of the wall time:")
    func line(_ label: String, _ value: Double, _ detail: String = "") {
        say("  \(label.padding(toLength: 54, withPad: " ", startingAt: 0)) \(fmt(value, 2).leftPadded(8)) s  \(fmt(value / wall * 100, 1).leftPadded(5)) %\(detail)")
    }
    line("InfluxDB answering (waiting for the answer)", waiting, "  (\(fmt(waiting / Double(max(queries, 1)) * 1000, 1)) ms a query)")
    line("parsing (JSON -> topic buffers)", parsing, "  (\(fmt(Double(report.history.bytes) / 1048576 / max(parsing, 1e-9), 0)) MiB/s)")
    line("summarizing (\(report.exposures + report.visits) windows x \(config.columns.count) columns)", summarizing,
         "  (\(grouped(Int(Double((report.exposures + report.visits) * config.columns.count) / max(summarizing, 1e-9)))) window x columns/s)")
    line("writing (upserts + done mark, one transaction a task)", writing, "  (\(fmt(writing / Double(max(report.tasksDone, 1)) * 1000, 1)) ms a task)")
    line("other (claim, window query, lease, scheduling)", other)
    let pass = ours < waiting
    say("check: our share (parsing + summarizing + writing) \(fmt(ours, 2)) s \(pass ? "<" : ">=") InfluxDB answering \(fmt(waiting, 2)) s " +
        "(ratio \(fmt(ours / max(waiting, 1e-9), 2))): \(pass ? "PASS" : "FAIL")")
    say("rates: \(grouped(Int(Double(report.history.rows) / wall))) history rows/s (\(grouped(Int(Double(report.history.rows * options.fields) / wall))) values/s), " +
        "\(fmt(Double(report.exposures) / wall, 1)) exposures/s (\(fmt(Double(report.exposures + report.visits) / wall, 1)) windows/s), " +
        "\(fmt(options.hours * 3600 / wall, 0)) s of EFD time per second")
    func cpu(_ before: Double?, _ after: Double?) -> String {
        guard let before, let after else { return "n/a" }
        return "\(fmt(after - before, 1)) s (\(fmt((after - before) / wall * 100, 0)) % of a core)"
    }
    say("CPU during the run (\(cores) cores = \(fmt(Double(cores) * wall, 0)) core-seconds available): this process \(cpu(cpuBefore.own, cpuAfter.own)), " +
        "influxd \(cpu(cpuBefore.influx, cpuAfter.influx)), PostgreSQL \(cpu(cpuBefore.postgres, cpuAfter.postgres))")
    let samples = sampler.samples.withLock { $0 }
    let values = samples.map { Double($0.rss) }
    func at(_ fraction: Double) -> String {
        guard let nearest = samples.min(by: { abs($0.elapsed - fraction * wall) < abs($1.elapsed - fraction * wall) }) else { return "n/a" }
        return mib(nearest.rss)
    }
    say("memory (VmRSS of this process every 0.5 s, \(samples.count) samples): before the run \(mib(beforeDrain.rss)); min \(mib(Int(values.min() ?? 0))), " +
        "median \(mib(Int(median(values)))), max \(mib(Int(values.max() ?? 0))); at 10 % \(at(0.1)), 50 % \(at(0.5)), 90 % \(at(0.9)) of the run; " +
        "after \(mib(afterDrain.rss)); VmHWM \(mib(afterDrain.hwm)) (whole process, load included)")
    say("")

    // MARK: 4. Checks
    say("== 4. checks ==")
    let exposureRows = try await pool.query(SQL(unsafeSQL: "SELECT count(*) FROM efd_latiss.exposure_efd")).rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? -1
    let visitRows = try await pool.query(SQL(unsafeSQL: "SELECT count(*) FROM efd_latiss.visit1_efd")).rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? -1
    let nulls = try await pool.query(SQL(unsafeSQL: """
        SELECT count(*) FROM efd_latiss.exposure_efd WHERE \(columnName(0, 0, .mean)) IS NULL
           OR \(columnName(options.topics - 1, options.fields - 1, .rmsFromPolynomialFit(degree: 4, fitBasis: .index))) IS NULL
        """)).rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? -1
    say("exposure_efd \(exposureRows) rows, visit1_efd \(visitRows) rows (expected \(exposureList.count) each); rows with a NULL in a first/last column: \(nulls)")
    // EFD columns are `float` in Felis (PostgreSQL real, as the reference's schema): compare at that precision.
    let storedType = try await pool.query(SQL(unsafeSQL: """
        SELECT data_type FROM information_schema.columns
        WHERE table_schema = 'efd_latiss' AND table_name = 'exposure_efd' AND column_name = '\(columnName(0, 0, .mean))'
        """)).rows.first?.first.flatMap { $0 } ?? "?"
    let tolerance = storedType == "real" ? 0x1p-23 : 1e-9
    var worst = 0.0
    var checked = 0
    for exposure in [exposureList.first, exposureList[exposureList.count / 2], exposureList.last].compactMap({ $0 }) {
        for (t, f) in [(0, 0), (options.topics / 2, 1), (options.topics - 1, options.fields - 1)] {
            // The samples in [begin, end] (the sample times are 0.5 ms or more off the exposures' ms grid).
            var values: [Double] = []
            let first = max(0, Int(((exposure.begin - nightStart) * options.rate).rounded(.down)) - 2)
            for i in first..<min(night.samples, first + Int(options.exposureSeconds * options.rate) + 5) {
                let time = night.time(topic: t, sample: i)
                if time >= exposure.begin && time <= exposure.end { values.append(night.value(topic: t, field: f, sample: i)) }
            }
            let expected = (mean: values.reduce(0, +) / Double(values.count), min: values.min() ?? .nan, max: values.max() ?? .nan)
            let row = try await pool.query(SQL(unsafeSQL: """
                SELECT \(columnName(t, f, .mean)), \(columnName(t, f, .min)), \(columnName(t, f, .max))
                FROM efd_latiss.exposure_efd WHERE exposure_id = \(exposure.id)
                """)).rows.first ?? []
            for (index, want) in [expected.mean, expected.min, expected.max].enumerated() {
                let got = row.count > index ? row[index].flatMap { Double($0) } ?? .nan : .nan
                let error = abs(got - want) / max(abs(want), 1e-300)
                worst = error.isNaN ? .infinity : max(worst, error)
                checked += 1
                if !(error <= tolerance) {
                    say("  exposure \(exposure.id) \(["mean", "min", "max"][index]) of topic \(t) field \(f): got \(got), expected \(want) " +
                        "(\(values.count) samples in [\(exposure.begin), \(exposure.end)])")
                }
            }
        }
    }
    let valuesOK = worst <= tolerance
    say("\(checked) values (mean, min, max of 3 fields in the first, middle and last exposure) against the generator: " +
        "largest relative difference \(String(format: "%.2e", worst)) (columns are \(storedType); tolerance \(String(format: "%.1e", tolerance))): " +
        "\(valuesOK ? "ok" : "MISMATCH")")

    // Where the writing goes: one exposure's 1,000-column row upserted again and again, as the worker does.
    do {
        let engine = SummaryEngine(config: config)
        let exposure = exposureList[0]
        var buffers = engine.makeBuffers()
        for t in 0..<options.topics {
            var buffer = buffers[topicName(t)]!
            let first = max(0, Int(((exposure.begin - nightStart) * options.rate).rounded(.down)) - 2)
            for i in first..<min(night.samples, first + Int(options.exposureSeconds * options.rate) + 5) {
                try buffer.append(time: night.time(topic: t, sample: i), values: (0..<options.fields).map { night.value(topic: t, field: $0, sample: i) })
            }
            buffers[topicName(t)] = buffer
        }
        var scratch = SampleSelection()
        let window = ObservationWindow(kind: .exposure, id: exposure.id, dayObs: exposure.dayObs, seqNum: exposure.seqNum,
                                       span: SampleWindow(begin: exposure.begin, end: exposure.end))
        let summary = engine.summarize(window.span, kind: .exposure, buffers: buffers, scratch: &scratch)
        let writer = EFDRowWriter(schema: "efd_latiss")
        let repeats = 20
        let own = cpuSeconds(-1)
        let postgres = cpuSeconds(options.postgresPID, children: true)
        let started = clock.now
        for _ in 0..<repeats {
            try await pool.withTransaction { connection in try await writer.write(summary, for: window, on: connection) }
        }
        let each = (clock.now - started).seconds / Double(repeats)
        func per(_ before: Double?, _ after: Double?) -> String {
            guard let before, let after else { return "n/a" }
            return "\(fmt((after - before) / Double(repeats) * 1000, 1)) ms"
        }
        say("one \(summary.columns.count)-column row upserted (EFDRowWriter.write in its own transaction, \(repeats) times): \(fmt(each * 1000, 1)) ms each; " +
            "CPU per row: this process \(per(own, cpuSeconds(-1))), PostgreSQL \(per(postgres, cpuSeconds(options.postgresPID, children: true)))")
    }
    say("")
    say("== summary ==")
    say("night: \(fmt(options.hours, 1)) h, \(grouped(rows)) rows x \(options.fields) fields at \(fmt(options.rate, 0)) Hz, \(exposureList.count) exposures; " +
        "load \(fmt(loadSeconds, 0)) s (not part of the run)")
    say("run: wall \(fmt(wall, 1)) s = InfluxDB answering \(fmt(waiting, 1)) s (\(fmt(waiting / wall * 100, 0)) %) + parsing \(fmt(parsing, 1)) s " +
        "(\(fmt(parsing / wall * 100, 0)) %) + summarizing \(fmt(summarizing, 1)) s (\(fmt(summarizing / wall * 100, 0)) %) + writing \(fmt(writing, 1)) s " +
        "(\(fmt(writing / wall * 100, 0)) %) + other \(fmt(other, 1)) s (\(fmt(other / wall * 100, 0)) %)")
    say("our share \(fmt(ours, 1)) s vs InfluxDB \(fmt(waiting, 1)) s: \(pass ? "PASS" : "FAIL"); memory flat: VmRSS min \(mib(Int(values.min() ?? 0))), " +
        "max \(mib(Int(values.max() ?? 0))) over the run")
    say("(\(cores) cores shared by influxd, PostgreSQL and the worker: time spent waiting for InfluxDB includes InfluxDB's own CPU, " +
        "and on 2 cores any process's work can delay the others)")
    await pool.shutdown()
    if report.tasksDone != ids.count || exposureRows != exposureList.count || visitRows != exposureList.count || !valuesOK {
        throw BenchError("the run did not write every row it should (see the checks)")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

// MARK: - Main

let options = Options()
guard !options.adminURL.isEmpty, !options.influxURL.isEmpty else {
    FileHandle.standardError.write(Data("efd-batch-bench: --database-url (an admin URL of a throwaway PostgreSQL) and --influx-url are required\n".utf8))
    exit(2)
}
do {
    try await run(options)
} catch {
    FileHandle.standardError.write(Data("efd-batch-bench: \(error)\n".utf8))
    exit(1)
}
