import Dispatch
import HeaderFile
import Logging
import Postgres

/// Where a header came from, for logs and the dead-letter table.
public struct HeaderOrigin: Sendable {
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?
    /// The URL or file path of the header.
    public var source: String?
    /// The raw input kept with a rejection: the Kafka message, or the file's bytes.
    public var payload: [UInt8]?
    /// When the event announcing the header was sent (TAI unix seconds), if known.
    public var sentTAI: Double?

    public init(topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil, source: String? = nil, payload: [UInt8]? = nil, sentTAI: Double? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.source = source
        self.payload = payload
        self.sentTAI = sentTAI
    }
}

/// What became of one header.
public enum IngestOutcome: Sendable, Equatable {
    /// Rows were written (or, with the default policy, the exposure existed already: `rows` are zero).
    case written(exposureID: Int64, schema: String, rows: WriteOutcome)
    /// The header's controller is not ingested for this instrument.
    case skipped(reason: String)
    /// The input went to the dead-letter table with this error.
    case rejected(stage: String, error: String)
}

/// Turns header files into rows: parse, translate, write exposure and detectors in one transaction. Inputs
/// that cannot be parsed or mapped go to the dead-letter table; only failures that may pass (the
/// database down) are thrown, for the caller to retry.
public final class HeaderIngestor: Sendable {
    public let instrument: Instrument
    public let translator: HeaderTranslator
    public let policy: ExistingRowPolicy
    /// Writes every accepted controller's rows into this schema instead of the instrument's own.
    public let schemaOverride: String?
    public let metrics: HinfoMetrics
    let pool: ConnectionPool
    let writers: WriterCache
    let logger: Logger

    public var workerName: String { "hinfo \(instrument.rawValue)" }

    public init(instrument: Instrument, pool: ConnectionPool, policy: ExistingRowPolicy = .keep, schemaOverride: String? = nil,
                metrics: HinfoMetrics, logger: Logger = Logger(label: "consdb.hinfo")) {
        self.instrument = instrument
        self.translator = HeaderTranslator(instrument: instrument)
        self.policy = policy
        self.schemaOverride = schemaOverride
        self.metrics = metrics
        self.pool = pool
        self.writers = WriterCache(pool: pool, policy: policy)
        self.logger = logger
    }

    /// Checks, before any work, that the dead-letter table exists (creating it) and that the instrument's
    /// main schema is there with the columns an update names.
    public func prepare() async throws {
        try await pool.withConnection { try await DeadLetters.create(on: $0) }
        _ = try await writers.writer(for: schemaOverride ?? instrument.schema(for: .ocs)!)
    }

    /// Parses, translates and writes one header. A fault of the header itself is recorded as a rejection
    /// and returned; anything else (the database unavailable or refusing for reasons of its own) is
    /// thrown, for the caller to retry, and so is cancellation.
    public func ingest(_ bytes: [UInt8], origin: HeaderOrigin) async throws -> IngestOutcome {
        let readAt = DispatchTime.now()
        let record: ExposureRecord
        do {
            let header = try await Self.parseOffPool(bytes)
            record = try translator.translate(header)
        } catch let error as HeaderFileError {
            return try await reject(origin, stage: "parse", error: error.description)
        } catch {
            return try await reject(origin, stage: "map", error: "\(error)")
        }
        guard let controller = record.controller else {
            return try await reject(origin, stage: "map", error: "CONTRLLR is missing: the exposure's controller cannot be NULL")
        }
        guard let ownSchema = instrument.schema(for: controller) else {
            metrics.skipped.increment()
            let reason = "controller \(controller.rawValue) is not ingested for \(instrument.rawValue)"
            logger.notice("header skipped", metadata: ["event": "hinfo.skip", "exposure_id": "\(record.exposureID)", "reason": "\(reason)", "source": "\(origin.source ?? "")"])
            return .skipped(reason: reason)
        }
        let schema = schemaOverride ?? ownSchema
        let writer: ExposureWriter
        do {
            writer = try await writers.writer(for: schema)
        } catch let error as IngestSetupError {
            // The controller's schema does not exist (e.g. cdb_lsstcomcamsim never applied).
            return try await reject(origin, stage: "map", error: error.description)
        }
        let rows: WriteOutcome
        do {
            rows = try await pool.withTransaction { try await writer.write(record, on: $0) }
        } catch {
            try Task.checkCancellation()
            guard FailureKind.isInputFault(error) else { throw error }
            return try await reject(origin, stage: error is HeaderMappingError ? "map" : "write", error: "\(error)")
        }
        metrics.exposureRows.increment(by: Int64(rows.exposureRows))
        metrics.detectorRows.increment(by: Int64(rows.detectorRows))
        if rows.exposureRows == 0 { metrics.unchanged.increment() }
        metrics.headerLatency.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - readAt.uptimeNanoseconds))
        logger.info("header ingested", metadata: [
            "event": "hinfo.ingest", "exposure_id": "\(record.exposureID)", "exposure_name": "\(record.exposureName ?? "")",
            "schema": "\(schema)", "exposure_rows": "\(rows.exposureRows)", "detector_rows": "\(rows.detectorRows)",
            "detectors": "\(record.detectors.count)",
        ])
        return .written(exposureID: record.exposureID, schema: schema, rows: rows)
    }

    /// Records a rejection in the dead-letter table and reports it. Throws (for the caller to retry) when
    /// the table cannot be written, and `CancellationError` when cancelled: a shutdown must never turn
    /// work in hand into a dead letter.
    public func reject(_ origin: HeaderOrigin, stage: String, error: String) async throws -> IngestOutcome {
        try Task.checkCancellation()
        let rejection = Rejection(worker: workerName, topic: origin.topic, partition: origin.partition, offset: origin.offset,
                                  source: origin.source, error: "\(stage): \(error)", payload: origin.payload)
        try await pool.withConnection { try await DeadLetters.record(rejection, on: $0) }
        metrics.rejected(reason: stage)
        logger.warning("input rejected", metadata: [
            "event": "hinfo.reject", "stage": "\(stage)", "error": "\(error)", "source": "\(origin.source ?? "")",
            "topic": "\(origin.topic ?? "")", "partition": "\(origin.partition.map(String.init) ?? "")", "offset": "\(origin.offset.map(String.init) ?? "")",
        ])
        return .rejected(stage: stage, error: error)
    }

    /// Parsing a large header takes milliseconds of CPU: keep it off the cooperative pool's few threads.
    static func parseOffPool(_ bytes: [UInt8]) async throws(HeaderFileError) -> HeaderFile {
        try await OffPool.run("consdb.hinfo.parse") { () throws(HeaderFileError) in try HeaderFile.parse(bytes) }
    }
}

/// Writers by schema, loaded from the catalog on first use.
actor WriterCache {
    let pool: ConnectionPool
    let policy: ExistingRowPolicy
    private var writers: [String: ExposureWriter] = [:]

    init(pool: ConnectionPool, policy: ExistingRowPolicy) {
        self.pool = pool
        self.policy = policy
    }

    func writer(for schema: String) async throws -> ExposureWriter {
        if let writer = writers[schema] { return writer }
        let policy = self.policy
        let writer = try await pool.withConnection { try await ExposureWriter.load(schema: schema, policy: policy, on: $0) }
        writers[schema] = writer
        return writer
    }
}
