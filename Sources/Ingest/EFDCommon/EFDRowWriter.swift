import EFD
import Postgres

/// Upserts window summaries into `efd_<instrument>`: the pivoted rows (only the columns given, so replicas
/// that own different topics fill different columns of one row) and the unpivoted rows.
public struct EFDRowWriter: Sendable {
    public var schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// Upserts one window's rows.
    public func write(_ summary: WindowSummary, for window: ObservationWindow, on connection: Connection) async throws {
        try await write([(window, summary)], on: connection)
    }

    /// Upserts several windows' rows, as few statements as the parameter limit allows: PostgreSQL parses
    /// and plans a 1,000-column upsert in about 18 ms, and one statement of 8 rows costs 22 ms (measured
    /// with pgbench), so a batch task's windows go together.
    public func write(_ windows: [(ObservationWindow, WindowSummary)], on connection: Connection) async throws {
        // Rows of one table with the same columns share a statement.
        var groups: [GroupKey: [(ObservationWindow, WindowSummary)]] = [:]
        var order: [GroupKey] = []
        for entry in windows {
            let key = GroupKey(kind: entry.0.kind, columns: entry.1.columns.map(\.name))
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(entry)
        }
        for key in order {
            let rows = groups[key]!
            // libpq takes at most 65,535 parameters a statement.
            let perStatement = max(1, 60_000 / (key.columns.count + 3))
            for start in stride(from: 0, to: rows.count, by: perStatement) {
                try await upsertPivoted(key, rows[start..<min(start + perStatement, rows.count)], on: connection)
            }
        }
        for kind in [WindowKind.exposure, .visit] {
            let unpivoted = windows.filter { $0.0.kind == kind }.flatMap { entry in entry.1.unpivoted.map { (entry.0, $0) } }
            // 6 parameters a row.
            for start in stride(from: 0, to: unpivoted.count, by: 5000) {
                try await upsertUnpivoted(kind, unpivoted[start..<min(start + 5000, unpivoted.count)], on: connection)
            }
        }
    }

    struct GroupKey: Hashable {
        var kind: WindowKind
        var columns: [String]
    }

    private func upsertPivoted(_ key: GroupKey, _ rows: ArraySlice<(ObservationWindow, WindowSummary)>, on connection: Connection) async throws {
        let table = key.kind == .exposure ? EFDTable.exposure : EFDTable.visit
        let idColumn = EFDSchema.idColumn(table)
        let names: [SQL] = ["day_obs", "seq_num", SQL("\(identifier: idColumn)")] + key.columns.map { SQL("\(identifier: $0)") }
        let values: [SQL] = rows.map { window, summary in
            let cells: [SQL] = ["\(window.dayObs)", "\(window.seqNum)", "\(window.id)"] + summary.columns.map { SQL("\(text: Self.text($0.value))") }
            return "(\(SQL.joined(cells)))"
        }
        let updates: [SQL] = key.columns.map { "\(identifier: $0) = EXCLUDED.\(identifier: $0)" }
        // With no column to set, the row still records that the window was summarized.
        let onConflict: SQL = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(SQL.joined(updates))"
        try await connection.query("""
            INSERT INTO \(SQL.qualified(schema, table.rawValue)) (\(SQL.joined(names))) VALUES \(SQL.joined(values))
            ON CONFLICT (day_obs, seq_num) \(onConflict)
            """)
    }

    private func upsertUnpivoted(_ kind: WindowKind, _ rows: ArraySlice<(ObservationWindow, (property: String, field: String, value: Double?))>,
                                 on connection: Connection) async throws {
        let table = kind == .exposure ? EFDTable.exposureUnpivoted : EFDTable.visitUnpivoted
        let idColumn = EFDSchema.idColumn(kind == .exposure ? EFDTable.exposure : EFDTable.visit)
        let values: [SQL] = rows.map { window, row in
            "(\(window.dayObs), \(window.seqNum), \(window.id), \(row.property), \(row.field), \(text: Self.text(row.value)))"
        }
        try await connection.query("""
            INSERT INTO \(SQL.qualified(schema, table.rawValue)) (day_obs, seq_num, \(identifier: idColumn), property, field, value)
            VALUES \(SQL.joined(values))
            ON CONFLICT (day_obs, seq_num, \(identifier: idColumn), property, field) DO UPDATE SET value = EXCLUDED.value
            """)
    }

    static func text(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        return value.description
    }
}
