/// Settings of the TAP service (`/consdb/tap`): limits of sync and async queries and where async
/// results are kept.
public struct TAPConfiguration: Sendable {
    /// Path of the service under the server's root, e.g. `/consdb/tap` (no trailing slash).
    public var basePath: String = "/consdb/tap"
    /// Rows a query returns when it gives no `MAXREC`.
    public var defaultMaxRec: Int = 100_000
    /// The most rows any query may return, whatever its `MAXREC` says.
    public var maxMaxRec: Int = 1_000_000
    /// Statement timeout of a sync query, and the default `executionduration` of an async job (seconds).
    public var syncTimeoutSeconds: Double = 600
    /// The longest `executionduration` an async job may ask for (seconds).
    public var maxExecutionSeconds: Double = 3600
    /// How long an async job and its result are kept when the client does not say (seconds).
    public var defaultDestructionSeconds: Double = 7 * 86_400
    /// The latest `destruction` a client may ask for, from now (seconds).
    public var maxDestructionSeconds: Double = 30 * 86_400
    /// Async jobs executing at once in one server; more wait in the QUEUED phase.
    public var maxExecutingJobs: Int = 4
    /// Directory holding async results, one file per job; nil keeps async jobs from running.
    public var resultsDirectory: String?
    /// Rows fetched from the cursor per batch.
    public var fetchSize: Int = 10_000
    /// The longest a `WAIT` on a job's phase blocks (seconds).
    public var maxWaitSeconds: Double = 60

    /// The largest request body (form-encoded parameters) accepted, in bytes.
    public var maxRequestBytes: Int = 1 << 20

    public init() {}
}
