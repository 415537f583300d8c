import Logging
import Postgres

/// What an operator does with the replicas (`consdb replicas`): look at the backlogs, send parked rows
/// again, start a new replica from a copy of the primary, forget a replica.
public enum ReplicaOperations {
    /// One replica's state, for `consdb replicas`.
    public struct Status: Sendable {
        public var backlog: ReplicaBacklog
        /// Whether a connection could be made (nil: not configured here, so not tried).
        public var reachable: Bool?
        /// The parked rows' errors, most frequent first, with their counts.
        public var parkedErrors: [(error: String, rows: Int)]
    }

    /// The state of every registered replica and of every one in `configured`.
    public static func status(configured: [ReplicaTarget], on primary: Connection) async throws -> [Status] {
        try await ReplicaOutbox.install(on: primary)
        let registered = try await primary.query("SELECT name FROM consdb_ingest.replica ORDER BY name").rows.compactMap { $0[0] }
        let names = Array(Set(registered + configured.map(\.name))).sorted()
        var statuses: [Status] = []
        for name in names {
            let backlog = try await ReplicaBacklog.read(name, on: primary)
            let errors = try await primary.query("""
                SELECT error, count(*) FROM consdb_ingest.replica_outbox WHERE replica = \(name) AND parked_at IS NOT NULL
                GROUP BY error ORDER BY count(*) DESC, error LIMIT 10
                """).rows.map { (error: $0[0] ?? "", rows: Int($0[1] ?? "") ?? 0) }
            var reachable: Bool?
            if let target = configured.first(where: { $0.name == name }) {
                reachable = (try? await Connection.connect(target.conninfo)) != nil
            }
            statuses.append(Status(backlog: backlog, reachable: reachable, parkedErrors: errors))
        }
        return statuses
    }

    /// Sends a replica's parked rows again (after its schema was fixed). Returns how many.
    @discardableResult
    public static func requeue(_ replica: String, on primary: Connection) async throws -> Int {
        try await primary.query("""
            UPDATE consdb_ingest.replica_outbox SET parked_at = NULL, error = NULL WHERE replica = \(replica) AND parked_at IS NOT NULL
            """).affectedRows
    }

    /// Drops a replica from the registry with its backlog: writes are no longer queued for it.
    @discardableResult
    public static func forget(_ replica: String, on primary: Connection) async throws -> Int {
        try await primary.withTransaction { connection in
            try await connection.query("DELETE FROM consdb_ingest.replica WHERE name = \(replica)")
            return try await connection.query("DELETE FROM consdb_ingest.replica_outbox WHERE replica = \(replica)").affectedRows
        }
    }

    /// Copies every row of the replicated tables (those with the capture trigger) from the primary to a
    /// new replica, upserting, so it can run again. The replica is registered first: writes made during
    /// the copy are queued for it and the drainer brings them over afterwards. Returns rows copied per table.
    public static func seed(_ replica: ReplicaTarget, primary: Connection, chunk: Int = 1000, logger: Logger) async throws -> [(table: ReplicatedTable, rows: Int)] {
        try await ReplicaOutbox.install(on: primary)
        try await ReplicaOutbox.register([replica], on: primary)
        let tables = try await ReplicaOutbox.capturedTables(on: primary)
        let target = try await Connection.connect(replica.conninfo, logger: logger)
        let applier = ReplicaApplier(replica: replica, batchSize: chunk, logger: logger)
        var copied: [(table: ReplicatedTable, rows: Int)] = []
        for table in tables {
            let name = ReplicaApplier.TableName(schema: table.schema, name: table.name)
            let rows = try await primary.withTransaction(readOnly: true) { connection in
                try await connection.query("DECLARE consdb_seed NO SCROLL CURSOR FOR SELECT to_jsonb(t)::text FROM \(SQL.qualified(table.schema, table.name)) AS t")
                var count = 0
                while true {
                    let batch = try await connection.query("FETCH \(unsafeRaw: String(chunk)) FROM consdb_seed").rows.compactMap { $0[0] }
                    if batch.isEmpty { break }
                    do {
                        try await target.withTransaction { try await applier.apply(name, upserts: batch, deletes: [], on: $0) }
                    } catch let refusal as ReplicaApplier.Refusal {
                        throw refusal.error
                    }
                    count += batch.count
                }
                return count
            }
            logger.info("seeded table", metadata: ["event": "replica.seed.table", "replica": "\(replica.name)", "table": "\(table)", "rows": "\(rows)"])
            copied.append((table, rows))
        }
        return copied
    }
}
