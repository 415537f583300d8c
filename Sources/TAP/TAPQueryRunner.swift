import ADQL
import Logging
import Postgres
import VOTable

/// The one executor of TAP queries, sync and async: checks `LANG`, `QUERY`, `RESPONSEFORMAT` and
/// `MAXREC`, translates the ADQL against the published tables, runs the SQL through a
/// ``ReadOnlyCursor`` on the reader pool (the same read-only, time-limited transaction as
/// `POST /consdb/query`) and streams the rows through a ``ResultStreamWriter``.
public struct TAPQueryRunner: TAPQueryPreparing {
    let configuration: TAPConfiguration
    let pool: ConnectionPool
    let catalog: TAPCatalogCache
    let logger: Logger

    public init(configuration: TAPConfiguration, pool: ConnectionPool, catalog: TAPCatalogCache, logger: Logger) {
        self.configuration = configuration
        self.pool = pool
        self.catalog = catalog
        self.logger = logger
    }

    public func contentType(for parameters: TAPParameters) throws(TAPRequestError) -> String {
        try Self.format(parameters).mimeType
    }

    /// `RESPONSEFORMAT` (TAP 1.1) or `FORMAT` (1.0), VOTable TABLEDATA when neither is given.
    static func format(_ parameters: TAPParameters) throws(TAPRequestError) -> ResultFormat {
        guard let text = parameters["RESPONSEFORMAT"] ?? parameters["FORMAT"] else { return .votableTableData }
        guard let format = ResultFormat(responseFormat: text) else {
            throw TAPRequestError("Unsupported RESPONSEFORMAT '\(text)'; this service writes "
                + VOSICapabilities.outputFormats.flatMap(\.aliases).joined(separator: ", ") + " (or their MIME types)")
        }
        return format
    }

    /// The rows the client may get: its `MAXREC` (or the default), never above the hard limit.
    func maxRec(_ parameters: TAPParameters) throws(TAPRequestError) -> Int {
        guard let text = parameters["MAXREC"] else { return configuration.defaultMaxRec }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw TAPRequestError("MAXREC must be a non-negative integer, not '\(text.prefix(40))'")
        }
        return min(value, configuration.maxMaxRec)
    }

    /// The checks and the ADQL translation, without touching the database's data.
    func translate(_ parameters: TAPParameters) async throws -> (ADQLTranslation, TAPCatalogSnapshot) {
        guard let language = parameters["LANG"] else {
            throw TAPRequestError("Missing LANG: this service accepts LANG=ADQL")
        }
        guard ["ADQL", "ADQL-2.0", "ADQL-2.1"].contains(language.uppercased()) else {
            throw TAPRequestError("Unsupported LANG '\(language.prefix(40))': this service accepts LANG=ADQL (2.0 or 2.1)")
        }
        guard let query = parameters["QUERY"], !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw TAPRequestError("Missing QUERY: send the ADQL query in the QUERY parameter")
        }
        let snapshot = try await catalog.current()
        do {
            return (try ADQLTranslator(catalog: snapshot.adql).translate(query), snapshot)
        } catch {
            throw TAPRequestError("ADQL error: \(error.description)")
        }
    }

    public func prepare(_ parameters: TAPParameters, timeoutSeconds: Double) async throws -> any TAPPreparedQuery {
        let format = try Self.format(parameters)
        let maxRec = try maxRec(parameters)
        let (translation, snapshot) = try await translate(parameters)
        let cursor = try await ReadOnlyCursor.open(pool: pool)
        do {
            let first = try await cursor.start(
                query: translation.sql, timeoutMilliseconds: Int(timeoutSeconds * 1000),
                fetchSize: max(1, min(configuration.fetchSize, maxRec + 1))
            )
            let typeNames = try await Self.typeNames(of: first.columns, cursor: cursor)
            let fields = first.columns.map { column in
                snapshot.describe(ResultField.postgres(name: column.name, typeOID: column.typeOID, typeName: typeNames[column.typeOID]),
                                  tables: translation.tables)
            }
            return PreparedTAPQuery(
                cursor: cursor, first: first, fields: fields, format: format, maxRec: maxRec,
                fetchSize: configuration.fetchSize, timeoutSeconds: timeoutSeconds, logger: logger
            )
        } catch {
            await cursor.close()
            throw Self.clientError(error, timeoutSeconds: timeoutSeconds)
        }
    }

    /// Names of the columns' types that have no fixed OID (pgSphere's `spoint`, `scircle`, ...).
    static func typeNames(of columns: [ResultColumn], cursor: ReadOnlyCursor) async throws -> [UInt32: String] {
        let unknown = Set(columns.map(\.typeOID).filter { $0 >= 16_384 })
        guard !unknown.isEmpty else { return [:] }
        let list = unknown.map { String($0) }.joined(separator: ",")
        let result = try await cursor.query(SQL(unsafeSQL: "SELECT oid::int8, typname::text FROM pg_catalog.pg_type WHERE oid IN (\(list))"))
        var names: [UInt32: String] = [:]
        for row in result.rows {
            if let oid = row[0].flatMap({ UInt32($0) }), let name = row[1] { names[oid] = name }
        }
        return names
    }

    /// What PostgreSQL refused in the client's query becomes the client's error; an unreachable
    /// database stays a server fault.
    static func clientError(_ error: any Error, timeoutSeconds: Double) -> any Error {
        guard let error = error as? PostgresError else { return error }
        switch error.category {
        case .unavailable:
            return error
        case .canceled:
            return TAPRequestError("The query exceeded the time limit of \(Int(timeoutSeconds)) s")
        case .uniqueViolation, .invalidData, .duplicateObject, .insufficientPrivilege, .invalidStatement, .transient, .server, .unexpected:
            var message = error.message
            if let detail = error.detail { message += ": " + detail }
            return TAPRequestError("Query failed: \(message)")
        }
    }
}

/// A query whose first batch is in hand, streamed as one document.
final class PreparedTAPQuery: TAPPreparedQuery, @unchecked Sendable {
    // @unchecked Sendable: used by one task at a time (the handler, then the body writer), as the cursor.
    let cursor: ReadOnlyCursor
    let first: QueryResult
    let fields: [ResultField]
    let format: ResultFormat
    let maxRec: Int
    let fetchSize: Int
    let timeoutSeconds: Double
    let logger: Logger

    init(cursor: ReadOnlyCursor, first: QueryResult, fields: [ResultField], format: ResultFormat, maxRec: Int,
         fetchSize: Int, timeoutSeconds: Double, logger: Logger) {
        self.cursor = cursor
        self.first = first
        self.fields = fields
        self.format = format
        self.maxRec = maxRec
        self.fetchSize = fetchSize
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
    }

    var contentType: String { format.mimeType }

    func stream(write: ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome {
        var writer = ResultStreamWriter(format: format, fields: fields)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        writer.begin(into: &out)
        var sent = 0
        var overflow = false
        var batch = first
        // What the fetch that brought `batch` asked for: fewer rows back means the cursor is exhausted.
        var requested = max(1, min(fetchSize, maxRec + 1))
        do {
            while true {
                let take = min(batch.rows.count, maxRec - sent)
                if take < batch.rows.count { overflow = true }
                writer.append(take == batch.rows.count ? batch.rows : Array(batch.rows.prefix(take)), into: &out)
                sent += take
                try await write(out)
                out.removeAll(keepingCapacity: true)
                if overflow || batch.rows.count < requested { break }
                // At MAXREC, one more row tells whether the result was cut.
                requested = sent >= maxRec ? 1 : min(fetchSize, maxRec - sent + 1)
                batch = try await cursor.fetch(requested)
            }
        } catch {
            await cursor.close()
            throw TAPQueryRunner.clientError(error, timeoutSeconds: timeoutSeconds)
        }
        await cursor.close()
        writer.finish(overflow: overflow, into: &out)
        try await write(out)
        return TAPQueryOutcome(rows: sent, overflow: overflow)
    }

    func discard() async { await cursor.close() }
}
