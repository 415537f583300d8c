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
    // @unchecked Sendable: `handle` is only touched on `queue` (serial), and `cancelHandle` is only used
    // through PQcancel, which libpq documents as thread-safe; `closed` is guarded by `lock`.
    private let handle: OpaquePointer
    private let cancelHandle: OpaquePointer?
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var closed = false
    let logger: Logger
    /// Receives the server's notices through libpq's callback; lives as long as `handle`.
    private let noticeLog: NoticeLog

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
    @discardableResult
    public func query(_ sql: SQL) async throws -> QueryResult {
        let (text, binds) = sql.render()
        return try await run(text: text) { handle in
            var cStrings: [UnsafeMutablePointer<CChar>?] = binds.map { $0.flatMap { strdup($0) } }
            defer { cStrings.forEach { free($0) } }
            return cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { values in
                    PQexecParams(handle, text, Int32(binds.count), nil, binds.isEmpty ? nil : values, nil, nil, 0)
                }
            }
        }
    }

    /// Runs one or more statements with no parameters (PostgreSQL's simple protocol), e.g. generated DDL.
    /// Never pass text that contains values from outside.
    @discardableResult
    public func execute(_ sql: String) async throws -> QueryResult {
        try await run(text: sql) { handle in PQexec(handle, sql) }
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
    @discardableResult
    public func withTransaction<T: Sendable>(
        readOnly: Bool = false,
        statementTimeoutMilliseconds: Int? = nil,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        try await execute(readOnly ? "BEGIN READ ONLY" : "BEGIN")
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
            throw error
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
