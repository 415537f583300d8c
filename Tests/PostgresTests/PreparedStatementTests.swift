import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Prepared statements against a real PostgreSQL")
struct PreparedStatementTests {
    /// The statements the server holds for this session, as `name: text`.
    static func serverStatements(_ connection: Connection) async throws -> [String: String] {
        let rows = try await connection.query("SELECT name, statement FROM pg_catalog.pg_prepared_statements").rows
        return Dictionary(rows.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aRepeatedTextIsPreparedOnce() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            for value in 1...3 {
                let result = try await connection.query("SELECT \(value)::int + 1 AS n", prepared: true)
                #expect(result.rows == [[String(value + 1)]])
                #expect(result.columns.map(\.name) == ["n"])
            }
            let statements = try await Self.serverStatements(connection)
            #expect(Array(statements.values) == ["SELECT $1::int + 1 AS n"])
            // Unprepared queries leave nothing behind.
            try await connection.query("SELECT \(5)::int * 2")
            #expect(try await Self.serverStatements(connection).count == 1)
        }
    }

    @Test func errorsOfPreparedStatementsCarrySQLStateAndKeepTheConnectionUsable() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
            try await connection.query("INSERT INTO t VALUES (\(1))", prepared: true)
            let duplicate = await #expect(throws: PostgresError.self) {
                try await connection.query("INSERT INTO t VALUES (\(1))", prepared: true)
            }
            #expect(duplicate?.sqlState == PostgresError.State.uniqueViolation)
            let syntax = await #expect(throws: PostgresError.self) {
                try await connection.query("SELEC \(1)", prepared: true)
            }
            #expect(syntax?.sqlState == PostgresError.State.syntaxError)
            #expect(try await connection.query("SELECT count(*) FROM t WHERE id = \(1)", prepared: true).rows == [["1"]])
        }
    }

    @Test func discardAllIsNoticedAndStatementsArePreparedAgain() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            #expect(try await connection.query("SELECT \(1)::int AS one", prepared: true).rows == [["1"]])
            try await connection.execute("DISCARD ALL")
            #expect(try await Self.serverStatements(connection).isEmpty)
            #expect(try await connection.query("SELECT \(2)::int AS one", prepared: true).rows == [["2"]])
            #expect(try await Self.serverStatements(connection).count == 1)
            // Through the extended protocol too (the command tag says what happened).
            try await connection.query("DEALLOCATE ALL")
            #expect(try await connection.query("SELECT \(3)::int AS one", prepared: true).rows == [["3"]])
        }
    }

    @Test func statementsDroppedBehindTheCachesBackArePreparedAgain() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            #expect(try await connection.query("SELECT \(1)::int AS one", prepared: true).rows == [["1"]])
            // A DO block whose text never says DEALLOCATE: the cache cannot see it, the server answers
            // 26000 (invalid_sql_statement_name) for the cached name, and the call is retried.
            try await connection.execute("DO $$ BEGIN EXECUTE 'DEALLOC' || 'ATE ALL'; END $$")
            #expect(try await Self.serverStatements(connection).isEmpty)
            #expect(try await connection.query("SELECT \(2)::int AS one", prepared: true).rows == [["2"]])
            // Inside a transaction the failure aborts it; the transaction's body is run once more.
            try await connection.execute("DO $$ BEGIN EXECUTE 'DEALLOC' || 'ATE ALL'; END $$")
            let runs = CallCounter()
            let value = try await connection.withTransaction { tx in
                runs.increment()
                return try await tx.query("SELECT \(3)::int AS one", prepared: true).rows
            }
            #expect(value == [["3"]])
            #expect(runs.value == 2)
        }
    }

    @Test func aSchemaChangeUnderASelectStarIsPreparedAgain() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let other = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
            let first = try await connection.query("SELECT * FROM t WHERE id = \(1)", prepared: true)
            #expect(first.columns.map(\.name) == ["id"])
            // Changed by another session, as a schema upgrade would be; the cached plan's result type is
            // now wrong, which PostgreSQL reports as 0A000 "cached plan must not change result type".
            try await other.execute("ALTER TABLE t ADD COLUMN note text DEFAULT 'x'")
            let second = try await connection.query("SELECT * FROM t WHERE id = \(1)", prepared: true)
            #expect(second.columns.map(\.name) == ["id", "note"])
            #expect(second.rows == [["1", "x"]])
            // The stale statement was deallocated, not left behind.
            #expect(try await Self.serverStatements(connection).count == 1)

            // In a transaction: the body runs again in a new transaction and sees the new columns.
            try await other.execute("ALTER TABLE t ADD COLUMN extra int DEFAULT 7")
            let runs = CallCounter()
            let columns = try await connection.withTransaction { tx in
                runs.increment()
                return try await tx.query("SELECT * FROM t WHERE id = \(1)", prepared: true).columns.map(\.name)
            }
            #expect(columns == ["id", "note", "extra"])
            #expect(runs.value == 2)
            // The stale statement could not be deallocated in the failed transaction; the next prepared
            // call outside one does it.
            #expect(try await connection.query("SELECT * FROM t WHERE id = \(1)", prepared: true).rows == [["1", "x", "7"]])
            #expect(try await Self.serverStatements(connection).count == 1)
        }
    }

    @Test func otherFailuresInATransactionAreNotRetried() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
            let runs = CallCounter()
            await #expect(throws: PostgresError.self) {
                try await connection.withTransaction { tx in
                    runs.increment()
                    try await tx.query("INSERT INTO t VALUES (\(1)), (\(1))", prepared: true)
                }
            }
            #expect(runs.value == 1)
            #expect(try await connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test func aReplacedConnectionPreparesAfresh() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1))
            let admin = try await Connection.connect(url)
            let firstPID = try await pool.withConnection { connection in
                #expect(try await connection.query("SELECT \(1)::int AS one", prepared: true).rows == [["1"]])
                return try await connection.query("SELECT pg_backend_pid()").rows[0][0] ?? ""
            }
            try await admin.query("SELECT pg_terminate_backend(\(firstPID)::int)")
            // The pool finds the connection broken, discards it and opens another, whose empty cache
            // prepares the statement again.
            _ = try? await pool.withConnection { try await $0.query("SELECT \(1)::int AS one", prepared: true) }
            let (pid, rows) = try await pool.withConnection { connection in
                let rows = try await connection.query("SELECT \(2)::int AS one", prepared: true).rows
                return (try await connection.query("SELECT pg_backend_pid()").rows[0][0] ?? "", rows)
            }
            #expect(pid != firstPID)
            #expect(rows == [["2"]])
            await pool.shutdown()
        }
    }

    @Test func theCacheIsBounded() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            for index in 0..<140 {
                let result = try await connection.query(SQL(unsafeSQL: "SELECT \(index) AS n"), prepared: true)
                #expect(result.rows == [[String(index)]])
            }
            let count = try await Self.serverStatements(connection).count
            #expect(count <= 128)
            #expect(count >= 100)
        }
    }
}

/// Counts calls from inside a closure the compiler treats as concurrent.
final class CallCounter: @unchecked Sendable {
    // @unchecked Sendable: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
