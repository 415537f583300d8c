import Felis
import FelisCatalog
import Postgres

/// The operators' view of the batch queue: `efd_scheduler.<instrument>`, one read-only view per instrument
/// over `consdb_ingest.efd_batch_task`, with the columns, types and status words of the reference's
/// scheduler tables, so the queries operators run against the reference run unchanged.
///
/// Our task states and leases map onto the reference's statuses (``Status``). The view is made by
/// `BatchTaskQueue.create(instruments:operatorRole:)`, which every batch run calls, so it is replaced in
/// the same release that changes the table. The API's reader role never sees it (the schema is not
/// published, `ReaderRole.isPublished`); an operator role may be given `SELECT` on it
/// (`CONSDB_OPERATOR_ROLE`).
public enum BatchSchedulerView {
    /// The reference's schema name.
    public static let schema = ReaderRole.schedulerSchema

    /// Bumped whenever the view's definition changes: a run replaces a view whose comment names another
    /// version, and leaves an up-to-date one alone (so a worker connected as a role that does not own the
    /// view can still start).
    static let version = 1

    /// The reference's statuses, as this view derives them.
    public enum Status: String, Sendable, CaseIterable {
        /// Queued and claimable now (never attempted, or queued again).
        case pending
        /// A failed attempt waiting out its retry delay (`not_before` in the future); claimable after it.
        case idle
        /// Claimed by a worker whose lease is still valid.
        case running
        /// Claimed, but the lease expired: the worker died or hung. The next claim takes it over (or marks it
        /// failed when it was the last attempt).
        case stale
        /// Done: rows and mark committed together.
        case completed
        /// Out of attempts; `error` holds the last error. `consdb efd batch` over its range (or the failure
        /// monitor) queues it again.
        case failed
    }

    /// The status of a row of `consdb_ingest.efd_batch_task`, as SQL (used by the view, the `--status`
    /// listing and the gauge, so the three always agree).
    public static let statusExpression = """
        CASE
            WHEN state = 'pending' AND not_before > now() THEN 'idle'
            WHEN state = 'pending' THEN 'pending'
            WHEN state = 'running' AND lease_until < now() THEN 'stale'
            WHEN state = 'running' THEN 'running'
            WHEN state = 'done' THEN 'completed'
            ELSE 'failed'
        END
        """

    /// The view's definition for one instrument. Times are `timestamp` in UTC, as the reference stores them;
    /// `timewindow` is 0 because our intervals already include their overlap (`interval_start` reaches
    /// back); `butler_repo` is NULL (we read exposures from ConsDB, not from a Butler).
    static func definition(instrument: String) -> String {
        """
        SELECT id::integer AS id,
            (interval_start AT TIME ZONE 'UTC') AS start_time,
            (interval_end AT TIME ZONE 'UTC') AS end_time,
            0::integer AS timewindow,
            (\(statusExpression))::char(20) AS status,
            (started_at AT TIME ZONE 'UTC') AS process_start_time,
            (finished_at AT TIME ZONE 'UTC') AS process_end_time,
            coalesce(round(extract(epoch FROM finished_at - started_at))::integer, 0) AS process_exec_time,
            exposures,
            visits AS visits1,
            greatest(attempts - 1, 0) AS retries,
            error,
            NULL::text AS butler_repo,
            (created_at AT TIME ZONE 'UTC') AS created_at
        FROM \(SQL.quoteIdentifier(DeadLetters.schema)).\(SQL.quoteIdentifier(BatchTaskQueue.table))
        WHERE instrument = \(SQLText.literal(instrument))
        """
    }

    static func comment(instrument: String) -> String {
        "consdb efd batch: the task queue of \(instrument) in the reference's scheduler shape (read-only; view version \(version))"
    }

    /// Creates or replaces the view of each instrument (when its comment names another version), inside the
    /// caller's transaction, and grants `operatorRole` (when given) `USAGE` on the schema and `SELECT` on
    /// its views.
    ///
    /// - Throws: `BatchSchedulerViewError` when the operator role is not a valid name or does not exist.
    static func create(instruments: [String], operatorRole: String?, on connection: Connection) async throws {
        let schemaName = SQL.quoteIdentifier(schema)
        _ = try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(schemaName)")
        for instrument in Set(instruments).sorted() {
            let view = schemaName + "." + SQL.quoteIdentifier(instrument)
            let current = try await connection.query("""
                SELECT obj_description(to_regclass(\(view)), 'pg_class')
                """).rows.first?.first ?? nil
            guard current != comment(instrument: instrument) else { continue }
            // Dropped, not replaced: CREATE OR REPLACE VIEW cannot change a column's type.
            _ = try await connection.execute("DROP VIEW IF EXISTS \(view)")
            _ = try await connection.execute("CREATE VIEW \(view) AS \(definition(instrument: instrument))")
            _ = try await connection.execute("COMMENT ON VIEW \(view) IS \(SQLText.literal(comment(instrument: instrument)))")
        }
        if let operatorRole {
            do { try ReaderRole.check(operatorRole) } catch {
                throw BatchSchedulerViewError(message: "CONSDB_OPERATOR_ROLE: \(error.message)")
            }
            let exists = try await connection.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = \(operatorRole)").rows.isEmpty == false
            guard exists else {
                throw BatchSchedulerViewError(message: "CONSDB_OPERATOR_ROLE names a role that does not exist: '\(operatorRole)' (create it first, e.g. CREATE ROLE \(operatorRole) NOLOGIN)")
            }
            let role = SQL.quoteIdentifier(operatorRole)
            _ = try await connection.execute("GRANT USAGE ON SCHEMA \(schemaName) TO \(role)")
            _ = try await connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA \(schemaName) TO \(role)")
        }
    }
}

/// The scheduler view could not be made or granted.
public struct BatchSchedulerViewError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
