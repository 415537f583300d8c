import Foundation
import Postgres

/// The durable per-replica backlog in the primary: `consdb_ingest.replica_outbox` holds the key of every
/// row written to a replicated table, once per registered replica, written by a trigger in the same
/// transaction as the row, so the primary's commit is the only commit point and no write can skip it.
///
/// The outbox holds keys, not values: a drainer reads the row as it is now and upserts it (or deletes it
/// when it is gone), which is idempotent and lets the newest value win, so draining twice is harmless.
public enum ReplicaOutbox {
    /// The schema of the outbox, the replica registry and the capture function.
    public static let schema = "consdb_ingest"
    /// The capture function the triggers run; a table with a trigger calling it is replicated.
    public static let captureFunction = "replica_outbox_capture"
    /// The name of the trigger on each replicated table.
    public static let triggerName = "consdb_replica_capture"

    /// Creates the outbox, the registry and the capture function if missing. Serialized by an advisory
    /// lock: workers starting together would otherwise race on `CREATE ... IF NOT EXISTS`.
    public static func install(on connection: Connection) async throws {
        try await connection.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockClass), 0)")
            try await connection.execute("""
                CREATE SCHEMA IF NOT EXISTS consdb_ingest;
                CREATE TABLE IF NOT EXISTS consdb_ingest.replica (
                    name text PRIMARY KEY,
                    registered_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE TABLE IF NOT EXISTS consdb_ingest.replica_outbox (
                    id bigserial PRIMARY KEY,
                    replica text NOT NULL,
                    schema_name text NOT NULL,
                    table_name text NOT NULL,
                    key jsonb NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    parked_at timestamptz,
                    error text
                );
                CREATE INDEX IF NOT EXISTS replica_outbox_pending ON consdb_ingest.replica_outbox (replica, id) WHERE parked_at IS NULL;
                -- SECURITY DEFINER: any role that writes a replicated table (the API's writer, an operator's
                -- session) queues the row under the owner's rights, without any privilege on consdb_ingest;
                -- the search path is fixed so the definer's rights cannot be steered to other objects.
                CREATE OR REPLACE FUNCTION consdb_ingest.replica_outbox_capture() RETURNS trigger
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
                DECLARE
                    new_key jsonb;
                    old_key jsonb;
                BEGIN
                    -- TG_ARGV: the table's primary-key columns.
                    IF TG_OP <> 'DELETE' THEN
                        SELECT jsonb_object_agg(k, to_jsonb(NEW) -> k) INTO new_key FROM unnest(TG_ARGV) AS k;
                    END IF;
                    IF TG_OP <> 'INSERT' THEN
                        SELECT jsonb_object_agg(k, to_jsonb(OLD) -> k) INTO old_key FROM unnest(TG_ARGV) AS k;
                    END IF;
                    IF new_key IS NOT NULL THEN
                        INSERT INTO consdb_ingest.replica_outbox (replica, schema_name, table_name, key)
                        SELECT r.name, TG_TABLE_SCHEMA, TG_TABLE_NAME, new_key FROM consdb_ingest.replica r;
                    END IF;
                    -- A deleted row, or an update that changed the key: the old key must go on the replica.
                    IF old_key IS NOT NULL AND old_key IS DISTINCT FROM new_key THEN
                        INSERT INTO consdb_ingest.replica_outbox (replica, schema_name, table_name, key)
                        SELECT r.name, TG_TABLE_SCHEMA, TG_TABLE_NAME, old_key FROM consdb_ingest.replica r;
                    END IF;
                    RETURN NULL;
                END
                $capture$;
                """)
        }
    }

    /// What a writer does at start when replicas are configured: the outbox, its replicas in the registry,
    /// the capture trigger on the keyed tables of the schemas it writes. Returns the replicated tables.
    @discardableResult
    public static func prepare(replicas: [ReplicaTarget], schemas: [String], on connection: Connection) async throws -> [ReplicatedTable] {
        try await install(on: connection)
        try await register(replicas, on: connection)
        return try await capture(schemas: schemas, on: connection)
    }

    /// Adds replicas to the registry: from this commit on, every captured write is queued for them too.
    public static func register(_ replicas: [ReplicaTarget], on connection: Connection) async throws {
        for replica in replicas {
            try await connection.query("INSERT INTO consdb_ingest.replica (name) VALUES (\(replica.name)) ON CONFLICT DO NOTHING")
        }
    }

    /// Puts the capture trigger on every base table with a primary key in `schemas` that lacks it (tables
    /// without a key cannot be upserted and are left out). Returns the tables now replicated.
    @discardableResult
    public static func capture(schemas: [String], on connection: Connection) async throws -> [ReplicatedTable] {
        try await connection.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockClass), 0)")
            let tables = try await keyedTables(schemas: schemas, on: connection)
            let existing = Set(try await capturedTables(on: connection))
            for table in tables where !existing.contains(table) {
                let arguments = SQL.joined(table.key.map { SQL(unsafeSQL: "'" + $0.replacingOccurrences(of: "'", with: "''") + "'") })
                try await connection.query("""
                    CREATE TRIGGER \(identifier: triggerName) AFTER INSERT OR UPDATE OR DELETE ON \(SQL.qualified(table.schema, table.name))
                    FOR EACH ROW EXECUTE FUNCTION consdb_ingest.replica_outbox_capture(\(arguments))
                    """)
            }
            return tables
        }
    }

    /// The base tables with a primary key in `schemas`, with their key columns in key order.
    static func keyedTables(schemas: [String], on connection: Connection) async throws -> [ReplicatedTable] {
        let list = "{" + schemas.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
        let result = try await connection.query("""
            SELECT n.nspname, c.relname, string_agg(a.attname, ',' ORDER BY k.ord)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(\(list)::text[])
            GROUP BY n.nspname, c.relname
            ORDER BY n.nspname, c.relname
            """)
        return result.rows.map { ReplicatedTable(schema: $0[0] ?? "", name: $0[1] ?? "", key: ($0[2] ?? "").split(separator: ",").map(String.init)) }
    }

    /// The tables that carry the capture trigger (what `consdb replicas --seed` copies).
    public static func capturedTables(on connection: Connection) async throws -> [ReplicatedTable] {
        let result = try await connection.query("""
            SELECT n.nspname, c.relname, pg_get_triggerdef(t.oid)
            FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgname = \(triggerName) AND NOT t.tgisinternal
            ORDER BY n.nspname, c.relname
            """)
        // The key columns are the trigger's arguments: "...replica_outbox_capture('day_obs', 'seq_num')".
        return result.rows.map { row in
            let definition = row[2] ?? ""
            var key: [String] = []
            if let open = definition.range(of: "replica_outbox_capture(")?.upperBound, let close = definition.lastIndex(of: ")"), open <= close {
                key = definition[open..<close].split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'")).replacingOccurrences(of: "''", with: "'")
                }
            }
            return ReplicatedTable(schema: row[0] ?? "", name: row[1] ?? "", key: key)
        }
    }

    /// The first key of the advisory locks the replication takes (the second is 0 for setup, or the
    /// replica's hash for its drainer).
    static let lockClass: Int32 = 0x5245_504C  // "REPL"
}

/// A table whose writes are captured for the replicas.
public struct ReplicatedTable: Sendable, Hashable, CustomStringConvertible {
    public var schema: String
    public var name: String
    /// Primary-key columns, in key order.
    public var key: [String]
    public init(schema: String, name: String, key: [String]) {
        self.schema = schema
        self.name = name
        self.key = key
    }
    public var description: String { "\(schema).\(name)" }
}
