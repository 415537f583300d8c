import Postgres
import Synchronization
import TAP

/// Stands in for the real ADQL executor in these tests: runs `QUERY` as plain SQL on the test database
/// (read-only, with the job's timeout) and writes the rows as CSV, a batch at a time. A query starting
/// with `-- block` waits until cancelled instead (while `blocking`); one starting with `-- fail` throws
/// the TAP error the rest of its first line names. Every execution is counted by query text.
final class TestExecutor: TAPQueryExecuting {
    let pool: ConnectionPool
    let blocking: Bool
    private let state = Mutex<(runs: [String: Int], cancelled: Int, blocked: Int, mostBlocked: Int)>(([:], 0, 0, 0))

    init(pool: ConnectionPool, blocking: Bool = true) {
        self.pool = pool
        self.blocking = blocking
    }

    /// How many times each query text was executed.
    var runs: [String: Int] { state.withLock { $0.runs } }
    /// Executions that ended because they were cancelled.
    var cancelled: Int { state.withLock { $0.cancelled } }
    /// Executions waiting in a `-- block` query now.
    var blocked: Int { state.withLock { $0.blocked } }
    /// The most executions that ever waited in `-- block` queries at once.
    var mostBlocked: Int { state.withLock { $0.mostBlocked } }

    func contentType(for parameters: TAPParameters) throws(TAPRequestError) -> String {
        switch (parameters["RESPONSEFORMAT"] ?? parameters["FORMAT"])?.lowercased() {
        case nil, "csv", "text/csv": return "text/csv"
        case let other?: throw TAPRequestError("RESPONSEFORMAT=\(other) is not supported by the test executor")
        }
    }

    func execute(_ parameters: TAPParameters, timeoutSeconds: Double, write: ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome {
        let query = parameters["QUERY"] ?? ""
        state.withLock { $0.runs[query, default: 0] += 1 }
        if query.hasPrefix("-- fail") {
            let firstLine = query.split(separator: "\n").first.map(String.init) ?? query
            throw TAPRequestError(String(firstLine.dropFirst("-- fail".count)).trimmingCharacters(in: .whitespaces))
        }
        if query.hasPrefix("-- block"), blocking {
            state.withLock {
                $0.blocked += 1
                $0.mostBlocked = max($0.mostBlocked, $0.blocked)
            }
            defer { state.withLock { $0.blocked -= 1 } }
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                state.withLock { $0.cancelled += 1 }
                throw error
            }
        }
        let maxrec = parameters["MAXREC"].flatMap { Int($0) } ?? 100_000
        let result: QueryResult
        do {
            result = try await pool.withTransaction(readOnly: true, statementTimeoutMilliseconds: Int(timeoutSeconds * 1000)) { connection in
                try await connection.query(SQL(unsafeSQL: query))
            }
        } catch let error as PostgresError {
            throw TAPRequestError("The query failed: \(error.message)")
        }
        try await write(Array((result.columns.map { Self.field($0.name) }.joined(separator: ",") + "\n").utf8))
        let rows = result.rows.prefix(maxrec)
        var batch = ""
        for (index, row) in rows.enumerated() {
            batch += row.map { $0.map(Self.field) ?? "" }.joined(separator: ",") + "\n"
            if index % 500 == 499 {
                try await write(Array(batch.utf8))
                batch = ""
            }
        }
        try await write(Array(batch.utf8))
        return TAPQueryOutcome(rows: rows.count, overflow: result.rows.count > maxrec)
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
