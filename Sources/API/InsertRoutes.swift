import Felis
import Hummingbird
import JSON
import Postgres

/// `POST /consdb/insert/...`: rows into any table of an instrument's schema that has `day_obs`.
struct InsertRoutes {
    let service: APIService

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.post("insert/:instrument/:table/obs/:obs_id") { request, context in
            try await insertOne(request, context, byObsID: true)
        }
        group.post("insert/:instrument/:table/by_seq_num/:day_obs/:seq_num") { request, context in
            try await insertOne(request, context, byObsID: false)
        }
        group.post("insert/:instrument/:table/by_seq_num/:day_obs/:seq_num/:detector") { request, context in
            try await insertOne(request, context, byObsID: false)
        }
        group.post("insert/:instrument/:table") { request, context in
            try await insertMany(request, context)
        }
    }

    /// The table named in the path: lower-cased, an optional `cdb_<instrument>.` prefix removed; it must
    /// exist and have a `day_obs` column.
    private func table(_ context: BasicRequestContext, instrument: String) async throws -> CatalogTable {
        let requested = try context.path("table")
        var name = requested.lowercased()
        let prefix = InstrumentSchemas.schemaPrefix + instrument + "."
        if name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
        if let table = try await service.schemas.relation(name, instrument: instrument), table.column("day_obs") != nil {
            return table
        }
        let schema = try await service.schemas.schema(for: instrument)
        let valid = schema.tables.values.filter { $0.column("day_obs") != nil }.map(\.qualifiedName).sorted()
        throw APIError.unknown("table", .string(prefix + name), valid: valid)
    }

    private func insertOne(_ request: Request, _ context: BasicRequestContext, byObsID: Bool) async throws -> Response {
        var request = request
        let instrument = try await service.schemas.instrument(try context.path("instrument"))
        let table = try await table(context, instrument: instrument)
        let update = try request.updateFlag()
        let body = try await request.jsonBody(limit: service.configuration.maxBodyBytes)
        var values = try body.required("values").members(of: "values")

        let obsIDValue: JSONValue
        var conflict: [String]
        if byObsID {
            let obsID = try context.integer("obs_id")
            guard let idColumn = table.observationIDColumn else {
                throw APIError.badBody("Table \(table.qualifiedName) has no observation id column; use by_seq_num")
            }
            values.removeAll { $0.0 == idColumn }
            values.append((idColumn, .int(obsID)))
            obsIDValue = .int(obsID)
            conflict = RowWriter(table: table).conflictColumns(fallback: [idColumn])
            return try await write(values, table: table, instrument: instrument, update: update, conflict: conflict, obsID: obsIDValue) { connection, values in
                try await ObservationKeys(schemas: service.schemas, instrument: instrument).fill(&values, table: table, obsID: obsID, on: connection)
            }
        }
        var key: [(String, Int64)] = [("day_obs", try context.integer("day_obs")), ("seq_num", try context.integer("seq_num"))]
        if context.parameters.get("detector") != nil {
            guard table.column("detector") != nil else {
                throw APIError.badBody("Table \(table.qualifiedName) has no detector column", value: .string("detector"))
            }
            key.append(("detector", try context.integer("detector")))
        }
        // The URL's key wins over the body's.
        values.removeAll { name, _ in key.contains { $0.0 == name } }
        values.append(contentsOf: key.map { ($0.0, .int($0.1)) })
        obsIDValue = .array(key.map { .int($0.1) })
        conflict = table.primaryKey.isEmpty ? key.map(\.0) : table.primaryKey
        return try await write(values, table: table, instrument: instrument, update: update, conflict: conflict, obsID: obsIDValue) { _, _ in }
    }

    private func write(
        _ values: RowWriter.Values, table: CatalogTable, instrument: String, update: Bool, conflict: [String], obsID: JSONValue,
        completeKey: @Sendable (Connection, inout RowWriter.Values) async throws -> Void
    ) async throws -> Response {
        let writer = RowWriter(table: table)
        // Reads, then one INSERT or one UPDATE, which is atomic by itself: no transaction block needed.
        try await service.database(transaction: false) { connection in
            var row = values
            try await completeKey(connection, &row)
            try writer.validate(row, update: update)
            if update, !writer.missingRequired(row).isEmpty {
                try await writer.updateExisting(row, keyColumns: conflict, on: connection)
            } else {
                try await connection.query(try writer.insert([row], conflictColumns: update ? conflict : nil), prepared: true)
            }
        }
        return JSONResponse.make(.object([
            ("message", .string("Data inserted")),
            ("table", .string(table.qualifiedName)),
            ("instrument", .string(instrument)),
            ("obs_id", obsID),
        ]))
    }

    /// `{"obs_dict": {"<obs_id>": {column: value, ...}, ...}}`: all rows in one statement, all or nothing.
    private func insertMany(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        var request = request
        let instrument = try await service.schemas.instrument(try context.path("instrument"))
        let rawTable = try context.path("table")
        let table = try await table(context, instrument: instrument)
        let update = try request.updateFlag()
        let body = try await request.jsonBody(limit: service.configuration.maxBodyBytes)
        let entries = try body.required("obs_dict").members(of: "obs_dict")
        guard !entries.isEmpty else { throw APIError.badBody("obs_dict is empty") }
        guard entries.count <= service.configuration.maxBulkRows else {
            throw APIError.badBody("Too many rows in one bulk insert", value: .int(entries.count), valid: ["at most \(service.configuration.maxBulkRows)"])
        }
        guard let idColumn = table.observationIDColumn else {
            throw APIError.badBody("Table \(table.qualifiedName) has no observation id column")
        }
        var parsed: [(Int64, RowWriter.Values)] = []
        for (key, value) in entries {
            guard let obsID = Int64(key) else {
                throw APIError.badBody("obs_dict keys must be integer observation ids", value: .string(key))
            }
            var row = try value.members(of: "obs_dict[\(key)]")
            row.removeAll { $0.0 == idColumn }
            row.append((idColumn, .int(obsID)))
            parsed.append((obsID, row))
        }
        let writer = RowWriter(table: table)
        let conflict = writer.conflictColumns(fallback: [idColumn])
        let schemas = service.schemas
        // A plain insert writes with one statement; u=1 may update row by row, which must be all or nothing.
        try await service.database(transaction: update) { connection in
            var rows: [RowWriter.Values] = []
            for (obsID, var row) in parsed {
                try await ObservationKeys(schemas: schemas, instrument: instrument).fill(&row, table: table, obsID: obsID, on: connection)
                try writer.validate(row, update: update)
                rows.append(row)
            }
            if update {
                // One statement updates every row with the same column list, so rows must agree on it:
                // a row without a column would otherwise overwrite that column with its default.
                let first = Set(rows[0].map(\.0))
                if let odd = rows.firstIndex(where: { Set($0.map(\.0)) != first }) {
                    throw APIError.badBody("With u=1 every row of a bulk insert must name the same columns", value: .int(parsed[odd].0))
                }
                // Rows without every required column can only update existing rows.
                if !writer.missingRequired(rows[0]).isEmpty {
                    for row in rows { try await writer.updateExisting(row, keyColumns: conflict, on: connection) }
                    return
                }
            }
            // Prepared: a client repeating one shape (1,000 rows of the same columns) skips parsing its
            // tens of thousands of parameters again; the connection's cache bounds what that holds.
            try await connection.query(try writer.insert(rows, conflictColumns: update ? conflict : nil), prepared: true)
        }
        return JSONResponse.make(.object([
            ("message", .string("Data inserted")),
            ("table", .string(rawTable)),
            ("instrument", .string(instrument)),
            ("obs_id", .array(parsed.map { .int($0.0) })),
        ]))
    }
}
