import Foundation
import Postgres

/// The runs of the daily check, `consdb_ingest.consistency_check`: one row per instrument and run, so
/// that `consdb serve` can export the latest as metrics and operators can see the history.
public enum CheckLog {
    public static let table = "consistency_check"

    static var qualifiedName: SQL { SQL.qualified(RuleSet.ingestSchema, table) }

    /// Creates the schema and table if missing; safe from concurrent runs. A table already there is left
    /// alone (the role running the check need not own it, only be able to insert).
    public static func create(on connection: Connection) async throws {
        let exists = try await connection.query("""
            SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(RuleSet.ingestSchema) AND c.relname = \(table)
            """).rows.first?.first == "1"
        if exists { return }
        try await connection.withTransaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('consdb.consistency_check'))")
            _ = try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(SQL.quoteIdentifier(RuleSet.ingestSchema))")
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS \(qualifiedName) (
                    id bigserial PRIMARY KEY,
                    instrument text NOT NULL,
                    day_obs integer NOT NULL,
                    run_at timestamptz NOT NULL DEFAULT now(),
                    violations jsonb NOT NULL,
                    count integer NOT NULL,
                    not_checked jsonb NOT NULL DEFAULT '[]'
                )
                """)
            _ = try await connection.query("CREATE INDEX IF NOT EXISTS consistency_check_latest ON \(qualifiedName) (instrument, run_at DESC)")
            _ = try await connection.execute("""
                COMMENT ON TABLE \(qualifiedName.description) IS 'consdb consistency: one row per instrument and run of the daily table checks, with the violations found.'
                """)
        }
    }

    /// Records one report.
    public static func record(_ report: ConsistencyReport, on connection: Connection) async throws {
        let violations = report.violations
        _ = try await connection.query("""
            INSERT INTO \(qualifiedName) (instrument, day_obs, violations, count, not_checked)
            VALUES (\(report.instrument), \(report.dayObs.value), \(text: report.violationsJSON.serialized)::jsonb, \(violations.count),
                    \(text: report.notCheckedJSON.serialized)::jsonb)
            """)
    }

    /// The latest run of one instrument.
    public struct LatestRun: Sendable, Equatable {
        public var instrument: String
        public var dayObs: Int
        public var count: Int
        /// Seconds since the Unix epoch.
        public var runAt: Double
    }

    /// The latest run of every instrument (empty when the table does not exist yet or cannot be read).
    public static func latestRuns(on connection: Connection) async throws -> [LatestRun] {
        // The catalogs, not to_regclass: that raises for a role without USAGE on the schema.
        guard try await ConsistencyChecker.accessProblem(TableName(RuleSet.ingestSchema, table), on: connection) == nil else { return [] }
        let rows = try await connection.query("""
            SELECT DISTINCT ON (instrument) instrument, day_obs, count, extract(epoch FROM run_at)::float8
            FROM \(qualifiedName) ORDER BY instrument, run_at DESC, id DESC
            """).rows
        return rows.map { row in
            LatestRun(instrument: row[0] ?? "", dayObs: row[1].flatMap { Int($0) } ?? 0, count: row[2].flatMap { Int($0) } ?? 0,
                      runAt: row[3].flatMap { Double($0) } ?? 0)
        }
    }
}
