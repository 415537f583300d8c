// efd-bench: throughput of the EFD path, in memory, single thread. Run it through Benchmarks/efd-engine,
// which builds it in release mode.
//
//   1. ingest: Confluent-framed Avro telemetry of a SAL-like schema, decoded the way the stream decodes it
//      (ConfluentFrame.parse + AvroRecordReader.read into [Double], then TopicBuffer.append): field samples/s;
//   2. engine: a synthetic night (topics x fields at 50 Hz), exposures of 30 s, mean/stddev/min/max/
//      rms_from_polynomial_fit for every field: `SummaryEngine.summarize` over every window, exposure x
//      columns per second, and the split per function;
//   3. reference: one exposure (and one visit) summarized with the full lsstcam config.
import Avro
import EFD
import Foundation
import TimeScales

// MARK: - Arguments

func argument(_ name: String, default fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let parts = Set(argument("--parts", default: "ingest,engine,reference").split(separator: ",").map(String.init))
let ingestMessages = Int(argument("--ingest-messages", default: "200000"))!
let ingestPasses = Int(argument("--ingest-passes", default: "5"))!
let nightHours = Double(argument("--hours", default: "10"))!
let topicCount = Int(argument("--topics", default: "20"))!
let fieldsPerTopic = Int(argument("--fields", default: "10"))!
let exposureCount = Int(argument("--exposures", default: "1000"))!
let exposureSeconds = 30.0
let rate = 50.0
let engineRepeats = Int(argument("--engine-repeats", default: "3"))!
let referenceConfig = argument("--efd-config", default: "../shared/reference/efd-config/config_lsstcam.yaml")
let referenceRuns = Int(argument("--reference-runs", default: "21"))!

let clock = ContinuousClock()
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
func fmt(_ value: Double, _ decimals: Int = 0) -> String {
    String(format: "%.\(decimals)f", value)
}
func grouped(_ value: Double) -> String {
    let digits = String(Int(value.rounded()))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
func lpad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// A small deterministic generator (xorshift64*), so every run sees the same data.
struct Random {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { Double(next() >> 11) * 0x1p-52 - 1 }
}

/// Resident set size (from /proc/self/statm), GiB.
func residentGiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return .nan }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return .nan }
    return pages * 4096 / 1_073_741_824
}

let nightStart = 1_764_021_600.0  // 2025-11-24T22:00:00Z
var summaryLines: [String] = []

print("efd-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores (every measurement runs on one thread)")
print("command: \(CommandLine.arguments.joined(separator: " "))")
print("")

// MARK: - 1. Ingest

if parts.contains("ingest") {
    let scalarNames = ["xForce", "yForce", "zForce", "fx", "fy", "fz", "mx", "my", "mz"]
    let schemaText = """
        {"type": "record", "name": "forceActuatorData", "namespace": "lsst.sal.MTM1M3", "fields": [
          {"name": "private_sndStamp", "type": "double", "description": "Time of instance publication", "units": "second"},
          {"name": "private_rcvStamp", "type": "double", "description": "Time of instance reception", "units": "second"},
          {"name": "private_efdStamp", "type": "double", "description": "UTC time for EFD timestamp", "units": "second"},
          {"name": "private_kafkaStamp", "type": "double", "description": "TAI time of Kafka message", "units": "second"},
          {"name": "private_seqNum", "type": "int", "description": "Sequence number", "units": "unitless"},
          {"name": "private_revCode", "type": "string", "description": "Revision hashcode", "units": "unitless"},
          {"name": "private_identity", "type": "string", "description": "Identity of publisher", "units": "unitless"},
          {"name": "private_origin", "type": "int", "description": "PID of publisher", "units": "unitless"},
        \(scalarNames.map { "  {\"name\": \"\($0)\", \"type\": \"double\", \"description\": \"\($0)\", \"units\": \"N\"}," }.joined(separator: "\n"))
          {"name": "zForces", "type": {"type": "array", "items": "float"}, "description": "Z forces", "units": "N"}
        ]}
        """
    let schema = try AvroSchema(parsing: schemaText)
    let schemaID: UInt32 = 42
    let encoder = AvroEncoder()
    var random = Random(seed: 7)
    var messages: [[UInt8]] = []
    messages.reserveCapacity(ingestMessages)
    for i in 0..<ingestMessages {
        let t = nightStart + Double(i) / rate
        var fields: [(name: String, value: AvroValue)] = [
            ("private_sndStamp", .double(t + 37 - 0.004)),
            ("private_rcvStamp", .double(t + 37 - 0.002)),
            ("private_efdStamp", .double(t)),
            ("private_kafkaStamp", .double(t + 37)),
            ("private_seqNum", .int(Int32(i))),
            ("private_revCode", .string("c5b1d2e6")),
            ("private_identity", .string("MTM1M3")),
            ("private_origin", .int(12345)),
        ]
        for (k, name) in scalarNames.enumerated() {
            fields.append((name, .double(100 * Double(k + 1) + random.symmetric())))
        }
        fields.append(("zForces", .array((0..<8).map { _ in .float(Float(500 + 10 * random.symmetric())) })))
        messages.append(try encoder.encodeFrame(.record(fields), as: schema, schemaID: schemaID))
    }
    let messageBytes = messages.reduce(0) { $0 + $1.count } / messages.count

    /// The stream's per-message work (TelemetryDecoder.decode without the async registry fetch, plus the
    /// TopicBuffer append in EFDStreamWorker), over every message once.
    struct ReaderKey: Hashable {
        var topic: String
        var schemaID: UInt32
    }
    func ingest(columns: [String]) throws -> (rate: Double, fields: Int, seconds: [Double]) {
        let topic = "lsst.sal.MTM1M3.forceActuatorData"
        let readers: [ReaderKey: AvroRecordReader] = [
            ReaderKey(topic: topic, schemaID: schemaID): try AvroRecordReader(schema: schema, columns: ["private_efdStamp"] + columns),
        ]
        precondition(readers.values.first!.unmatchedColumns.isEmpty)
        var passes: [Double] = []
        var checksum = 0.0
        for _ in 0..<ingestPasses {
            var buffer = TopicBuffer(fields: columns)
            var values: [Double] = []
            var output: [Double] = []
            let start = clock.now
            for message in messages {
                let frame = try ConfluentFrame.parse(message)
                let key = ReaderKey(topic: topic, schemaID: frame.schemaID)
                guard let reader = readers[key] else { fatalError("no reader") }
                try reader.read(frame.body, into: &values)
                let time = values[0]
                guard time.isFinite, time > 0 else { fatalError("bad time") }
                output.removeAll(keepingCapacity: true)
                output.append(contentsOf: values[1...])
                try buffer.append(time: time, values: output)
            }
            passes.append((clock.now - start).seconds)
            precondition(buffer.count == messages.count)
            checksum += buffer.value(at: buffer.count - 1, field: columns.count - 1)
        }
        precondition(checksum.isFinite)
        let perSecond = Double(messages.count * columns.count) / median(passes)
        return (perSecond, columns.count, passes)
    }

    print("== 1. ingest: decode + buffer, one core ==")
    print("schema lsst.sal.MTM1M3.forceActuatorData: 4 private_* doubles, private_seqNum, private_revCode, private_identity,")
    print("private_origin, 9 doubles, zForces (array of 8 floats); \(messages.count) messages of \(messageBytes) bytes (framed),")
    print("encoded up front; each pass decodes every message and appends it to a fresh TopicBuffer; median of \(ingestPasses) passes.")
    let ten = try ingest(columns: scalarNames + ["zForces0"])
    let all = try ingest(columns: scalarNames + (0..<8).map { "zForces\($0)" })
    for (label, result) in [("10 columns (9 doubles + zForces0)", ten), ("17 columns (9 doubles + zForces0..7)", all)] {
        let messagesPerSecond = result.rate / Double(result.fields)
        let line = "ingest \(pad(label, 38)) \(lpad(grouped(result.rate), 11)) field samples/s  (\(grouped(messagesPerSecond)) messages/s, \(fmt(1e9 / messagesPerSecond, 0)) ns/message; passes \(result.seconds.map { fmt($0 * 1000, 1) }.joined(separator: ", ")) ms)"
        print(line)
        summaryLines.append(line)
    }
    print("")
}

// MARK: - 2. Engine on a synthetic night

if parts.contains("engine") {
    let samplesPerTopic = Int(nightHours * 3600 * rate)
    print("== 2. engine: synthetic night in memory ==")
    print("\(topicCount) topics x \(fieldsPerTopic) fields at \(fmt(rate)) Hz for \(fmt(nightHours, 1)) h = \(grouped(Double(samplesPerTopic))) samples per topic")

    let topicNames = (0..<topicCount).map { String(format: "lsst.sal.Bench.topic%02d", $0) }
    let fieldNames = (0..<fieldsPerTopic).map { "value\($0)" }

    func config(_ functions: [SummaryFunction]) -> EFDConfig {
        var columns: [EFDColumn] = []
        for (t, topic) in topicNames.enumerated() {
            for field in fieldNames {
                for function in functions {
                    columns.append(EFDColumn(name: "t\(t)_\(field)_\(function.name)", tables: [.exposure, .visit], function: function,
                                             topics: [EFDTopicSelection(name: topic, fields: [field])]))
                }
            }
        }
        return EFDConfig(version: "1.0.0", columns: columns)
    }
    let fit = SummaryFunction.rmsFromPolynomialFit(degree: 4, fitBasis: .index)
    let allFunctions: [SummaryFunction] = [.mean, .stddev(ddof: 1), .min, .max, fit]
    let full = SummaryEngine(config: config(allFunctions))

    // Fill the buffers: per field a different mix of offset, slow drift (a rotation, no sin per sample),
    // and noise; field 9 of every topic misses one sample in 10,000 (NaN), as after a schema change.
    let generationStart = clock.now
    var buffers = full.makeBuffers()
    for (t, topic) in topicNames.enumerated() {
        var buffer = buffers[topic]!
        precondition(buffer.fieldNames == fieldNames)
        buffer.reserveCapacity(samplesPerTopic)
        var random = Random(seed: UInt64(1000 + t))
        var offsets: [Double] = []
        var amplitudes: [Double] = []
        var noise: [Double] = []
        var cosines: [Double] = []
        var sines: [Double] = []
        var rotations: [(c: Double, s: Double)] = []
        for f in 0..<fieldsPerTopic {
            offsets.append(f % 3 == 0 ? 1.0e6 * Double(f + 1) : Double(f) * 10)
            amplitudes.append(f % 2 == 0 ? 5 : 0.5)
            noise.append(f % 3 == 1 ? 1e-3 : 0.1)
            let period = 600.0 + 97 * Double(f) + 13 * Double(t)  // seconds
            let angle = 2 * Double.pi / (period * rate)
            rotations.append((cos(angle), sin(angle)))
            cosines.append(1)
            sines.append(0)
        }
        var row = [Double](repeating: 0, count: fieldsPerTopic)
        for i in 0..<samplesPerTopic {
            let time = nightStart + Double(i) / rate + 0.0004 * random.symmetric()
            for f in 0..<fieldsPerTopic {
                let (c, s) = (cosines[f] * rotations[f].c - sines[f] * rotations[f].s, sines[f] * rotations[f].c + cosines[f] * rotations[f].s)
                cosines[f] = c
                sines[f] = s
                row[f] = offsets[f] + amplitudes[f] * s + noise[f] * random.symmetric()
            }
            if fieldsPerTopic > 9, i % 10_000 == 5_000 { row[9] = .nan }
            try row.withUnsafeBufferPointer { try buffer.append(time: time, values: $0) }
        }
        buffers[topic] = buffer
    }
    let generationSeconds = (clock.now - generationStart).seconds
    print("generated in \(fmt(generationSeconds, 1)) s; resident memory \(fmt(residentGiB(), 2)) GiB")

    // Exposures: 30 s each, spread evenly over the night (a minute of margin at each end).
    let spacing = (nightHours * 3600 - 120 - exposureSeconds) / Double(Swift.max(exposureCount - 1, 1))
    let windows = (0..<exposureCount).map { j -> SampleWindow in
        let begin = nightStart + 60 + Double(j) * spacing + 0.37
        return SampleWindow(begin: begin, end: begin + exposureSeconds)
    }
    print("\(exposureCount) exposures of \(fmt(exposureSeconds)) s, one every \(fmt(spacing, 1)) s (~\(fmt(exposureSeconds * rate)) samples per field per window)")

    /// Summarizes every window with `engine`, `engineRepeats` times; the median pass.
    func run(_ engine: SummaryEngine) -> (seconds: Double, passes: [Double], nonNull: Int) {
        var scratch = SampleSelection()
        var passes: [Double] = []
        var nonNull = 0
        var checksum = 0.0
        for _ in 0..<engineRepeats {
            nonNull = 0
            let start = clock.now
            for window in windows {
                let summary = engine.summarize(window, kind: .exposure, buffers: buffers, scratch: &scratch)
                for (_, value) in summary.columns {
                    if let value {
                        nonNull += 1
                        checksum += value
                    }
                }
            }
            passes.append((clock.now - start).seconds)
        }
        precondition(checksum.isFinite)
        return (median(passes), passes, nonNull)
    }

    let variants: [(label: String, functions: [SummaryFunction])] = [
        ("all 5 functions", allFunctions),
        ("mean", [.mean]),
        ("stddev (ddof 1)", [.stddev(ddof: 1)]),
        ("min", [.min]),
        ("max", [.max]),
        ("mean+stddev+min+max", [.mean, .stddev(ddof: 1), .min, .max]),
        ("rms_from_polynomial_fit (deg 4, index)", [fit]),
        ("most_recent_value (gather cost only)", [.mostRecentValue]),
    ]
    print("each row: summarize over all \(exposureCount) windows (exposure kind), median of \(engineRepeats) passes")
    print("(single-function rows read each field's window from memory for that function alone; in the full config the")
    print(" later functions of a field find it in cache, so the rows do not add up to the first one)")
    let header = "\(pad("columns", 40)) \(lpad("cols", 5)) \(lpad("s/pass", 8)) \(lpad("exp x cols/s", 13)) \(lpad("us/col", 7))  passes (s)"
    print(header)
    summaryLines.append("engine " + header)
    for (label, functions) in variants {
        let engine = label == "all 5 functions" ? full : SummaryEngine(config: config(functions))
        let columnCount = engine.config.columns.count
        let result = run(engine)
        precondition(result.nonNull == columnCount * exposureCount, "\(label): \(result.nonNull) non-null values")
        let evaluations = Double(columnCount * exposureCount)
        let line = "\(pad(label, 40)) \(lpad(String(columnCount), 5)) \(lpad(fmt(result.seconds, 3), 8)) \(lpad(grouped(evaluations / result.seconds), 13)) \(lpad(fmt(result.seconds / evaluations * 1e6, 2), 7))  \(result.passes.map { fmt($0, 3) }.joined(separator: ", "))"
        print(line)
        summaryLines.append("engine " + line)
    }
    buffers = [:]
    print("")
}

// MARK: - 3. One exposure with the reference lsstcam config

if parts.contains("reference") {
    print("== 3. reference config: one exposure ==")
    let config = try EFDConfig.load(contentsOf: URL(fileURLWithPath: referenceConfig))
    let engine = SummaryEngine(config: config)
    var buffers = engine.makeBuffers()
    let begin = nightStart + 3600
    let window = SampleWindow(begin: begin, end: begin + exposureSeconds)
    // Every topic: 30 s at 50 Hz per SAL index its columns select (salIndex cycles through them, so each
    // index publishes at 50 Hz), starting at the window's begin.
    var subsetValues: [String: [String: Set<Double>]] = [:]  // topic -> subset field -> values
    for column in config.columns {
        guard let field = column.subsetField else { continue }
        for topic in column.topics { subsetValues[topic.name, default: [:]][field, default: []].formUnion(column.subsetValues) }
    }
    var random = Random(seed: 99)
    var totalSamples = 0
    for (topic, fields) in engine.topicFields.sorted(by: { $0.key < $1.key }) {
        var buffer = buffers[topic]!
        let subsets = subsetValues[topic] ?? [:]
        let indexCount = subsets.values.map(\.count).max() ?? 1
        let sampleCount = Int(exposureSeconds * rate) * indexCount
        var row = [Double](repeating: 0, count: fields.count)
        for i in 0..<sampleCount {
            let time = begin + Double(i) / (rate * Double(indexCount))
            for (f, name) in fields.enumerated() {
                if let values = subsets[name] {
                    let sorted = values.sorted()
                    row[f] = sorted[i % sorted.count]
                } else {
                    row[f] = 100 * Double(f + 1) + sin(time * 0.1 + Double(f)) + 0.01 * random.symmetric()
                }
            }
            try buffer.append(time: time, values: row)
        }
        totalSamples += sampleCount
        buffers[topic] = buffer
    }
    let fieldColumns = engine.topicFields.values.reduce(0) { $0 + $1.count }
    print("\(config.columns.count) columns over \(config.topicNames.count) topics (\(fieldColumns) buffer fields); \(grouped(Double(totalSamples))) samples in the buffers")
    for kind in [WindowKind.exposure, .visit] {
        var scratch = SampleSelection()
        var times: [Double] = []
        var summary = engine.summarize(window, kind: kind, buffers: buffers, scratch: &scratch)  // warm-up
        for _ in 0..<referenceRuns {
            let start = clock.now
            summary = engine.summarize(window, kind: kind, buffers: buffers, scratch: &scratch)
            times.append((clock.now - start).seconds)
        }
        let nonNull = summary.columns.filter { $0.value != nil }.count
        let unpivotedNonNull = summary.unpivoted.filter { $0.value != nil }.count
        let line = "reference lsstcam \(pad(kind.rawValue, 8)) one summarize: median \(fmt(median(times) * 1000, 2)) ms (min \(fmt(times.min()! * 1000, 2)), max \(fmt(times.max()! * 1000, 2)); \(referenceRuns) runs); \(summary.columns.count) columns (\(nonNull) non-null) + \(summary.unpivoted.count) unpivoted rows (\(unpivotedNonNull) non-null)"
        print(line)
        summaryLines.append(line)
    }
    print("")
}

print("== summary (\(ProcessInfo.processInfo.activeProcessorCount) cores, single thread) ==")
for line in summaryLines { print(line) }
