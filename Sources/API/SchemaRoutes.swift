import Felis
import Hummingbird

/// `GET /consdb/schema...`: instruments, their tables, and a table's columns.
struct SchemaRoutes {
    let service: APIService

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.get("schema") { _, _ in
            JSONResponse.make(.strings(try await service.schemas.instruments()))
        }
        group.get("schema/:instrument") { _, context in try await tables(context) }
        group.get("schema/:instrument/:table") { _, context in try await columns(context) }
    }

    /// Fully qualified tables and views of `cdb_<instrument>`, and of `efd_<instrument>` when it exists.
    private func tables(_ context: BasicRequestContext) async throws -> Response {
        let instrument = try await service.schemas.instrument(try context.path("instrument"))
        var names = try await service.schemas.schema(for: instrument).tables.values.map(\.qualifiedName).sorted()
        if let efd = try await service.schemas.schema(named: InstrumentSchemas.efdSchemaPrefix + instrument) {
            names += efd.tables.values.map(\.qualifiedName).sorted()
        }
        return JSONResponse.make(.strings(names))
    }

    /// `{column: [type, description]}` in column order; the type as SQL spells it (`BIGINT`, `VARCHAR(20)`).
    private func columns(_ context: BasicRequestContext) async throws -> Response {
        let instrument = try await service.schemas.instrument(try context.path("instrument"))
        let requested = try context.path("table").lowercased()
        var schemaName = InstrumentSchemas.schemaPrefix + instrument
        var tableName = requested
        for prefix in [InstrumentSchemas.schemaPrefix, InstrumentSchemas.efdSchemaPrefix] where requested.hasPrefix(prefix + instrument + ".") {
            schemaName = prefix + instrument
            tableName = String(requested.dropFirst(prefix.count + instrument.count + 1))
        }
        let schema = try await service.schemas.schema(named: schemaName)
        var found = schema?.tables[tableName]
        if found == nil, schemaName.hasPrefix(InstrumentSchemas.schemaPrefix) {
            found = try await service.schemas.relation(tableName, instrument: instrument)
        }
        guard let table = found else {
            let valid = (schema?.tables.values.map(\.qualifiedName) ?? []).sorted()
            throw APIError.unknown("table", .string(schemaName + "." + tableName), valid: valid)
        }
        return JSONResponse.make(.object(table.columns.map { column in
            (column.name, .array([.string(Self.sqlTypeName(column.type)), column.comment.map { .string($0) } ?? .null]))
        }))
    }

    /// PostgreSQL's `format_type` spelling in the reference's (SQLAlchemy's) style.
    static func sqlTypeName(_ formatted: String) -> String {
        var type = formatted.uppercased()
        let replacements = [
            ("CHARACTER VARYING", "VARCHAR"), ("CHARACTER", "CHAR"),
            (" WITHOUT TIME ZONE", ""), ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE"),
        ]
        for (from, to) in replacements { type = type.replacingOccurrences(of: from, with: to) }
        if type.hasPrefix("TIMESTAMP("), !type.contains("WITH TIME ZONE") { type = "TIMESTAMP" }
        return type
    }
}
