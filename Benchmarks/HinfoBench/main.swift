// hinfo-bench: header-to-rows latency and backfill throughput of the header worker, against a real
// PostgreSQL. Run it through Benchmarks/hinfo-ingest, which builds it in release mode and starts a
// throwaway database.
import Dispatch
import Felis
import FelisCatalog
import Foundation
import HeaderFile
import DevServices
import Ingest
import Logging
import Postgres

func argument(_ name: String, default fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let databaseURL = argument("--database-url", default: ProcessInfo.processInfo.environment["CONSDB_DATABASE_URL"] ?? "")
let felis = argument("--felis", default: "../shared/reference/felis/cdb_lsstcam.yaml")
let headerCount = Int(argument("--headers", default: "1000"))!
let latencySamples = Int(argument("--latency-samples", default: "300"))!
let detectorCount = Int(argument("--detectors", default: "189"))!
guard !databaseURL.isEmpty else { fatalError("--database-url or CONSDB_DATABASE_URL is required") }

var logger = Logger(label: "hinfo-bench")
logger.logLevel = .error
let pool = ConnectionPool(configuration: .init(conninfo: databaseURL, maxConnections: 2 * ProcessInfo.processInfo.activeProcessorCount + 1), logger: logger)
try await pool.withConnection { connection in
    _ = try await SchemaApplier.apply(felisFile: URL(fileURLWithPath: felis), on: connection)
}

// N LSSTCam headers with `detectorCount` science sensors each, as files.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hinfo-bench-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let sensors = Array(DemoHeaders.sensors(of: .lsstCam).prefix(detectorCount))
var files: [String] = []
var bytesPerHeader = 0
for observation in DemoHeaders.night(instrument: .lsstCam, dayObs: 20261124, count: headerCount, sensors: sensors) {
    let text = HeaderFileWriter.yaml(DemoHeaders.header(observation))
    bytesPerHeader = text.utf8.count
    let file = directory.appendingPathComponent("MTHeaderService_header_\(observation.observationID).yaml")
    try Data(text.utf8).write(to: file)
    files.append(file.path)
}
print("headers: \(headerCount) LSSTCam headers, \(detectorCount) detectors each, \(bytesPerHeader / 1024) KiB each")

func clear() async throws {
    _ = try await pool.query("TRUNCATE cdb_lsstcam.ccdexposure, cdb_lsstcam.exposure CASCADE")
}

func milliseconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }

// 1. Latency: header bytes in hand (readable) -> rows committed, one at a time.
try await clear()
let ingestor = HeaderIngestor(instrument: .lsstCam, pool: pool, metrics: HinfoMetrics(instrument: .lsstCam), logger: logger)
try await ingestor.prepare()
var latencies: [Double] = []
var parseOnly: [Double] = []
for path in files.prefix(latencySamples) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let parseStart = DispatchTime.now().uptimeNanoseconds
    _ = try HeaderTranslator(instrument: .lsstCam).translate(HeaderFile.parse(bytes))
    parseOnly.append(milliseconds(DispatchTime.now().uptimeNanoseconds - parseStart))
    let start = DispatchTime.now().uptimeNanoseconds
    let outcome = try await ingestor.ingest(bytes, origin: HeaderOrigin(source: path))
    latencies.append(milliseconds(DispatchTime.now().uptimeNanoseconds - start))
    guard case .written(_, _, let rows) = outcome, rows.detectorRows == detectorCount else { fatalError("unexpected outcome \(outcome)") }
}
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}
print(String(format: "latency (read -> committed), %d headers one at a time: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
             latencies.count, percentile(latencies, 0.5), percentile(latencies, 0.9), percentile(latencies, 0.99), latencies.max()!))
print(String(format: "  of which parse + translate: p50 %.1f ms, p99 %.1f ms", percentile(parseOnly, 0.5), percentile(parseOnly, 0.99)))

// 2. Backfill throughput from local files, with the command's default concurrency.
try await clear()
let backfill = HeaderBackfill(ingestor: ingestor, fetcher: .init(), logger: logger)
let started = DispatchTime.now().uptimeNanoseconds
let summary = try await backfill.run(files: files)
let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
guard summary.written == headerCount, summary.detectorRows == headerCount * detectorCount else { fatalError("backfill wrote \(summary)") }
print(String(format: "backfill: %d headers (%d detector rows) in %.2f s = %.0f headers/s, concurrency %d",
             summary.headers, summary.detectorRows, seconds, Double(summary.headers) / seconds, backfill.concurrency))
await pool.shutdown()
