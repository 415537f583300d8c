import EFD
import Postgres

/// Upserts window summaries into `efd_<instrument>`: the pivoted row (only the columns given, so replicas
/// that own different topics fill different columns of one row) and the unpivoted rows.
public struct EFDRowWriter: Sendable {
    public var schema: String

    public init(schema: String) {
        self.schema = schema
    }

    public func write(_ summary: WindowSummary, for window: ObservationWindow, on connection: Connection) async throws {
        let table = window.kind == .exposure ? EFDTable.exposure : EFDTable.visit
        let idColumn = EFDSchema.idColumn(table)
        var names: [SQL] = ["day_obs", "seq_num", SQL("\(identifier: idColumn)")]
        var values: [SQL] = ["\(window.dayObs)", "\(window.seqNum)", "\(window.id)"]
        var updates: [SQL] = []
        for (name, value) in summary.columns {
            names.append("\(identifier: name)")
            values.append("\(text: Self.text(value))")
            updates.append("\(identifier: name) = EXCLUDED.\(identifier: name)")
        }
        // With no column to set, the row still records that the window was summarized.
        let onConflict: SQL = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(SQL.joined(updates))"
        try await connection.query("""
            INSERT INTO \(SQL.qualified(schema, table.rawValue)) (\(SQL.joined(names))) VALUES (\(SQL.joined(values)))
            ON CONFLICT (day_obs, seq_num) \(onConflict)
            """)
        guard !summary.unpivoted.isEmpty else { return }
        let unpivoted = window.kind == .exposure ? EFDTable.exposureUnpivoted : EFDTable.visitUnpivoted
        // 6 parameters a row; libpq takes at most 65,535 per statement.
        var start = summary.unpivoted.startIndex
        while start < summary.unpivoted.endIndex {
            let end = min(start + 5000, summary.unpivoted.endIndex)
            var rows: [SQL] = []
            for row in summary.unpivoted[start..<end] {
                rows.append("(\(window.dayObs), \(window.seqNum), \(window.id), \(row.property), \(row.field), \(text: Self.text(row.value)))")
            }
            try await connection.query("""
                INSERT INTO \(SQL.qualified(schema, unpivoted.rawValue)) (day_obs, seq_num, \(identifier: idColumn), property, field, value)
                VALUES \(SQL.joined(rows))
                ON CONFLICT (day_obs, seq_num, \(identifier: idColumn), property, field) DO UPDATE SET value = EXCLUDED.value
                """)
            start = end
        }
    }

    static func text(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        return value.description
    }
}
