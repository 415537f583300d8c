import Foundation
import Fetch
import Logging

/// What one read cost.
public struct InfluxReadStats: Sendable, Hashable {
    /// Rows appended to the target.
    public var rows = 0
    /// Body bytes received.
    public var bytes = 0
    /// JSON documents (chunks) in the answer.
    public var chunks = 0
    /// Time spent parsing the answer (inside the body callbacks).
    public var parsing: Duration = .zero
    /// The rest of the request's time: waiting for the server to answer and transfer.
    public var waiting: Duration = .zero

    public init() {}

    /// Adds up the stats of several reads.
    public static func + (lhs: InfluxReadStats, rhs: InfluxReadStats) -> InfluxReadStats {
        var sum = lhs
        sum.rows += rhs.rows
        sum.bytes += rhs.bytes
        sum.chunks += rhs.chunks
        sum.parsing += rhs.parsing
        sum.waiting += rhs.waiting
        return sum
    }
}

/// A field of a topic as `SHOW FIELD KEYS` lists it.
public struct InfluxFieldKey: Sendable, Hashable {
    public var name: String
    /// `float`, `integer`, `unsigned`, `boolean` or `string`.
    public var type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// A thin, strict client for the EFD's InfluxDB 1.x HTTP API: reads telemetry history straight into
/// an ``InfluxRowTarget`` (the EFD batch's topic buffers), and writes line protocol (tests, the demo).
///
/// Reads ask for `epoch=ns` and `chunked=true`, and parse each chunk as it arrives (memory stays at
/// one chunk plus the rows themselves). The client does not retry: an ``InfluxError`` says whether
/// the failure ``InfluxError/isTransient``, and the caller decides.
public struct InfluxClient: Sendable {
    public let settings: InfluxSettings
    private let fetcher: Fetcher
    private let logger: Logger

    /// Checks the settings (throws ``InfluxError/Kind/configuration``); connects nothing yet.
    public init(settings: InfluxSettings, logger: Logger = Logger(label: "consdb.influxdb")) throws(InfluxError) {
        try settings.validate()
        self.settings = settings
        self.logger = logger
        self.fetcher = Fetcher(retry: .none, logger: logger)
    }

    // MARK: Reading telemetry

    /// Reads `fields` of `topic` for the samples whose time (as ``InfluxTime/seconds(nanoseconds:)``)
    /// lies in `[from, through]` (UTC unix seconds, both ends included, as an EFD `TopicBuffer.range`), and
    /// appends them to `buffer`, whose columns are matched to the answer's by name (`buffer.fieldNames`;
    /// a field the answer lacks, or a null, is NaN; see ``read(topic:fields:fromNanoseconds:throughNanoseconds:into:)``).
    public func read<Target: InfluxRowTarget>(
        topic: String, fields: [String], from: Double, through: Double, into buffer: inout Target
    ) async throws(InfluxError) -> InfluxReadStats {
        try InfluxQL.checkTopic(topic)
        try checkFields(fields, in: buffer)
        guard !from.isNaN, !through.isNaN else { throw InfluxError(.invalidRequest, "a time bound is NaN") }
        // Outside InfluxDB's time range there is nothing to read.
        guard let first = InfluxTime.firstNanosecond(atOrAfter: from), let last = InfluxTime.lastNanosecond(atOrBefore: through) else {
            return InfluxReadStats()
        }
        return try await read(topic: topic, fields: fields, fromNanoseconds: first, throughNanoseconds: last, into: &buffer)
    }

    /// Reads `fields` of `topic` with `fromNanoseconds <= time <= throughNanoseconds` (exact InfluxDB
    /// times) and appends every row to `buffer` at ``InfluxTime/seconds(nanoseconds:)``.
    ///
    /// Values: numbers (integers too) as they are, booleans as 1 and 0, null and strings as NaN. A
    /// topic that does not exist, or a range without data, appends nothing and is not an error.
    /// Every field of `fields` must be one of `buffer.fieldNames` (a buffer field not in `fields` stays
    /// NaN). On error the buffer may already hold part of the answer: discard it before retrying.
    public func read<Target: InfluxRowTarget>(
        topic: String, fields: [String], fromNanoseconds: Int64, throughNanoseconds: Int64, into buffer: inout Target
    ) async throws(InfluxError) -> InfluxReadStats {
        try InfluxQL.checkTopic(topic)
        try checkFields(fields, in: buffer)
        guard fromNanoseconds <= throughNanoseconds else { return InfluxReadStats() }
        let query = InfluxQL.select(fields: fields, measurement: measurement(topic), from: fromNanoseconds, through: throughNanoseconds)
        return try await readRows(query, into: &buffer, skipsEmptyRows: false)
    }

    /// Reads `statistic` of each of `fields` over epoch-aligned buckets of `interval` (InfluxDB's
    /// `GROUP BY time(interval)`, the reference's `pre_aggregate_interval`) for the samples in
    /// `[from, through]`, and appends one row per bucket at the bucket's start time; buckets without
    /// data are skipped. The first bucket may start before `from`.
    public func read<Target: InfluxRowTarget>(
        topic: String, fields: [String], from: Double, through: Double,
        groupBy interval: Duration, statistic: InfluxStatistic, into buffer: inout Target
    ) async throws(InfluxError) -> InfluxReadStats {
        try InfluxQL.checkTopic(topic)
        try checkFields(fields, in: buffer)
        guard !from.isNaN, !through.isNaN else { throw InfluxError(.invalidRequest, "a time bound is NaN") }
        let (seconds, attoseconds) = interval.components
        let (wholeNanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let intervalNanoseconds = wholeNanoseconds &+ attoseconds / 1_000_000_000
        guard !overflow, intervalNanoseconds > 0, attoseconds % 1_000_000_000 == 0 else {
            throw InfluxError(.invalidRequest, "the interval must be a positive whole number of nanoseconds, got \(interval)")
        }
        guard let first = InfluxTime.firstNanosecond(atOrAfter: from), let last = InfluxTime.lastNanosecond(atOrBefore: through), first <= last else {
            return InfluxReadStats()
        }
        let query = InfluxQL.aggregate(statistic, fields: fields, measurement: measurement(topic), from: first, through: last, intervalNanoseconds: intervalNanoseconds)
        return try await readRows(query, into: &buffer, skipsEmptyRows: true)
    }

    private func checkFields(_ fields: [String], in buffer: some InfluxRowTarget) throws(InfluxError) {
        try InfluxQL.checkFields(fields)
        let columns = Set(buffer.fieldNames)
        for field in fields where !columns.contains(field) {
            throw InfluxError(.invalidRequest, "field \"\(field.prefix(100))\" is not a column of the buffer")
        }
    }

    private func measurement(_ topic: String) -> String {
        InfluxQL.measurement(database: settings.database, retentionPolicy: settings.retentionPolicy, topic: topic)
    }

    private func readRows<Target: InfluxRowTarget>(_ query: String, into buffer: inout Target, skipsEmptyRows: Bool) async throws(InfluxError) -> InfluxReadStats {
        // Move the buffer into the parser (a copy would duplicate every column on the first append)
        // and back afterwards, whatever happens.
        var moved = Target()
        swap(&moved, &buffer)
        let sink = RowTargetSink(target: consume moved, skipsEmptyRows: skipsEmptyRows)
        let consumer = StreamingParser(ChunkedResponseReader(sink: sink, maximumChunkBytes: settings.maximumChunkBytes))
        let started = ContinuousClock.now
        let outcome = await stream(query, to: consumer)
        swap(&buffer, &consumer.reader.sink.target)
        var stats = InfluxReadStats()
        stats.rows = consumer.reader.sink.rows
        stats.bytes = consumer.reader.bytes
        stats.chunks = consumer.reader.chunks
        stats.parsing = consumer.parsing
        stats.waiting = ContinuousClock.now - started - consumer.parsing
        try outcome.get()
        logger.debug("read", metadata: [
            "event": "influx.read", "rows": "\(stats.rows)", "bytes": "\(stats.bytes)", "chunks": "\(stats.chunks)",
            "parse": "\(stats.parsing)", "wait": "\(stats.waiting)",
        ])
        return stats
    }

    // MARK: Metadata

    /// The fields of `topic` and their types (`SHOW FIELD KEYS`); empty for a topic that does not exist.
    public func fieldKeys(topic: String) async throws(InfluxError) -> [InfluxFieldKey] {
        try InfluxQL.checkTopic(topic)
        let table = try await tableQuery("SHOW FIELD KEYS FROM \(measurement(topic))")
        var keys: [InfluxFieldKey] = []
        for series in table {
            guard let name = series.columns.firstIndex(of: "fieldKey"), let type = series.columns.firstIndex(of: "fieldType") else {
                throw InfluxError(.malformedResponse, "SHOW FIELD KEYS answered columns \(series.columns)")
            }
            for row in series.rows {
                guard let key = row[name], let kind = row[type] else { throw InfluxError(.malformedResponse, "SHOW FIELD KEYS answered a null") }
                keys.append(InfluxFieldKey(name: key, type: kind))
            }
        }
        return keys
    }

    /// The measurements (topics) of the database (`SHOW MEASUREMENTS`).
    public func measurements() async throws(InfluxError) -> [String] {
        let table = try await tableQuery("SHOW MEASUREMENTS")
        var names: [String] = []
        for series in table {
            guard let column = series.columns.firstIndex(of: "name") else {
                throw InfluxError(.malformedResponse, "SHOW MEASUREMENTS answered columns \(series.columns)")
            }
            for row in series.rows {
                guard let name = row[column] else { throw InfluxError(.malformedResponse, "SHOW MEASUREMENTS answered a null") }
                names.append(name)
            }
        }
        return names
    }

    /// Answers `GET /ping` (204 when the server is up).
    public func ping() async throws(InfluxError) {
        var request = baseRequest(path: "/ping")
        request.method = .get
        _ = try await perform(request, query: nil)
    }

    // MARK: Administration and writing (tests, the demo)

    /// `CREATE DATABASE "name"` (a no-op if it exists).
    public func createDatabase(_ name: String) async throws(InfluxError) {
        try Self.checkDatabaseName(name)
        _ = try await tableQuery("CREATE DATABASE \(InfluxQL.quoteIdentifier(name))")
    }

    /// `DROP DATABASE "name"` (a no-op if it does not exist).
    public func dropDatabase(_ name: String) async throws(InfluxError) {
        try Self.checkDatabaseName(name)
        _ = try await tableQuery("DROP DATABASE \(InfluxQL.quoteIdentifier(name))")
    }

    private static func checkDatabaseName(_ name: String) throws(InfluxError) {
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw InfluxError(.invalidRequest, "a database name must be non-empty, without control characters")
        }
    }

    /// Writes line protocol with nanosecond timestamps to the settings' database and retention policy
    /// (`POST /write?precision=ns`).
    public func write(lineProtocol: [UInt8]) async throws(InfluxError) {
        var request = baseRequest(path: "/write?" + InfluxQL.formEncoded([("db", settings.database), ("rp", settings.retentionPolicy), ("precision", "ns")]))
        request.body = lineProtocol
        request.headers.append(("Content-Type", "text/plain; charset=utf-8"))
        _ = try await perform(request, query: nil)
    }

    /// ``write(lineProtocol:)-([UInt8])`` for text.
    public func write(lineProtocol: String) async throws(InfluxError) {
        try await write(lineProtocol: Array(lineProtocol.utf8))
    }

    // MARK: Transport

    private func baseRequest(path: String) -> FetchRequest {
        var request = FetchRequest(url: settings.url + path)
        request.method = .post
        request.connectTimeout = settings.connectTimeout
        request.totalTimeout = settings.timeout
        request.maxBodyBytes = settings.maximumResponseBytes
        if let username = settings.username {
            request.credentials = .basic(username: username, password: settings.password ?? "")
        }
        return request
    }

    private func queryRequest(_ query: String) -> FetchRequest {
        var request = baseRequest(path: "/query")
        request.body = Array(InfluxQL.formEncoded([
            ("db", settings.database), ("rp", settings.retentionPolicy), ("q", query),
            ("epoch", "ns"), ("chunked", "true"), ("chunk_size", String(settings.chunkSize)),
        ]).utf8)
        request.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        request.headers.append(("Accept", "application/json"))
        return request
    }

    /// Runs a metadata statement and returns its series (as text).
    private func tableQuery(_ query: String) async throws(InfluxError) -> [TableSink.Series] {
        let consumer = StreamingParser(ChunkedResponseReader(sink: TableSink(), maximumChunkBytes: settings.maximumChunkBytes))
        try await stream(query, to: consumer).get()
        return consumer.reader.sink.series
    }

    /// Streams a query's answer into `consumer` and finishes it; the failure, if any, as a value so the
    /// caller can collect what the consumer holds first.
    private func stream<Sink>(_ query: String, to consumer: StreamingParser<Sink>) async -> Result<Void, InfluxError> {
        let request = queryRequest(query)
        do {
            _ = try await fetcher.stream(request, to: consumer)
        } catch {
            if let failure = consumer.failure { return .failure(Self.influxError(failure, query: query, url: request.url)) }
            return .failure(Self.influxError(error, query: query))
        }
        if let failure = consumer.failure { return .failure(Self.influxError(failure, query: query, url: request.url)) }
        do {
            try consumer.reader.finish()
        } catch {
            return .failure(Self.influxError(error, query: query, url: request.url))
        }
        return .success(())
    }

    /// Performs a request whose answer is small (ping, write); returns the body.
    private func perform(_ request: FetchRequest, query: String?) async throws(InfluxError) -> [UInt8] {
        do {
            return try await fetcher.perform(request, retry: .none).body
        } catch {
            throw Self.influxError(error, query: query)
        }
    }

    static func influxError(_ failure: ResponseFailure, query: String?, url: String) -> InfluxError {
        let kind: InfluxError.Kind
        switch failure.kind {
        case .malformed: kind = .malformedResponse
        case .server: kind = .server
        case .truncated: kind = .truncatedResponse
        case .tooLarge: kind = .responseTooLarge
        }
        return InfluxError(kind, failure.message, query: query, url: url)
    }

    static func influxError(_ error: FetchError, query: String?) -> InfluxError {
        switch error.kind {
        case .transport(let code):
            return InfluxError(.connection(code: code), error.message, query: query, url: error.url)
        case .timedOut:
            return InfluxError(.timedOut, error.message, query: query, url: error.url)
        case .httpStatus(let status):
            return InfluxError(.httpStatus(status), serverMessage(in: error.body) ?? "HTTP \(status)", query: query, url: error.url)
        case .tooLarge(let limit):
            return InfluxError(.responseTooLarge, "the answer is larger than \(limit) bytes", query: query, url: error.url)
        case .unsupportedURL, .configuration:
            return InfluxError(.configuration, error.message, query: query, url: error.url)
        case .notAvailable:
            return InfluxError(.connection(code: 0), error.message, query: query, url: error.url)
        case .invalidResponse:
            return InfluxError(.malformedResponse, error.message, query: query, url: error.url)
        }
    }

    /// The `"error"` of an error answer (`{"error":"..."}`), else its text if it is short and printable.
    static func serverMessage(in body: [UInt8]) -> String? {
        var reader = ChunkedResponseReader(sink: TableSink(maximumRows: 0), maximumChunkBytes: 1 << 20)
        do throws(ResponseFailure) {
            try body.withUnsafeBufferPointer { (buffer) throws(ResponseFailure) in try reader.feed(UnsafeRawBufferPointer(buffer)) }
            try reader.finish()
        } catch where error.kind == .server {
            return error.message
        } catch {}
        guard let text = String(validating: body.prefix(300), as: UTF8.self)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
              !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" })
        else { return nil }
        return text
    }
}

/// Feeds a streamed answer to a ``ChunkedResponseReader`` as it arrives, timing the parsing.
///
/// Used by one thread at a time: the transfer's thread while `Fetcher.stream` runs, then the client
/// after it returned (see ``FetchBodyConsumer``).
final class StreamingParser<Sink: SeriesSink>: FetchBodyConsumer {
    var reader: ChunkedResponseReader<Sink>
    /// Why parsing stopped the transfer.
    private(set) var failure: ResponseFailure?
    private(set) var parsing: Duration = .zero

    init(_ reader: ChunkedResponseReader<Sink>) {
        self.reader = reader
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let started = ContinuousClock.now
        defer { parsing += ContinuousClock.now - started }
        do {
            try reader.feed(bytes)
            return true
        } catch {
            failure = error
            return false
        }
    }
}
