import Fetch
import Foundation
import Logging

/// What a backfill did.
public struct BackfillSummary: Sendable, Equatable {
    public var headers = 0
    public var written = 0
    /// Headers whose exposure existed already (left alone).
    public var unchanged = 0
    public var skipped = 0
    public var rejected = 0
    public var exposureRows = 0
    public var detectorRows = 0
}

/// Ingests headers that already exist: every `*.yaml` below a directory, or every header of one observing
/// day in the LFA bucket. The same path as the event worker (rejections to the dead-letter table, waits
/// while the database is down), with several headers in flight.
public struct HeaderBackfill: Sendable {
    public var ingestor: HeaderIngestor
    public var fetcher: Fetcher
    /// Headers in flight at once (default: two per core).
    public var concurrency: Int
    public var maximumRetryDelay: Duration = .seconds(10)
    let logger: Logger

    public init(ingestor: HeaderIngestor, fetcher: Fetcher, concurrency: Int = 2 * ProcessInfo.processInfo.activeProcessorCount,
                logger: Logger = Logger(label: "consdb.hinfo.backfill")) {
        self.ingestor = ingestor
        self.fetcher = fetcher
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// `path` itself if it is a file, else every file ending in `.yaml` below it, sorted.
    public static func headerFiles(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IngestSetupError("--path \(path) does not exist")
        }
        guard isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { throw IngestSetupError("--path \(path) cannot be read") }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".yaml") { files.append((path as NSString).appendingPathComponent(relative)) }
        }
        return files.sorted()
    }

    /// The LFA bucket keys of one observing day's headers: `<HeaderService>/header/YYYY/MM/DD/`.
    public func dayKeys(bucket: String, dayObs: Int) async throws -> [String] {
        let prefix = String(format: "%@/header/%04d/%02d/%02d/", ingestor.instrument.headerService, dayObs / 10000, dayObs / 100 % 100, dayObs % 100)
        return try await fetcher.listS3(bucket: bucket, prefix: prefix).filter { $0.hasSuffix(".yaml") }
    }

    /// Ingests local files.
    public func run(files: [String], progress: ProgressReporter? = nil) async throws -> BackfillSummary {
        try await run(items: files, progress: progress) { path in
            (try await Self.read(path), path)
        }
    }

    /// Ingests headers by URL (`s3://`, `http(s)://`, `file://`).
    public func run(urls: [String], progress: ProgressReporter? = nil) async throws -> BackfillSummary {
        try await run(items: urls, progress: progress) { url in
            (try await fetcher.get(url).body, url)
        }
    }

    private func run(items: [String], progress: ProgressReporter?, load: @escaping @Sendable (String) async throws -> ([UInt8], String)) async throws -> BackfillSummary {
        let retry = TransientRetry(service: "database", maximumDelay: maximumRetryDelay, pauses: ingestor.metrics.pauses, logger: logger)
        let ingestor = self.ingestor
        return try await withThrowingTaskGroup(of: IngestOutcome.self) { group in
            var summary = BackfillSummary()
            var next = items.startIndex
            func start() {
                let item = items[next]
                next += 1
                group.addTask {
                    ingestor.metrics.consumed.increment()
                    let bytes: [UInt8]
                    let source: String
                    do {
                        (bytes, source) = try await load(item)
                    } catch {
                        try Task.checkCancellation()
                        let origin = HeaderOrigin(source: item)
                        return try await retry.run { try await ingestor.reject(origin, stage: "fetch", error: "\(error)") }
                    }
                    let origin = HeaderOrigin(source: source, payload: bytes)
                    return try await retry.run { try await ingestor.ingest(bytes, origin: origin) }
                }
            }
            while next < items.endIndex, next - items.startIndex < concurrency { start() }
            while let outcome = try await group.next() {
                summary.headers += 1
                switch outcome {
                case .written(_, _, let rows):
                    if rows.exposureRows > 0 { summary.written += 1 } else { summary.unchanged += 1 }
                    summary.exposureRows += rows.exposureRows
                    summary.detectorRows += rows.detectorRows
                case .skipped: summary.skipped += 1
                case .rejected: summary.rejected += 1
                }
                progress?.advance(failed: { if case .rejected = outcome { return true } else { return false } }())
                if next < items.endIndex { start() }
            }
            return summary
        }
    }

    /// Reads a file off the cooperative pool.
    static func read(_ path: String) async throws -> [UInt8] {
        try await OffPool.run("consdb.hinfo.read") { () throws(IngestSetupError) -> [UInt8] in
            do {
                return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw IngestSetupError("cannot read \(path): \(error.localizedDescription)")
            }
        }
    }
}
