import Fetch
import Foundation
import HeaderFile
import Ingest
import Testing
import TestSupport

@Suite("hinfo backfill", .needsConsDBReference, .serialized)
struct BackfillTests {
    @Test func ingestsEveryYamlBelowAFolderAndRejectsTheBadOnes() async throws {
        try await HinfoHarness.with(.latiss, s3: false) { harness in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("2024/08/01"), withIntermediateDirectories: true)
            for seq in 1...5 {
                let header = try Headers.realLATISS(replacing: ["SEQNUM": .int(Int64(seq)), "OBSID": .string("AT_O_20240801_00000\(seq)")])
                try Data(Headers.yaml(header)).write(to: folder.appendingPathComponent("2024/08/01/h\(seq).yaml"))
            }
            try Data("PRIMARY: [unclosed\n".utf8).write(to: folder.appendingPathComponent("2024/08/01/broken.yaml"))
            try Data("not a header".utf8).write(to: folder.appendingPathComponent("notes.txt"))
            let files = try HeaderBackfill.headerFiles(at: folder.path)
            #expect(files.count == 6)
            let ingestor = HeaderIngestor(instrument: .latiss, pool: harness.pool, metrics: HinfoMetrics(instrument: .latiss), logger: ingestTestLogger)
            try await ingestor.prepare()
            let backfill = HeaderBackfill(ingestor: ingestor, fetcher: Fetcher(), concurrency: 3, logger: ingestTestLogger)
            let lines = LockedLines()
            let progress = ProgressReporter(total: files.count, label: "headers", interactive: true, logger: ingestTestLogger, output: { lines.append($0) })
            let summary = try await backfill.run(files: files, progress: progress)
            #expect(summary.headers == 6 && summary.written == 5 && summary.rejected == 1 && summary.detectorRows == 5)
            #expect(lines.all.last?.contains("6/6 100%") == true, "\(lines.all)")
            #expect(lines.all.last?.contains("rejected 1") == true)
            #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 5)
            let rejections = try await harness.rejections()
            #expect(rejections.count == 1 && rejections[0].source.hasSuffix("broken.yaml") && rejections[0].offset == -1)
            // Again: nothing new, nothing doubled; the dead letter is refreshed, not repeated.
            let again = try await backfill.run(files: files)
            #expect(again.unchanged == 5 && again.rejected == 1)
            #expect(try await harness.count("SELECT attempts FROM consdb_ingest.rejected") == 2)
            #expect(throws: IngestSetupError.self) { try HeaderBackfill.headerFiles(at: folder.path + "/missing") }
        }
    }

    @Test func ingestsOneDayOfTheBucket() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            for seq in 1...5 {
                let header = try Headers.realLATISS(replacing: ["SEQNUM": .int(Int64(seq)), "OBSID": .string("AT_O_20240801_00000\(seq)")])
                _ = try await harness.storeHeader(Headers.yaml(header), name: "AT_O_20240801_00000\(seq)")
            }
            // Another day, which must not be picked up.
            _ = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: ["SEQNUM": .int(9)])), name: "other", day: "2024/08/02")
            let fetcher = Fetcher(s3: harness.s3Settings, logger: ingestTestLogger)
            // Small pages, so the listing follows continuation tokens.
            let keys = try await fetcher.listS3(bucket: harness.bucket, prefix: "ATHeaderService/header/2024/08/01/", pageSize: 2)
            #expect(keys.count == 5)
            let ingestor = HeaderIngestor(instrument: .latiss, pool: harness.pool, metrics: HinfoMetrics(instrument: .latiss), logger: ingestTestLogger)
            try await ingestor.prepare()
            let backfill = HeaderBackfill(ingestor: ingestor, fetcher: fetcher, logger: ingestTestLogger)
            let dayKeys = try await backfill.dayKeys(bucket: harness.bucket, dayObs: 20240801)
            #expect(dayKeys == keys)
            let summary = try await backfill.run(urls: dayKeys.map { "s3://\(harness.bucket)/\($0)" })
            #expect(summary.written == 5 && summary.rejected == 0)
            #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 5)
            await #expect(throws: FetchError.self) { try await Fetcher().listS3(bucket: "b", prefix: "p") }
        }
    }
}

final class LockedLines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
