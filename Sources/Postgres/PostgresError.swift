/// An error from PostgreSQL or from libpq, with the server's diagnostics.
///
/// `description` is redacted: it names the kind of failure, the SQLSTATE and the server's message, but
/// never the SQL text or the connection string, so it is safe to log. `debugDescription` has everything.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, at the level a caller branches on.
    public enum Code: String, Sendable {
        /// The connection could not be established.
        case connectionFailed
        /// The connection broke while in use.
        case connectionLost
        /// The server rejected a statement.
        case server
        /// The statement was cancelled (by a timeout or by cancelling the task).
        case cancelled
        /// The pool is shut down.
        case poolClosed
        /// No connection became free within the pool's wait limit.
        case poolTimeout
        /// A value could not be converted to or from its text form.
        case conversion
        /// libpq returned something the wrapper did not expect.
        case protocolViolation
    }

    public var code: Code
    /// Five-character SQLSTATE from the server, when the server sent one.
    public var sqlState: String?
    /// The primary message (server or libpq).
    public var message: String
    public var detail: String?
    public var hint: String?
    /// Name of the constraint the server reported, e.g. for a unique violation.
    public var constraint: String?
    public var column: String?
    public var table: String?
    /// The SQL text involved, kept for debugging only.
    public var query: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, column: String? = nil, table: String? = nil, query: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.column = column
        self.table = table
        self.query = query
    }

    public var description: String {
        var text = "PostgresError(\(code.rawValue)"
        if let sqlState { text += ", sqlstate \(sqlState)" }
        return text + "): \(message)"
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += "\ndetail: \(detail)" }
        if let hint { text += "\nhint: \(hint)" }
        if let constraint { text += "\nconstraint: \(constraint)" }
        if let query { text += "\nquery: \(query)" }
        return text
    }

    /// SQLSTATE codes callers branch on; ``category`` sorts them into what a caller does about them.
    public enum State {
        public static let uniqueViolation = "23505"
        public static let foreignKeyViolation = "23503"
        public static let notNullViolation = "23502"
        public static let checkViolation = "23514"
        public static let queryCanceled = "57014"
        public static let readOnlyTransaction = "25006"
        public static let undefinedTable = "42P01"
        public static let undefinedColumn = "42703"
        public static let syntaxError = "42601"
        public static let insufficientPrivilege = "42501"
        /// An object (e.g. a role) of that name already exists.
        public static let duplicateObject = "42710"
        public static let serializationFailure = "40001"
        public static let deadlockDetected = "40P01"
        /// `NOWAIT` or `lock_timeout`: the lock was not granted in time.
        public static let lockNotAvailable = "55P03"
        /// A prepared statement the session does not have (e.g. after `DISCARD ALL`).
        public static let invalidStatementName = "26000"
        /// Also "cached plan must not change result type" from a prepared statement after a schema change.
        public static let featureNotSupported = "0A000"
    }
}
