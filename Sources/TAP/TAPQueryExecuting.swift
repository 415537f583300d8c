/// Runs one TAP query, sync or async: checks the parameters, translates the ADQL, runs it on the
/// reader role in a read-only transaction and writes the result document, batch by batch, through
/// `write` as it is produced.
public protocol TAPQueryExecuting: Sendable {
    /// The MIME type of the document `execute` will write for these parameters, checked before
    /// anything runs.
    func contentType(for parameters: TAPParameters) throws(TAPRequestError) -> String

    /// Runs the query. Errors the client caused (a bad parameter, an ADQL error, a query PostgreSQL
    /// refused, the timeout) are ``TAPRequestError``s and are thrown before anything is written when
    /// they can be; an error thrown after `write` was called means the document is incomplete.
    func execute(_ parameters: TAPParameters, timeoutSeconds: Double,
                 write: ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome
}

/// What a query produced.
public struct TAPQueryOutcome: Sendable, Equatable {
    /// Rows written.
    public var rows: Int
    /// Whether the result was cut at `MAXREC`.
    public var overflow: Bool
    public init(rows: Int, overflow: Bool) {
        self.rows = rows
        self.overflow = overflow
    }
}

/// An executor that can do the checks, the translation and the first fetch before the answer starts,
/// so that a sync request learns of the client's errors while it can still answer with a 400.
public protocol TAPQueryPreparing: TAPQueryExecuting {
    /// Everything up to the first batch of rows; throws ``TAPRequestError`` for the client's errors.
    func prepare(_ parameters: TAPParameters, timeoutSeconds: Double) async throws -> any TAPPreparedQuery
}

/// A query whose first rows are in hand; streaming it writes the whole document.
public protocol TAPPreparedQuery: Sendable {
    /// The MIME type of the document.
    var contentType: String { get }
    /// Writes the document; the query's resources are released when it returns or throws.
    func stream(write: ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome
    /// Releases the query's resources without writing (the answer will not be sent); idempotent.
    func discard() async
}

extension TAPQueryPreparing {
    public func execute(_ parameters: TAPParameters, timeoutSeconds: Double,
                        write: ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome {
        let prepared = try await prepare(parameters, timeoutSeconds: timeoutSeconds)
        return try await prepared.stream(write: write)
    }
}
