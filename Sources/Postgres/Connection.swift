import CLibPQ
import Dispatch
import Foundation
import Logging

/// One PostgreSQL connection through libpq.
///
/// Every libpq call that can block runs on the connection's own serial dispatch queue, never on Swift's
/// cooperative pool; the async methods suspend until it is done. Cancelling the calling task sends a
/// cancel request to the server (libpq's `PQcancel`, which is safe from any thread).
public final class Connection: @unchecked Sendable {
    // @unchecked Sendable: `handle`, `statements` and `staleStatementInTransaction` are only touched on
    // `queue` (serial), and `cancelHandle` is only used through PQcancel, which libpq documents as
    // thread-safe; `closed` is guarded by `lock`.
    private let handle: OpaquePointer
    private let cancelHandle: OpaquePointer?
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var closed = false
    let logger: Logger
    /// Receives the server's notices through libpq's callback; lives as long as `handle`.
    private let noticeLog: NoticeLog
    /// Statements prepared on this session (see ``query(_:prepared:)``).
    private var statements = PreparedStatements()
    /// Set when a prepared statement went stale inside a transaction block, which the failure aborted:
    /// ``withTransaction(readOnly:statementTimeoutMilliseconds:_:)`` then runs its body once more.
    private var staleStatementInTransaction = false

    /// The server's version number, e.g. 150018.
    public let serverVersion: Int

    private init(handle: OpaquePointer, queue: DispatchQueue, logger: Logger) {
        self.handle = handle
        self.queue = queue
        self.logger = logger
        self.noticeLog = NoticeLog(logger: logger)
        self.cancelHandle = PQgetCancel(handle)
        self.serverVersion = Int(PQserverVersion(handle))
        noticeLog.install(on: handle)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(handle)
    }

    /// Opens a connection. `conninfo` is anything libpq takes: `key=value` pairs or a `postgresql://`
    /// URI; an empty string uses libpq's `PG*` environment variables, service file and `.pgpass`.
    public static func connect(_ conninfo: String, logger: Logger = Logger(label: "consdb.postgres")) async throws -> Connection {
        let queue = DispatchQueue(label: "consdb.postgres.connection")
        let handle: OpaquePointer = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let handle = PQconnectdb(conninfo) else {
                    continuation.resume(throwing: PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection"))
                    return
                }
                guard PQstatus(handle) == CONNECTION_OK else {
                    let message = Connection.trimmedError(handle)
                    PQfinish(handle)
                    continuation.resume(throwing: PostgresError(code: .connectionFailed, message: message))
                    return
                }
                continuation.resume(returning: handle)
            }
        }
        let connection = Connection(handle: handle, queue: queue, logger: logger)
        // UTC for timestamps we read back as text; our timestamp columns are TAI `timestamp` without zone,
        // and this keeps any `timestamptz` a user selects unambiguous too.
        try await connection.execute("SET TIME ZONE 'UTC'")
        return connection
    }

    /// True when libpq reports the connection as usable and idle outside a transaction.
    public var isReusable: Bool {
        queue.sync {
            PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
        }
    }

    /// Runs a statement with bind parameters and returns its rows.
    ///
    /// With `prepared`, the statement is parsed and planned once per connection and kept under a name
    /// (PQprepare), and later calls with the same text only bind and execute it (PQexecPrepared). Use it
    /// for statements whose text repeats (the values are parameters); the cache is bounded (128
    /// statements, 1 MiB of SQL text; a longer text runs unprepared), so one-off texts merely push older
    /// statements out. A cached statement that went stale is prepared again:
    /// after `DISCARD ALL` or `DEALLOCATE` (through this connection, or SQLSTATE 26000 otherwise), and
    /// when a schema change altered its result columns (SQLSTATE 0A000, "cached plan must not change
    /// result type", e.g. a `SELECT *` after `ALTER TABLE ... ADD COLUMN`). Outside a transaction the
    /// call is then retried once; inside one, the failure aborted the transaction, and
    /// ``withTransaction(readOnly:statementTimeoutMilliseconds:_:)`` retries its whole body once.
    @discardableResult
    public func query(_ sql: SQL, prepared: Bool = false) async throws -> QueryResult {
        let (text, binds) = sql.render()
        return try await run(text: text) { handle in
            Connection.withCStrings(binds) { values in
                prepared && self.statements.admits(text)
                    ? self.executePrepared(handle, text: text, count: Int32(binds.count), values: values)
                    : PQexecParams(handle, text, Int32(binds.count), nil, values, nil, nil, 0)
            }
        }
    }

    /// Passes parameter values to libpq as C strings (NULL for `nil`), or a null pointer when there are none.
    /// The values are copied into one buffer, NUL after each: one allocation however many there are.
    private static func withCStrings<T>(_ binds: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
        guard !binds.isEmpty else { return body(nil) }
        var size = 0
        for value in binds { size += (value?.utf8.count ?? 0) + 1 }
        var storage = [CChar](repeating: 0, count: size)
        var offsets = [Int](repeating: -1, count: binds.count)
        storage.withUnsafeMutableBufferPointer { buffer in
            var position = 0
            for (index, value) in binds.enumerated() {
                guard let value else { continue }
                offsets[index] = position
                for byte in value.utf8 {
                    buffer[position] = CChar(bitPattern: byte)
                    position += 1
                }
                position += 1  // the NUL, already there
            }
        }
        return storage.withUnsafeBufferPointer { buffer in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : buffer.baseAddress! + $0 }
            return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }

    /// Prepares `text` unless cached, executes it, and handles stale statements (see ``query(_:prepared:)``).
    /// Runs on the queue; returns the result for ``extract(_:handle:query:)``, error results included.
    private func executePrepared(_ handle: OpaquePointer, text: String, count: Int32, values: UnsafePointer<UnsafePointer<CChar>?>?) -> OpaquePointer? {
        deallocatePending(handle)
        var retried = false
        while true {
            let name: String
            if let known = statements.name(for: text) {
                name = known
            } else {
                name = statements.reserveName(for: text)
                deallocatePending(handle)
                let preparation = PQprepare(handle, name, text, count, nil)
                guard PQresultStatus(preparation) == PGRES_COMMAND_OK else { return preparation }
                PQclear(preparation)
                statements.insert(text, name: name)
            }
            let result = PQexecPrepared(handle, name, count, values, nil, nil, 0)
            guard PQresultStatus(result) == PGRES_FATAL_ERROR,
                  let state = PQresultErrorField(result, Int32(Character("C").asciiValue!)).map({ String(cString: $0) }),
                  state == PostgresError.State.invalidStatementName || state == PostgresError.State.featureNotSupported
            else { return result }
            // 26000: the server no longer has the statement. 0A000 from executing a prepared statement is
            // "cached plan must not change result type" (any other 0A000 fails again on the retry): the
            // server still has it, so it is deallocated before the text is prepared under a new name.
            statements.remove(text, deallocate: state == PostgresError.State.featureNotSupported)
            guard PQtransactionStatus(handle) == PQTRANS_IDLE else {
                if PQtransactionStatus(handle) == PQTRANS_INERROR { staleStatementInTransaction = true }
                return result
            }
            guard !retried else { return result }
            retried = true
            PQclear(result)
            deallocatePending(handle)
        }
    }

    /// Runs the `DEALLOCATE`s the cache queued, when the session is idle (a failure there, e.g. of a name
    /// the server already dropped, cannot abort anything).
    private func deallocatePending(_ handle: OpaquePointer) {
        guard !statements.pendingDeallocation.isEmpty, PQtransactionStatus(handle) == PQTRANS_IDLE else { return }
        for name in statements.takePendingDeallocations() {
            PQclear(PQexec(handle, "DEALLOCATE " + name))
        }
    }

    /// Runs one or more statements with no parameters (PostgreSQL's simple protocol), e.g. generated DDL.
    /// Never pass text that contains values from outside.
    @discardableResult
    public func execute(_ sql: String) async throws -> QueryResult {
        try await run(text: sql) { handle in
            let result = PQexec(handle, sql)
            if PreparedStatements.mayDropStatements(sql) { self.statements.removeAll() }
            return result
        }
    }

    /// Loads rows with `COPY ... FROM STDIN` in text format. `statement` is the COPY statement (built by the
    /// caller with quoted identifiers); `rows` are values in PostgreSQL's text form, `nil` for NULL.
    /// Returns the number of rows copied.
    @discardableResult
    public func copyIn(_ statement: SQL, rows: [[String?]]) async throws -> Int {
        let (text, binds) = statement.render()
        guard binds.isEmpty else {
            throw PostgresError(code: .protocolViolation, message: "COPY statements take no parameters", query: text)
        }
        var payload = ""
        payload.reserveCapacity(rows.count * 64)
        for row in rows {
            payload += row.map { CopyText.encode($0) }.joined(separator: "\t")
            payload += "\n"
        }
        let data = Array(payload.utf8)
        let result = try await run(text: text) { handle -> OpaquePointer? in
            let start = PQexec(handle, text)
            guard PQresultStatus(start) == PGRES_COPY_IN else { return start }
            PQclear(start)
            var offset = 0
            let chunk = 1 << 16
            var failed = false
            while offset < data.count {
                let count = min(chunk, data.count - offset)
                let sent = data.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: count) {
                        PQputCopyData(handle, $0, Int32(count))
                    }
                }
                if sent != 1 { failed = true; break }
                offset += count
            }
            _ = PQputCopyEnd(handle, failed ? "client failed to send data" : nil)
            // The final result of the COPY; drain any that follow so the connection is idle again.
            let final = PQgetResult(handle)
            while let extra = PQgetResult(handle) { PQclear(extra) }
            return final
        }
        return result.affectedRows
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// When the body failed only because a prepared statement went stale (a schema change altered its
    /// result, or the session's statements were dropped), the transaction is rolled back and the body
    /// runs once more in a new one, with the statement prepared afresh. Bodies should therefore do
    /// nothing outside the database that must not happen twice.
    @discardableResult
    public func withTransaction<T: Sendable>(
        readOnly: Bool = false,
        statementTimeoutMilliseconds: Int? = nil,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        var retried = false
        while true {
            let begin = readOnly ? "BEGIN READ ONLY" : "BEGIN"
            _ = try await run(text: begin) { handle in
                self.staleStatementInTransaction = false
                return PQexec(handle, begin)
            }
            do {
                if let statementTimeoutMilliseconds {
                    try await execute("SET LOCAL statement_timeout = \(max(0, statementTimeoutMilliseconds))")
                }
                let value = try await body(self)
                try await execute("COMMIT")
                return value
            } catch {
                // The rollback itself may fail if the connection broke; the pool then discards it.
                _ = try? await execute("ROLLBACK")
                let stale = try await onQueue { _ in
                    defer { self.staleStatementInTransaction = false }
                    return self.staleStatementInTransaction
                }
                if stale, !retried {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// Asks the server to cancel whatever this connection is running. Safe from any thread.
    public func cancel() {
        guard let cancelHandle else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &buffer, Int32(buffer.count))
    }

    // MARK: - Running statements

    /// Runs a blocking libpq call on the connection's queue.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            queue.async {
                continuation.resume(with: Result { try body(self.handle) })
            }
        }
    }

    private func run(text: String, _ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?) async throws -> QueryResult {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<QueryResult, Error>) in
                queue.async {
                    let handle = self.handle
                    let result = call(handle)
                    defer { PQclear(result) }
                    if let result, PQresultStatus(result) == PGRES_COMMAND_OK,
                       PreparedStatements.droppedStatements(commandTag: String(cString: PQcmdStatus(result))) {
                        self.statements.removeAll()
                    }
                    continuation.resume(with: Result { try Connection.extract(result, handle: handle, query: text) })
                }
            }
        } onCancel: {
            self.cancel()
        }
    }

    private static func extract(_ result: OpaquePointer?, handle: OpaquePointer, query: String) throws -> QueryResult {
        guard let result else {
            let lost = PQstatus(handle) != CONNECTION_OK
            throw PostgresError(code: lost ? .connectionLost : .protocolViolation, message: trimmedError(handle), query: query)
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            let fieldCount = Int(PQnfields(result))
            let rowCount = Int(PQntuples(result))
            var columns: [ResultColumn] = []
            columns.reserveCapacity(fieldCount)
            for field in 0..<fieldCount {
                columns.append(ResultColumn(name: String(cString: PQfname(result, Int32(field))), typeOID: UInt32(PQftype(result, Int32(field)))))
            }
            var rows: [[String?]] = []
            rows.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                var values: [String?] = []
                values.reserveCapacity(fieldCount)
                for field in 0..<fieldCount {
                    if PQgetisnull(result, Int32(row), Int32(field)) == 1 {
                        values.append(nil)
                    } else {
                        values.append(String(cString: PQgetvalue(result, Int32(row), Int32(field))))
                    }
                }
                rows.append(values)
            }
            return QueryResult(columns: columns, rows: rows, affectedRows: rowCount, commandTag: String(cString: PQcmdStatus(result)))
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            let tuples = String(cString: PQcmdTuples(result))
            return QueryResult(affectedRows: Int(tuples) ?? 0, commandTag: String(cString: PQcmdStatus(result)))
        default:
            throw error(from: result, handle: handle, query: query)
        }
    }

    private static func error(from result: OpaquePointer, handle: OpaquePointer, query: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field("C")
        let message = field("M") ?? trimmedError(handle)
        let code: PostgresError.Code
        if sqlState == PostgresError.State.queryCanceled {
            code = .cancelled
        } else if PQstatus(handle) != CONNECTION_OK {
            code = .connectionLost
        } else if sqlState == nil {
            code = .protocolViolation
        } else {
            code = .server
        }
        return PostgresError(
            code: code, message: message, sqlState: sqlState, detail: field("D"), hint: field("H"),
            constraint: field("n"), column: field("c"), table: field("t"), query: query
        )
    }

    static func trimmedError(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown libpq error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes.
enum CopyText {
    static func encode(_ value: String?) -> String {
        guard let value else { return "\\N" }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
