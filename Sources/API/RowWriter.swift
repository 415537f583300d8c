import Felis
import JSON
import Postgres

/// Builds the INSERT statements of the insert and flex endpoints from request values, after checking
/// every column name against the catalog and every value against its column's type.
struct RowWriter {
    let table: CatalogTable
    /// The table's columns by name (a bulk insert looks one up per value).
    private let columns: [String: CatalogColumn]
    /// NOT NULL columns without a default, which an INSERT must name.
    private let required: [String]

    init(table: CatalogTable) {
        self.table = table
        columns = Dictionary(table.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        required = table.columns.filter { !$0.isNullable && $0.defaultExpression == nil }.map(\.name)
    }

    /// One row's values, in request order.
    typealias Values = [(String, JSONValue)]

    /// Rejects unknown columns, and (unless updating) missing columns that are NOT NULL without a default.
    func validate(_ values: Values, update: Bool) throws {
        if values.contains(where: { columns[$0.0] == nil }) {
            let unknown = values.map(\.0).filter { columns[$0] == nil }
            throw APIError.badBody(
                "Invalid extra columns", value: .string(unknown.joined(separator: ",")),
                valid: table.columns.map(\.name)
            )
        }
        guard !update else { return }
        let missing = missingRequired(values)
        if !missing.isEmpty {
            throw APIError.badBody("Invalid missing columns", value: .string(missing.joined(separator: ",")))
        }
    }

    /// The NOT NULL columns without a default that a row does not name: an INSERT of it would fail.
    func missingRequired(_ values: Values) -> [String] {
        required.filter { name in !values.contains { $0.0 == name } }
    }

    /// The u=1 write of a row that names its key but not every required column: `UPDATE ... SET
    /// <supplied columns> WHERE <key>`. (`INSERT ... ON CONFLICT DO UPDATE` cannot do it: PostgreSQL checks
    /// NOT NULL on the proposed row before it looks for the conflict.) A row that does not exist yet is a
    /// 400 naming the columns its insert needs.
    func updateExisting(_ row: Values, keyColumns: [String], on connection: Connection) async throws {
        let lookup = Dictionary(row, uniquingKeysWith: { _, last in last })
        let missingKey = keyColumns.filter { lookup[$0] == nil }
        guard !keyColumns.isEmpty, missingKey.isEmpty else {
            throw APIError.badBody("Invalid missing columns", value: .string(missingKey.joined(separator: ",")))
        }
        var conditions: [SQL] = []
        for name in keyColumns {
            conditions.append("\(identifier: name) = \(text: try ValueCoding.text(for: lookup[name]!, column: table.column(name)!))")
        }
        var assignments: [SQL] = []
        for (name, value) in row where !keyColumns.contains(name) {
            assignments.append("\(identifier: name) = \(text: try ValueCoding.text(for: value, column: table.column(name)!))")
        }
        if assignments.isEmpty {
            assignments = ["\(identifier: keyColumns[0]) = \(identifier: keyColumns[0])"]
        }
        let result = try await connection.query(
            "UPDATE \(table.sqlName) SET \(SQL.joined(assignments)) WHERE \(SQL.joined(conditions, separator: " AND "))", prepared: true
        )
        guard result.affectedRows > 0 else {
            throw APIError.badBody(
                "Invalid missing columns", value: .string(missingRequired(row).joined(separator: ","))
            )
        }
    }

    /// `INSERT INTO table (columns) VALUES (...), (...)`; a column a row lacks gets `DEFAULT`. With
    /// `conflictColumns`, existing rows are updated with the supplied columns (upsert on that key).
    func insert(_ rows: [Values], conflictColumns: [String]?) throws -> SQL {
        var columnNames: [String] = []
        var seen = Set<String>()
        for row in rows {
            for (name, _) in row where seen.insert(name).inserted { columnNames.append(name) }
        }
        guard !columnNames.isEmpty else { throw APIError.badBody("No values to insert") }
        guard rows.count * columnNames.count <= 65_535 else {
            throw APIError.badBody("Too many values in one insert (\(rows.count * columnNames.count)); split it into requests of at most 65535 values")
        }
        // Built by appending to one statement: a 1,000-row insert has tens of thousands of values.
        let columnList = SQL.joined(columnNames.map { "\(identifier: $0)" })
        var sql: SQL = "INSERT INTO \(table.sqlName) (\(columnList)) VALUES "
        sql.reserveCapacity(parts: rows.count * (2 * columnNames.count + 1))
        let targets = columnNames.map { columns[$0]! }
        for (rowIndex, row) in rows.enumerated() {
            sql.append(unsafeRaw: rowIndex == 0 ? "(" : "), (")
            for (position, column) in targets.enumerated() {
                if position > 0 { sql.append(unsafeRaw: ", ") }
                // Rows usually list their columns in the same order: look there first.
                let value = position < row.count && row[position].0 == column.name
                    ? row[position].1 : row.last(where: { $0.0 == column.name })?.1
                guard let value else { sql.append(unsafeRaw: "DEFAULT"); continue }
                // No explicit cast: PostgreSQL coerces INSERT values to the column type with an assignment
                // cast, which rejects a too-long string where an explicit ::varchar(n) would cut it.
                sql.append(bindText: try ValueCoding.text(for: value, column: column))
            }
        }
        sql.append(unsafeRaw: ")")
        if let conflictColumns, !conflictColumns.isEmpty {
            let target = SQL.joined(conflictColumns.map { "\(identifier: $0)" })
            let updates = columnNames.filter { !conflictColumns.contains($0) }
            if updates.isEmpty {
                sql.append(" ON CONFLICT (\(target)) DO NOTHING")
            } else {
                let assignments = SQL.joined(updates.map { "\(identifier: $0) = EXCLUDED.\(identifier: $0)" })
                sql.append(" ON CONFLICT (\(target)) DO UPDATE SET \(assignments)")
            }
        }
        return sql
    }

    /// The key used for upserts: the table's primary key, else the given fallback columns.
    func conflictColumns(fallback: [String]) -> [String] {
        let key = table.primaryKey
        return key.isEmpty ? fallback : key
    }
}

/// Finds the `(day_obs, seq_num[, detector])` of an observation from its parent row, as the reference's
/// insert-by-id endpoints do, so clients may send just an id.
struct ObservationKeys {
    let schemas: InstrumentSchemas
    let instrument: String

    /// Fills the composite-key columns `table` has and `values` lacks. The parent is `exposure` found by
    /// the row's `exposure_id` or `visit_id`, else `ccdexposure` by `obs_id` for detector-level tables,
    /// else `exposure` by `obs_id`. A missing parent is a 404.
    func fill(_ values: inout RowWriter.Values, table: CatalogTable, obsID: Int64, on connection: Connection) async throws {
        let keyColumns = ["day_obs", "seq_num", "detector"].filter { name in table.columns.contains { $0.name == name } }
        let missing = keyColumns.filter { name in !values.contains { $0.0 == name } }
        guard !missing.isEmpty, table.column("day_obs") != nil, table.column("seq_num") != nil else { return }

        let parentName: String
        let idColumn: String
        let id: Int64
        if let explicit = values.first(where: { $0.0 == "exposure_id" || $0.0 == "visit_id" }),
           case .number(let text) = explicit.1, let parentID = Int64(text) {
            (parentName, idColumn, id) = ("exposure", "exposure_id", parentID)
        } else if table.column("detector") != nil {
            (parentName, idColumn, id) = ("ccdexposure", "ccdexposure_id", obsID)
        } else {
            (parentName, idColumn, id) = ("exposure", "exposure_id", obsID)
        }
        guard let parent = try await schemas.relation(parentName, instrument: instrument) else {
            throw APIError.unknown("table", .string(InstrumentSchemas.schemaPrefix + instrument + "." + parentName))
        }
        let available = missing.filter { parent.column($0) != nil }
        guard !available.isEmpty else { return }
        let selectList = SQL.joined(available.map { "\(identifier: $0)" })
        let result = try await connection.query("SELECT \(selectList) FROM \(parent.sqlName) WHERE \(identifier: idColumn) = \(id)", prepared: true)
        guard let row = result.rows.first else {
            throw APIError.unknown(idColumn, .int(id))
        }
        for (index, name) in available.enumerated() {
            values.append((name, row[index].map { JSONValue.number($0) } ?? .null))
        }
    }
}
