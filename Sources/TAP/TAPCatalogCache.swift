import ADQL
import FelisCatalog
import Foundation
import Postgres
import VOTable

/// TAP_SCHEMA as the service last read it: what an ADQL query may name, what VOSI `tables` lists, and
/// the units, UCDs and descriptions of result columns.
///
/// It is read with the reader pool (TAP_SCHEMA is published) and kept for `maxAge`, so a `consdb schema
/// apply` shows within that time without a query per request.
public actor TAPCatalogCache {
    let pool: ConnectionPool
    let maxAge: Duration
    private var cached: (snapshot: TAPCatalogSnapshot, at: ContinuousClock.Instant)?

    public init(pool: ConnectionPool, maxAge: Duration = .seconds(30)) {
        self.pool = pool
        self.maxAge = maxAge
    }

    /// The catalog, read again when older than `maxAge`.
    public func current() async throws -> TAPCatalogSnapshot {
        let now = ContinuousClock.now
        if let cached, now - cached.at < maxAge { return cached.snapshot }
        let schema = try await pool.withConnection { try await TAPSchemaCatalog.load(on: $0) }
        let snapshot = TAPCatalogSnapshot(schema)
        cached = (snapshot, now)
        return snapshot
    }

    /// Forgets the cached catalog (after a schema change the caller made).
    public func invalidate() { cached = nil }
}

/// One reading of TAP_SCHEMA, indexed for the service's uses.
public struct TAPCatalogSnapshot: Sendable {
    public let schema: TAPSchemaSnapshot
    /// The tables a query may name, by their PostgreSQL names.
    public let adql: ADQLCatalog

    public init(_ schema: TAPSchemaSnapshot) {
        self.schema = schema
        adql = ADQLCatalog(tables: schema.allTables.map { table in
            // TAP_SCHEMA lists itself in upper case, as clients write it; in PostgreSQL it is tap_schema.
            let schemaName = table.schemaName.lowercased() == "tap_schema" ? "tap_schema" : table.schemaName
            return ADQLTableName(schema: schemaName, table: table.unqualifiedName)
        })
    }

    /// `field` with the description, unit, UCD and utype of the column of that name in the query's
    /// tables, when exactly one of them has such a column (an expression or an ambiguous name keeps the
    /// defaults rather than borrow another column's meaning).
    public func describe(_ field: ResultField, tables: [ADQLTableName]) -> ResultField {
        let matches = tables.compactMap { schema.table("\($0.schema).\($0.table)")?.column(field.name) }
        guard matches.count == 1, let column = matches.first else { return field }
        var field = field
        field.description = column.description ?? field.description
        field.unit = column.unit ?? field.unit
        field.ucd = column.ucd ?? field.ucd
        field.utype = column.utype ?? field.utype
        return field
    }
}
