import Foundation
import Postgres

/// Loads the reference API fixtures (`../shared/reference/fixtures/*.ecsv`) into an instrument schema, as
/// the reference's test suite does, read in place.
///
/// Missing `day_obs`, `seq_num` (and `detector`) are taken from the parent row: `exposure` (by
/// `exposure_id`, `visit_id` or `obs_id`) for exposure-level tables, `ccdexposure` (by `ccdexposure_id`,
/// `ccdvisit_id` or `obs_id`) for detector-level tables. Values are always bound as parameters.
public enum ReferenceFixtures {
    /// Fixture files and their tables, in load order (parents first).
    public static let files: [(file: String, table: String)] = [
        ("exposure.ecsv", "exposure"),
        ("exposure2.ecsv", "exposure"),
        ("ccdexposure.ecsv", "ccdexposure"),
        ("visit1_quicklook.ecsv", "visit1_quicklook"),
        ("ccdvisit1_quicklook.ecsv", "ccdvisit1_quicklook"),
        ("exposure_flexdata_schema.ecsv", "exposure_flexdata_schema"),
        ("ccdexposure_flexdata_schema.ecsv", "ccdexposure_flexdata_schema"),
        ("exposure_flexdata.ecsv", "exposure_flexdata"),
        ("ccdexposure_flexdata.ecsv", "ccdexposure_flexdata"),
    ]

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The fixture file `name` (e.g. `exposure.ecsv`).
    public static func table(_ name: String) throws -> ECSVTable {
        try ECSVTable.load(contentsOf: TestFiles.reference("fixtures/" + name))
    }

    /// Loads every fixture into `schema` (e.g. `cdb_lsstcomcamsim`) in one transaction; returns rows per table.
    @discardableResult
    public static func load(into schema: String, on connection: Connection) async throws -> [String: Int] {
        try await connection.withTransaction { connection in
            var counts: [String: Int] = [:]
            for (file, table) in files {
                counts[table, default: 0] += try await insert(try Self.table(file), into: table, schema: schema, on: connection)
            }
            return counts
        }
    }

    /// Inserts the rows of `ecsv` into `schema.table`, completing the composite key from parent rows.
    @discardableResult
    public static func insert(_ ecsv: ECSVTable, into table: String, schema: String, on connection: Connection) async throws -> Int {
        let tableColumns = try await connection.query("""
            SELECT column_name FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = \(table)
            """).rows.compactMap { $0[0] }
        let keyColumns = ["day_obs", "seq_num", "detector"].filter { tableColumns.contains($0) && ecsv.index(of: $0) == nil }
        for record in ecsv.records {
            var names = ecsv.columnNames
            var values = ecsv.columnNames.map { record[$0] ?? nil }
            if !keyColumns.isEmpty {
                // Without its detector a row's parent is a ccdexposure row; otherwise the exposure row.
                let key = try await parentKey(record, columns: keyColumns, detectorLevel: keyColumns.contains("detector"), schema: schema, on: connection)
                names += keyColumns
                values += key
            }
            let columnList = SQL.joined(names.map { "\(identifier: $0)" })
            let valueList = SQL.joined(values.map { "\(text: $0)" })
            try await connection.query("INSERT INTO \(SQL.qualified(schema, table)) (\(columnList)) VALUES (\(valueList))")
        }
        return ecsv.rows.count
    }

    private static func parentKey(
        _ record: [String: String?], columns: [String], detectorLevel: Bool, schema: String, on connection: Connection
    ) async throws -> [String?] {
        let parent = detectorLevel ? "ccdexposure" : "exposure"
        let idColumn = detectorLevel ? "ccdexposure_id" : "exposure_id"
        let candidates = detectorLevel ? ["ccdexposure_id", "ccdvisit_id", "obs_id"] : ["exposure_id", "visit_id", "obs_id"]
        guard let id = candidates.lazy.compactMap({ record[$0] ?? nil }).first else {
            throw LoadError(description: "a \(parent)-level fixture row has none of \(candidates)")
        }
        let selectList = SQL.joined(columns.map { "\(identifier: $0)" })
        let result = try await connection.query(
            "SELECT \(selectList) FROM \(SQL.qualified(schema, parent)) WHERE \(identifier: idColumn) = \(text: id)::bigint"
        )
        guard let row = result.rows.first else {
            throw LoadError(description: "no \(schema).\(parent) row with \(idColumn) = \(id)")
        }
        return row
    }
}
