import Felis
import FelisCatalog
import Postgres

/// What to do when an exposure's row already exists.
public enum ExistingRowPolicy: Sendable, Equatable {
    /// Leave it alone (the default: the first ingest wins, a re-delivered event changes nothing).
    case keep
    /// Rewrite the named columns (nil: every column the header fills). `detectorColumns` likewise for
    /// `ccdexposure`; `skipDetectors` writes no `ccdexposure` rows at all (the reference's `@skip`).
    case update(exposureColumns: Set<String>?, detectorColumns: Set<String>?, skipDetectors: Bool)

    /// The reference's `EXP_COLUMNS_TO_UPDATE` / `CCD_COLUMNS_TO_UPDATE` (colon-separated; `@skip` in the
    /// second writes no detector rows). As in the reference, either list switches updating on. `update`
    /// without lists rewrites every column; with lists, exactly the listed columns (a table whose list is
    /// unset gets none rewritten).
    public static func from(update: Bool, exposureColumns: String?, detectorColumns: String?) -> ExistingRowPolicy {
        func names(_ text: String?) -> Set<String>? {
            guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return Set(text.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        let skip = detectorColumns?.trimmingCharacters(in: .whitespaces) == "@skip"
        let exposure = names(exposureColumns)
        let detector = skip ? nil : names(detectorColumns)
        let listed = exposure != nil || detector != nil || skip
        guard update || listed else { return .keep }
        guard listed else { return .update(exposureColumns: nil, detectorColumns: nil, skipDetectors: false) }
        return .update(exposureColumns: exposure ?? [], detectorColumns: detector ?? [], skipDetectors: skip)
    }
}

/// How many rows one write touched.
public struct WriteOutcome: Sendable, Equatable {
    public var exposureRows: Int
    public var detectorRows: Int
}

/// Writes an ``ExposureRecord`` into `<schema>.exposure` and `<schema>.ccdexposure` in one transaction,
/// filling only the columns the live tables have (so an older or newer schema version works) and checking
/// first that every NOT NULL column gets a value.
public struct ExposureWriter: Sendable {
    public let schema: String
    public let exposure: CatalogTable
    public let detectors: CatalogTable?
    public let policy: ExistingRowPolicy

    /// Reads the two tables' definitions from the database. Fails when the schema or its exposure table
    /// does not exist (apply the Felis schema first), or an update names a column the table lacks.
    public static func load(schema: String, policy: ExistingRowPolicy, on connection: Connection) async throws -> ExposureWriter {
        guard let catalog = try await Catalog.load(schema: schema, on: connection) else {
            throw IngestSetupError("schema \(schema) does not exist; create it with `consdb schema apply --felis <cdb_...yaml>`")
        }
        guard let exposure = catalog.tables["exposure"], exposure.kind == .table else {
            throw IngestSetupError("schema \(schema) has no exposure table")
        }
        let detectors = catalog.tables["ccdexposure"].flatMap { $0.kind == .table ? $0 : nil }
        if case .update(let exposureColumns, let detectorColumns, _) = policy {
            let unknown = (exposureColumns ?? []).filter { exposure.column($0) == nil }.sorted()
            guard unknown.isEmpty else {
                throw IngestSetupError("EXP_COLUMNS_TO_UPDATE names columns \(schema).exposure lacks: \(unknown.joined(separator: ", "))")
            }
            let unknownDetector = (detectorColumns ?? []).filter { detectors?.column($0) == nil }.sorted()
            guard unknownDetector.isEmpty else {
                throw IngestSetupError("CCD_COLUMNS_TO_UPDATE names columns \(schema).ccdexposure lacks: \(unknownDetector.joined(separator: ", "))")
            }
        }
        return ExposureWriter(schema: schema, exposure: exposure, detectors: detectors, policy: policy)
    }

    /// Checks the record against the tables: a NOT NULL column without a default that the header leaves
    /// empty is a mapping error (reported before anything is written).
    public func check(_ record: ExposureRecord) throws(HeaderMappingError) {
        let values = Dictionary(record.exposureColumns, uniquingKeysWith: { first, _ in first })
        let missing = exposure.columns.filter { column in
            !column.isNullable && column.defaultExpression == nil && (values[column.name] ?? .null).isNull
        }.map(\.name)
        guard missing.isEmpty else {
            throw HeaderMappingError("the header gives no value for \(schema).exposure column(s) \(missing.joined(separator: ", ")), which cannot be NULL")
        }
    }

    /// Upserts the exposure row and its detector rows on `connection`, which must be in a transaction.
    public func write(_ record: ExposureRecord, on connection: Connection) async throws -> WriteOutcome {
        try check(record)
        let exposureRows = try await connection.query(statement(table: exposure, rows: [record.exposureColumns], updating: updateColumns(detectors: false)))
        var detectorRows = 0
        if let detectors, !record.detectors.isEmpty, !skipsDetectors {
            detectorRows = try await connection.query(statement(table: detectors, rows: record.detectorColumns, updating: updateColumns(detectors: true))).affectedRows
        }
        if exposureRows.affectedRows > 0 {
            // Delivered when the transaction commits: the EFD stream learns of the new exposure at once.
            try await connection.query("SELECT pg_notify(\(Self.notificationChannel), \("\(schema):\(record.exposureID)"))")
        }
        return WriteOutcome(exposureRows: exposureRows.affectedRows, detectorRows: detectorRows)
    }

    /// The `NOTIFY` channel of new or changed exposure rows; the payload is `<schema>:<exposure_id>`.
    public static let notificationChannel = "consdb_exposure"

    private var skipsDetectors: Bool {
        if case .update(_, _, true) = policy { return true }
        return false
    }

    /// The columns an upsert of `exposure` (or of `ccdexposure`) rewrites; nil keeps existing rows.
    private func updateColumns(detectors: Bool) -> Set<String>?? {
        guard case .update(let exposureColumns, let detectorColumns, _) = policy else { return nil }
        return .some(detectors ? detectorColumns : exposureColumns)
    }

    /// `INSERT ... VALUES (...), ... ON CONFLICT (<primary key>) DO NOTHING | DO UPDATE SET ...`, over the
    /// columns the table has. `updating`: nil keeps existing rows; `.some(nil)` rewrites every written
    /// column but the key; `.some(names)` rewrites just those.
    func statement(table: CatalogTable, rows: [[(String, ColumnValue)]], updating: Set<String>??) -> SQL {
        let names = (rows.first ?? []).map(\.0).filter { table.column($0) != nil }
        let wanted = Set(names)
        var valueLists: [SQL] = []
        valueLists.reserveCapacity(rows.count)
        for row in rows {
            let values = row.filter { wanted.contains($0.0) }.map { SQL("\(text: $0.1.postgresText)") }
            valueLists.append("(\(SQL.joined(values)))")
        }
        let columnList = SQL.joined(names.map { SQL("\(identifier: $0)") })
        var sql: SQL = "INSERT INTO \(SQL.qualified(table.schema, table.name)) (\(columnList)) VALUES \(SQL.joined(valueLists))"
        let key = table.primaryKey
        guard case .some(let selection) = updating, !key.isEmpty else {
            return sql + " ON CONFLICT DO NOTHING"
        }
        let rewritten = names.filter { !key.contains($0) && (selection?.contains($0) ?? true) }
        guard !rewritten.isEmpty else { return sql + " ON CONFLICT DO NOTHING" }
        let assignments = rewritten.map { SQL("\(identifier: $0) = EXCLUDED.\(identifier: $0)") }
        sql.append(" ON CONFLICT (\(SQL.joined(key.map { SQL("\(identifier: $0)") }))) DO UPDATE SET \(SQL.joined(assignments))")
        return sql
    }
}

/// A worker cannot start: what to fix.
public struct IngestSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
