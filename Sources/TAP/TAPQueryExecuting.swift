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
                 write: @Sendable ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome
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
