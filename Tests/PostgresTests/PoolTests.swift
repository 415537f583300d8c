import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Connection pool against a real PostgreSQL")
struct PoolTests {
    @Test func concurrentUseStaysWithinTheBound() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 3))
            try await pool.query("CREATE TABLE t (id int)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            try await connection.query("INSERT INTO t VALUES (\(index))")
                            _ = try await connection.query("SELECT pg_sleep(\(0.01))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let stats = await pool.statistics
            #expect(stats.open <= 3)
            #expect(stats.inUse == 0)
            #expect(try await pool.query("SELECT count(DISTINCT id) FROM t").rows == [["40"]])
            // The server saw at most three sessions from this pool at any time; now it has exactly `open`.
            let sessions = try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            #expect(Int(sessions.rows[0][0] ?? "") ?? 0 <= 3)
            await pool.shutdown()
        }
    }

    @Test func brokenConnectionIsReplaced() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1))
            let pid = try await pool.query("SELECT pg_backend_pid()").rows[0][0]!
            let killer = try await Connection.connect(url)
            try await killer.query("SELECT pg_terminate_backend(\(Int(pid)!))")
            // The next use fails on the dead session; the pool discards it and the one after works.
            _ = try? await pool.query("SELECT 1")
            let newPid = try await pool.query("SELECT pg_backend_pid()").rows[0][0]!
            #expect(newPid != pid)
            await pool.shutdown()
        }
    }

    @Test func connectionLeftInTransactionIsNotReused() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1))
            let pid = try await pool.withConnection { connection in
                try await connection.execute("BEGIN")
                return try await connection.query("SELECT pg_backend_pid()").rows[0][0]!
            }
            let next = try await pool.query("SELECT pg_backend_pid()").rows[0][0]!
            #expect(next != pid)
            await pool.shutdown()
        }
    }

    @Test func waitersTimeOut() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1, acquireTimeout: .milliseconds(200)))
            let held = try await pool.lease()
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT 1")
            }
            #expect(error?.code == .poolTimeout)
            await pool.release(held)
            #expect(try await pool.query("SELECT 1").rows == [["1"]])
            await pool.shutdown()
        }
    }

    @Test func shutdownRefusesNewWork() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url))
            _ = try await pool.query("SELECT 1")
            await pool.shutdown()
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(error?.code == .poolClosed)
        }
    }
}
