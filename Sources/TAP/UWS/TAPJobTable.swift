import Postgres

/// `consdb_ingest.tap_job`: the async TAP jobs of every server sharing the database, one row per job.
///
/// The table belongs to the role `consdb serve` runs as; nobody else is granted anything on it, and it
/// lives in `consdb_ingest`, which is never published, so the query reader role cannot see the jobs.
/// A trigger sends `NOTIFY consdb_tap_job` with the job id whenever a job is created or changes phase,
/// so runners on other servers learn of new and aborted jobs without waiting for their next poll.
public enum TAPJobTable {
    public static let schema = "consdb_ingest"
    public static let table = "tap_job"
    /// The notification channel of phase changes.
    public static let channel = "consdb_tap_job"

    static var qualifiedName: SQL { SQL.qualified(schema, table) }

    /// Creates the table, its indexes and its trigger if missing; safe when several servers start at
    /// once (an advisory lock orders them). A table already there is left alone.
    public static func create(on connection: Connection) async throws {
        let exists = try await connection.query("""
            SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relname = \(table)
            """).rows.first?.first == "1"
        if exists { return }
        let phases = UWSPhase.allCases.map { "'" + $0.rawValue + "'" }.joined(separator: ", ")
        try await connection.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('consdb.tap_job'))")
            try await connection.execute("""
                CREATE SCHEMA IF NOT EXISTS consdb_ingest;
                CREATE TABLE IF NOT EXISTS consdb_ingest.tap_job (
                    id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
                    phase text NOT NULL CHECK (phase IN (\(phases))),
                    run_id text,
                    owner text,
                    parameters jsonb NOT NULL DEFAULT '[]',
                    creation_time timestamptz NOT NULL DEFAULT clock_timestamp(),
                    queued_time timestamptz,
                    start_time timestamptz,
                    end_time timestamptz,
                    execution_duration integer NOT NULL CHECK (execution_duration > 0),
                    destruction timestamptz NOT NULL,
                    error_message text,
                    result_rows bigint,
                    result_overflow boolean,
                    result_content_type text,
                    result_file text,
                    result_size bigint,
                    server text,
                    heartbeat timestamptz
                );
                CREATE INDEX IF NOT EXISTS tap_job_queue ON consdb_ingest.tap_job (queued_time, id) WHERE phase = 'QUEUED';
                CREATE INDEX IF NOT EXISTS tap_job_creation ON consdb_ingest.tap_job (creation_time);
                CREATE INDEX IF NOT EXISTS tap_job_destruction ON consdb_ingest.tap_job (destruction);
                CREATE INDEX IF NOT EXISTS tap_job_executing ON consdb_ingest.tap_job (heartbeat) WHERE phase = 'EXECUTING';
                REVOKE ALL ON consdb_ingest.tap_job FROM PUBLIC;
                CREATE OR REPLACE FUNCTION consdb_ingest.tap_job_notify() RETURNS trigger
                LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $notify$
                BEGIN
                    PERFORM pg_notify('consdb_tap_job', NEW.id);
                    RETURN NULL;
                END
                $notify$;
                CREATE OR REPLACE TRIGGER tap_job_phase_change AFTER INSERT OR UPDATE OF phase ON consdb_ingest.tap_job
                FOR EACH ROW EXECUTE FUNCTION consdb_ingest.tap_job_notify();
                COMMENT ON TABLE consdb_ingest.tap_job IS 'consdb serve: async TAP (UWS) jobs shared by every server, with their parameters, phase and result file.';
                """)
        }
    }
}
