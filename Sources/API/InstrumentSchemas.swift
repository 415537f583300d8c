import Felis
import FelisCatalog
import Foundation
import Postgres

/// The ConsDB instrument schemas (`cdb_<instrument>`) the API serves, read from the live catalog.
///
/// Every table, view and column name a request mentions is checked here before it reaches SQL, so only
/// names that exist in the catalog are ever quoted into a statement. The cache refreshes itself when a
/// request names something it does not know (at most once per `refreshInterval`), so a schema migration
/// is picked up without restarting the server.
public actor InstrumentSchemas {
    public static let schemaPrefix = "cdb_"
    public static let efdSchemaPrefix = "efd_"

    private let pool: ConnectionPool
    private let refreshInterval: Duration
    private var schemaNames: [String] = []
    private var schemas: [String: CatalogSchema] = [:]
    private var lastListRefresh: ContinuousClock.Instant?
    private var lastSchemaRefresh: [String: ContinuousClock.Instant] = [:]
    /// Catalog reads under way, shared by every request that needs the same schema meanwhile, so a burst
    /// of requests for a missing table costs one read, not one each.
    private var reloading: [String: Task<CatalogSchema?, Error>] = [:]

    public init(pool: ConnectionPool, refreshInterval: Duration = .seconds(1)) {
        self.pool = pool
        self.refreshInterval = refreshInterval
    }

    /// Instrument names (lower case, without the `cdb_` prefix), sorted.
    public func instruments() async throws -> [String] {
        if lastListRefresh == nil { try await refreshList() }
        return instrumentNames
    }

    private var instrumentNames: [String] {
        schemaNames.filter { $0.hasPrefix(Self.schemaPrefix) && $0.count > Self.schemaPrefix.count }
            .map { String($0.dropFirst(Self.schemaPrefix.count)) }
            .sorted()
    }

    /// The canonical instrument name for a path value (matched case-insensitively), or a 404.
    public func instrument(_ requested: String) async throws -> String {
        let wanted = requested.lowercased()
        if try await instruments().contains(wanted) { return wanted }
        if isStale(lastListRefresh) {
            try await refreshList()
            if instrumentNames.contains(wanted) { return wanted }
        }
        throw APIError.unknown("instrument", .string(requested), valid: instrumentNames)
    }

    /// The catalog of `cdb_<instrument>`.
    public func schema(for instrument: String) async throws -> CatalogSchema {
        let name = Self.schemaPrefix + instrument
        if let cached = schemas[name] { return cached }
        return try await reload(name)
    }

    /// The catalog of a schema by full name (e.g. `efd_lsstcam`), or `nil` if it does not exist.
    public func schema(named name: String) async throws -> CatalogSchema? {
        if let cached = schemas[name] { return cached }
        if lastListRefresh == nil { try await refreshList() }
        guard schemaNames.contains(name) else { return nil }
        return try await reload(name)
    }

    /// A relation (table or view) of an instrument's schema; re-reads the catalog once if it is unknown.
    public func relation(_ table: String, instrument: String) async throws -> CatalogTable? {
        let name = Self.schemaPrefix + instrument
        if let found = try await schema(for: instrument).tables[table] { return found }
        guard isStale(lastSchemaRefresh[name]) else { return nil }
        return try await reload(name).tables[table]
    }

    /// Forgets a schema so the next request re-reads it (after a DDL change made through the API).
    public func invalidate(instrument: String) {
        schemas[Self.schemaPrefix + instrument] = nil
    }

    private func isStale(_ instant: ContinuousClock.Instant?) -> Bool {
        guard let instant else { return true }
        return ContinuousClock.now - instant >= refreshInterval
    }

    private func refreshList() async throws {
        schemaNames = try await pool.withConnection { try await Catalog.schemaNames(on: $0) }
        lastListRefresh = .now
    }

    private func reload(_ name: String) async throws -> CatalogSchema {
        let loaded: CatalogSchema?
        if let running = reloading[name] {
            loaded = try await running.value
        } else {
            // Marked refreshed when the read starts: requests arriving during it wait for it instead of
            // starting their own.
            lastSchemaRefresh[name] = .now
            let pool = self.pool
            let task = Task { try await pool.withConnection { try await Catalog.load(schema: name, on: $0) } }
            reloading[name] = task
            defer { reloading[name] = nil }
            loaded = try await task.value
        }
        guard let loaded else {
            schemas[name] = nil
            throw APIError.unknown("instrument", .string(String(name.dropFirst(Self.schemaPrefix.count))), valid: instrumentNames)
        }
        schemas[name] = loaded
        return loaded
    }
}

extension CatalogTable {
    /// The column that identifies an observation in this relation: the first of `ccdvisit_id`,
    /// `visit_id`, `ccdexposure_id`, `exposure_id`, `obs_id` it has (the reference's rule).
    public var observationIDColumn: String? {
        ["ccdvisit_id", "visit_id", "ccdexposure_id", "exposure_id", "obs_id"].first { column($0) != nil }
    }

    /// Fully qualified name for responses, e.g. `cdb_latiss.exposure`.
    public var qualifiedName: String { schema + "." + name }

    var sqlName: SQL { SQL.qualified(schema, name) }
}
