import Foundation
import Logging
import Postgres

/// Applies one batch of a replica's backlog: reads the rows the outbox names from the primary as they are
/// now, upserts them on the replica (or deletes them there when the primary no longer has them), then
/// removes the applied entries from the outbox. A row the replica refuses is parked with its error; the
/// rest of the batch still goes through.
struct ReplicaApplier: Sendable {
    var replica: ReplicaTarget
    var batchSize: Int
    var logger: Logger

    /// One outbox entry.
    struct Entry: Sendable {
        var id: Int64
        var table: TableName
        /// The key as jsonb text (normalized by the server, so equal keys have equal text).
        var key: String
    }

    struct TableName: Sendable, Hashable, CustomStringConvertible {
        var schema: String
        var name: String
        var description: String { "\(schema).\(name)" }
    }

    /// What a batch did.
    struct Result: Sendable, Equatable {
        var fetched: Int
        var applied: Int
        var parked: Int
    }

    /// A failure that leaves the backlog as it is and is retried after a back-off: a connection that
    /// could not be made or broke, a cancelled statement, a lost serialization.
    struct Unreachable: Error, CustomStringConvertible {
        var side: String
        var error: any Error
        var description: String { "\(side): \(error)" }
    }

    /// The change one key asks for on the replica.
    enum Change: Sendable {
        case upsert(row: String)
        case delete
    }

    func drainBatch(primary: Connection, replicaConnection: Connection) async throws -> Result {
        let entries = try await onPrimary {
            try await primary.query("""
                SELECT id, schema_name, table_name, key::text FROM consdb_ingest.replica_outbox
                WHERE replica = \(replica.name) AND parked_at IS NULL ORDER BY id LIMIT \(batchSize)
                """).rows.map { Entry(id: Int64($0[0] ?? "") ?? 0, table: TableName(schema: $0[1] ?? "", name: $0[2] ?? ""), key: $0[3] ?? "{}") }
        }
        guard !entries.isEmpty else { return Result(fetched: 0, applied: 0, parked: 0) }

        // Runs of one table, in outbox order (a parent's rows before its children's, as they were written).
        var runs: [(table: TableName, entries: [Entry])] = []
        for entry in entries {
            if runs.last?.table == entry.table { runs[runs.count - 1].entries.append(entry) } else { runs.append((entry.table, [entry])) }
        }
        var planned: [(table: TableName, key: String, ids: [Int64], change: Change)] = []
        var parked: [(ids: [Int64], error: String)] = []
        for run in runs {
            var ids: [String: [Int64]] = [:]
            var keys: [String] = []
            for entry in run.entries {
                if ids[entry.key] == nil { keys.append(entry.key) }
                ids[entry.key, default: []].append(entry.id)
            }
            do {
                let changes = try await currentRows(run.table, keys: keys, on: primary)
                for (key, change) in zip(keys, changes) { planned.append((run.table, key, ids[key]!, change)) }
            } catch let error as PostgresError where !Self.isOutage(error) {
                // The primary cannot read the table back (dropped, renamed): nothing to apply; kept, parked.
                for key in keys { parked.append((ids[key]!, "primary: \(run.table): \(error.message)")) }
            }
        }

        var applied: [Int64] = []
        do {
            try await onReplica {
                try await replicaConnection.withTransaction { connection in
                    for group in Self.groups(planned.map { ($0.table, $0.key, $0.change) }) {
                        try await apply(group.table, upserts: group.upserts, deletes: group.deletes, on: connection)
                    }
                }
            }
            applied = planned.flatMap(\.ids)
        } catch is Refusal {
            // Row by row, each in its own transaction, to find the rows the replica refuses.
            for item in planned {
                do {
                    try await onReplica {
                        try await replicaConnection.withTransaction { connection in
                            switch item.change {
                            case .upsert(let row): try await apply(item.table, upserts: [row], deletes: [], on: connection)
                            case .delete: try await apply(item.table, upserts: [], deletes: [item.key], on: connection)
                            }
                        }
                    }
                    applied += item.ids
                } catch let refusal as Refusal {
                    parked.append((item.ids, "replica: \(item.table): \(refusal.error.message)"))
                }
            }
        }

        try await onPrimary {
            try await primary.withTransaction { connection in
                if !applied.isEmpty {
                    try await connection.query("DELETE FROM consdb_ingest.replica_outbox WHERE id = ANY(\(Self.array(applied))::bigint[])")
                }
                for park in parked {
                    try await connection.query("""
                        UPDATE consdb_ingest.replica_outbox SET parked_at = now(), error = \(park.error)
                        WHERE id = ANY(\(Self.array(park.ids))::bigint[])
                        """)
                }
            }
        }
        let parkedCount = parked.reduce(0) { $0 + $1.ids.count }
        if let first = parked.first {
            logger.error("replica refused rows; parked", metadata: [
                "event": "replica.rows_parked", "replica": "\(replica.name)", "rows": "\(parkedCount)", "error": "\(first.error)",
                "hint": "fix the replica (consdb schema apply against it), then consdb replicas --requeue",
            ])
        }
        return Result(fetched: entries.count, applied: applied.count, parked: parkedCount)
    }

    /// The rows as the primary holds them now, one change per key (in `keys`' order).
    func currentRows(_ table: TableName, keys: [String], on primary: Connection) async throws -> [Change] {
        let keyColumns = Self.keyColumns(keys[0])
        guard !keyColumns.isEmpty else { return keys.map { _ in .delete } }
        let match = SQL.joined(keyColumns.map { SQL("t.\(identifier: $0) = r.\(identifier: $0)") }, separator: " AND ")
        let relation = SQL.qualified(table.schema, table.name)
        let result = try await primary.query("""
            SELECT to_jsonb(t)::text
            FROM jsonb_array_elements(\("[" + keys.joined(separator: ",") + "]")::jsonb) WITH ORDINALITY AS k(key, ord)
            CROSS JOIN LATERAL jsonb_populate_record(NULL::\(relation), k.key) AS r
            LEFT JOIN \(relation) AS t ON \(match)
            ORDER BY k.ord
            """)
        return result.rows.map { row in row[0].map { Change.upsert(row: $0) } ?? .delete }
    }

    /// Upserts `upserts` (rows as jsonb text) and deletes the rows of `deletes` (keys as jsonb text) on the
    /// replica. The columns are the primary's: a column the replica lacks is an error there, never dropped.
    func apply(_ table: TableName, upserts: [String], deletes: [String], on connection: Connection) async throws {
        let relation = SQL.qualified(table.schema, table.name)
        do {
            if let first = upserts.first {
                let columns = Self.objectKeys(first)
                let keyColumns = try await replicaKey(table, on: connection)
                let names = SQL.joined(columns.map { SQL("\(identifier: $0)") })
                let updates = columns.filter { !keyColumns.contains($0) }.map { SQL("\(identifier: $0) = EXCLUDED.\(identifier: $0)") }
                let conflict: SQL = keyColumns.isEmpty
                    ? "" : updates.isEmpty
                    ? " ON CONFLICT (\(SQL.joined(keyColumns.map { SQL("\(identifier: $0)") }))) DO NOTHING"
                    : " ON CONFLICT (\(SQL.joined(keyColumns.map { SQL("\(identifier: $0)") }))) DO UPDATE SET \(SQL.joined(updates))"
                try await connection.query("""
                    INSERT INTO \(relation) (\(names))
                    SELECT \(names) FROM jsonb_populate_recordset(NULL::\(relation), \("[" + upserts.joined(separator: ",") + "]")::jsonb)
                    """ + conflict)
            }
            if let first = deletes.first {
                let keyColumns = Self.keyColumns(first)
                let match = SQL.joined(keyColumns.map { SQL("t.\(identifier: $0) = r.\(identifier: $0)") }, separator: " AND ")
                try await connection.query("""
                    DELETE FROM \(relation) AS t
                    USING jsonb_populate_recordset(NULL::\(relation), \("[" + deletes.joined(separator: ",") + "]")::jsonb) AS r
                    WHERE \(match)
                    """)
            }
        } catch let error as PostgresError where !Self.isOutage(error) {
            throw Refusal(error: error)
        }
    }

    /// The replica table's primary key (an upsert needs it; a table without one on the replica is refused).
    func replicaKey(_ table: TableName, on connection: Connection) async throws -> [String] {
        let rows = try await connection.query("""
            SELECT a.attname FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = to_regclass(\(SQL.quoteIdentifier(table.schema) + "." + SQL.quoteIdentifier(table.name))) AND i.indisprimary
            ORDER BY k.ord
            """).rows.compactMap { $0[0] }
        guard !rows.isEmpty else {
            throw PostgresError(code: .server, message: "\(table) does not exist on the replica or has no primary key", sqlState: "42P01")
        }
        return rows
    }

    /// The replica refused a statement for what it holds (its schema or constraints), not for an outage.
    struct Refusal: Error {
        var error: PostgresError
    }

    /// Consecutive changes of one table, upserts and deletes apart.
    static func groups(_ changes: [(TableName, String, Change)]) -> [(table: TableName, upserts: [String], deletes: [String])] {
        var groups: [(table: TableName, upserts: [String], deletes: [String])] = []
        for (table, key, change) in changes {
            if groups.last?.table != table { groups.append((table, [], [])) }
            switch change {
            case .upsert(let row): groups[groups.count - 1].upserts.append(row)
            case .delete: groups[groups.count - 1].deletes.append(key)
            }
        }
        return groups
    }

    /// An outage (retry later, keep the backlog) rather than a refusal.
    static func isOutage(_ error: PostgresError) -> Bool {
        switch error.category {
        case .unavailable, .canceled, .transient: return true
        default: return false
        }
    }

    private func onPrimary<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PostgresError where Self.isOutage(error) { throw Unreachable(side: "primary", error: error) }
    }

    private func onReplica<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PostgresError where Self.isOutage(error) { throw Unreachable(side: "replica", error: error) }
    }

    static func array(_ ids: [Int64]) -> String { "{" + ids.map(String.init).joined(separator: ",") + "}" }

    static func objectKeys(_ json: String) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        return object.keys.sorted()
    }

    static func keyColumns(_ key: String) -> [String] { objectKeys(key) }
}
