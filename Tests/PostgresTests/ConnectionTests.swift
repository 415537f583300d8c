import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Connection against a real PostgreSQL")
struct ConnectionTests {
    @Test func bindParametersRoundTripHostileText() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let hostile = ["'; DROP TABLE x; --", "\"quoted\"", "back\\slash", "tab\there", "new\nline", "ünïcødé ✓", ""]
            for text in hostile {
                let result = try await connection.query("SELECT \(text)::text AS value, length(\(text)) AS n")
                #expect(result.rows.first?[0] == text)
                #expect(result.rows.first?[1] == String(text.count))
            }
        }
    }

    @Test func typesAndNulls() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let missing: Int? = nil
            let result = try await connection.query("""
                SELECT \(Int64.max)::bigint AS big, \(1.5)::float8 AS f, \(Double.nan)::float8 AS nan,
                       \(true)::bool AS b, \(missing)::int AS nothing
                """)
            let record = try #require(result.records.first)
            #expect(record.int("big") == Int(Int64.max))
            #expect(record.double("f") == 1.5)
            #expect(record.double("nan")?.isNaN == true)
            #expect(record.bool("b") == true)
            #expect(record["nothing"] == nil)
            #expect(result.columns.map(\.typeOID) == [PostgresType.int8, PostgresType.float8, PostgresType.float8, PostgresType.bool, PostgresType.int4])
        }
    }

    @Test func identifiersAreQuoted() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let odd = "we\"ird; name"
            try await connection.query("CREATE TABLE \(identifier: odd) (\(identifier: "col\"x") int)")
            try await connection.query("INSERT INTO \(identifier: odd) VALUES (\(7))")
            let result = try await connection.query("SELECT \(identifier: "col\"x") FROM \(identifier: odd)")
            #expect(result.rows == [["7"]])
        }
    }

    @Test func serverErrorsCarrySQLState() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
            try await connection.query("INSERT INTO t VALUES (\(1))")
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("INSERT INTO t VALUES (\(1))")
            }
            #expect(error?.sqlState == PostgresError.State.uniqueViolation)
            #expect(error?.constraint == "t_pkey")
            #expect(error?.description.contains("INSERT") == false, "description must not leak SQL")
            // The connection is still usable after an error.
            #expect(try await connection.query("SELECT 1").rows == [["1"]])
        }
    }

    @Test func multipleStatementsAreRejectedInParameterisedQueries() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int)")
            await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT \(1); DROP TABLE t")
            }
            #expect(try await connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test func transactionsCommitAndRollBack() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int)")
            try await connection.withTransaction { tx in
                try await tx.query("INSERT INTO t VALUES (\(1))")
            }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await connection.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\(2))")
                    throw Boom()
                }
            }
            #expect(try await connection.query("SELECT id FROM t ORDER BY id").rows == [["1"]])
            #expect(connection.isReusable)
        }
    }

    @Test func readOnlyTransactionRefusesWrites() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int)")
            let error = await #expect(throws: PostgresError.self) {
                _ = try await connection.withTransaction(readOnly: true) { tx in
                    try await tx.query("INSERT INTO t VALUES (\(1))")
                }
            }
            #expect(error?.sqlState == PostgresError.State.readOnlyTransaction)
        }
    }

    @Test func copyLoadsRowsWithSpecialCharacters() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int, note text)")
            let rows: [[String?]] = (0..<5000).map { [String($0), $0 % 7 == 0 ? nil : "row \($0)\twith\\tab\nand newline"] }
            let copied = try await connection.copyIn("COPY t (id, note) FROM STDIN", rows: rows)
            #expect(copied == 5000)
            let back = try await connection.query("SELECT note FROM t WHERE id = \(8)")
            #expect(back.rows == [["row 8\twith\\tab\nand newline"]])
            #expect(try await connection.query("SELECT count(*) FROM t WHERE note IS NULL").rows == [["715"]])
        }
    }

    @Test func badCopyDataFailsAndLeavesConnectionUsable() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            try await connection.execute("CREATE TABLE t (id int)")
            await #expect(throws: PostgresError.self) {
                try await connection.copyIn("COPY t (id) FROM STDIN", rows: [["1"], ["not a number"]])
            }
            #expect(try await connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test func statementTimeoutCancels() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.withTransaction(statementTimeoutMilliseconds: 100) { tx in
                    try await tx.query("SELECT pg_sleep(\(30))")
                }
            }
            #expect(error?.code == .cancelled)
            #expect(try await connection.query("SELECT 1").rows == [["1"]])
        }
    }

    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let task = Task { try await connection.query("SELECT pg_sleep(\(30))") }
            // Wait until the server is really running the sleep, then cancel. Only this test's database is
            // looked at: other tests run pg_sleep at the same time.
            let probe = try await Connection.connect(url)
            let deadline = ContinuousClock.now + .seconds(30)
            var running = false
            while !running, ContinuousClock.now < deadline {
                let active = try await probe.query("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_sleep%' AND state = 'active'
                    """)
                running = active.rows.first?[0] == "1"
                if !running { try await Task.sleep(for: .milliseconds(20)) }
            }
            try #require(running, "the sleep never ran")
            task.cancel()
            let result = await task.result
            #expect(throws: PostgresError.self) { try result.get() }
            #expect(try await connection.query("SELECT 2").rows == [["2"]])
        }
    }

    @Test func badConnectionStringFailsClearly() async throws {
        let error = try await RefusingPort.with { port in
            await #expect(throws: PostgresError.self) {
                try await Connection.connect("postgresql://nobody@127.0.0.1:\(port)/none?connect_timeout=2")
            }
        }
        #expect(error?.code == .connectionFailed)
    }

    @Test func environmentKeysAreReadInOrder() {
        #expect(DatabaseURL.fromEnvironment(["POSTGRES_URL": "b", "CONSDB_URL": "c"]) == "b")
        #expect(DatabaseURL.fromEnvironment(["CONSDB_DATABASE_URL": "a", "POSTGRES_URL": "b"]) == "a")
        #expect(DatabaseURL.fromEnvironment(["CONSDB_DATABASE_URL": "", "CONSDB_URL": "c"]) == "c")
        #expect(DatabaseURL.fromEnvironment([:]) == nil)
        #expect(DatabaseURL.redacted("postgresql://user:secret@host/db") == "postgresql://user:***@host/db")
        #expect(DatabaseURL.redacted("host=h password=secret dbname=x") == "host=h password=*** dbname=x")
    }

    @Test func composedFragmentsNumberTheirParameters() {
        let a: SQL = "a = \(1)"
        let b: SQL = "b = \("x")"
        let joined = SQL.joined([a, b], separator: " AND ")
        let (text, binds) = ("SELECT * FROM t WHERE " + joined).render()
        #expect(text == "SELECT * FROM t WHERE a = $1 AND b = $2")
        #expect(binds == ["1", "x"])
    }
}
