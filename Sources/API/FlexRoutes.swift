import Felis
import Hummingbird
import Postgres

/// `/consdb/flex/...`: flexible (ad hoc) metadata keys and values per observation.
struct FlexRoutes {
    let service: APIService

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.post("flex/:instrument/:obs_type/addkey") { request, context in try await addKey(request, context) }
        group.get("flex/:instrument/:obs_type/schema") { _, context in try await keySchema(context) }
        group.get("flex/:instrument/:obs_type/obs/:obs_id") { request, context in try await values(request, context) }
        group.post("flex/:instrument/:obs_type/obs/:obs_id") { request, context in try await insertValues(request, context) }
    }

    /// The flex tables of an observation type, which must both exist.
    struct FlexTables {
        let instrument: String
        let obsType: ObservationType
        let data: CatalogTable
        let keys: CatalogTable
        let parent: CatalogTable
    }

    private func tables(_ context: BasicRequestContext) async throws -> FlexTables {
        let instrument = try await service.schemas.instrument(try context.path("instrument"))
        let obsType = try ObservationType.parse(try context.path("obs_type"))
        let schemas = service.schemas
        if let data = try await schemas.relation(obsType.flexDataTable, instrument: instrument),
           let keys = try await schemas.relation(obsType.flexSchemaTable, instrument: instrument),
           let parent = try await schemas.relation(obsType.rawValue, instrument: instrument) {
            return FlexTables(instrument: instrument, obsType: obsType, data: data, keys: keys, parent: parent)
        }
        let schema = try await schemas.schema(for: instrument)
        let valid = ObservationType.allCases.filter { schema.tables[$0.flexDataTable] != nil && schema.tables[$0.flexSchemaTable] != nil }
        throw APIError.unknown("observation type", .string(obsType.rawValue), valid: valid.map(\.rawValue))
    }

    /// Keys and their dtypes, read fresh (another server may have added keys).
    private func keyTypes(_ flex: FlexTables, on connection: Connection) async throws -> [(key: String, dtype: String, doc: String?, unit: String?, ucd: String?)] {
        let result = try await connection.query("SELECT key, dtype, doc, unit, ucd FROM \(flex.keys.sqlName) ORDER BY key")
        return result.rows.map { ($0[0] ?? "", $0[1] ?? "str", $0[2], $0[3], $0[4]) }
    }

    private func addKey(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        var request = request
        let flex = try await tables(context)
        let body = try await request.jsonBody(limit: service.configuration.maxBodyBytes)
        guard case .string(let key) = try body.required("key") else {
            throw APIError.badBody("Field key must be a string", value: body["key"])
        }
        guard FlexKeyRules.isValidKeyName(key) else {
            throw APIError.badBody(
                "Invalid key name: use a letter or underscore, then letters, digits, '_', '.', '-' (at most 128)", value: .string(key)
            )
        }
        guard case .string(let dtype) = try body.required("dtype"), FlexKeyRules.dtypes.contains(dtype) else {
            throw APIError.badBody("Invalid dtype", value: body["dtype"], valid: FlexKeyRules.dtypes)
        }
        let doc = try body.optionalString("doc") ?? ""
        let unit = try body.optionalString("unit")
        let ucd = try body.optionalString("ucd")
        if let unit, !UnitSyntax.isValid(unit) {
            throw APIError.badBody("'\(unit)' is not a valid unit", value: .string(unit))
        }
        if let ucd, !FlexKeyRules.isValidUCD(ucd) {
            throw APIError.badBody("'\(ucd)' is not a valid IVOA UCD", value: .string(ucd))
        }
        do {
            try await service.database { connection in
                try await connection.query("""
                    INSERT INTO \(flex.keys.sqlName) (key, dtype, doc, unit, ucd) VALUES (\(key), \(dtype), \(doc), \(unit), \(ucd))
                    """)
            }
        } catch let error as APIError where error.status == .conflict {
            // addkey ignores u=1, so the generic "use u=1 to update it" would mislead.
            throw APIError(.conflict, "Key already exists", value: .string(key))
        }
        return JSONResponse.make(.object([
            ("message", .string("Key added to flexible metadata")),
            ("key", .string(key)),
            ("instrument", .string(flex.instrument)),
            ("obs_type", .string(flex.obsType.rawValue)),
        ]))
    }

    private func keySchema(_ context: BasicRequestContext) async throws -> Response {
        let flex = try await tables(context)
        let keys = try await service.read { try await keyTypes(flex, on: $0) }
        return JSONResponse.make(.object(keys.map { entry in
            (entry.key, .array([.string(entry.dtype), entry.doc.map { .string($0) } ?? .null,
                                entry.unit.map { .string($0) } ?? .null, entry.ucd.map { .string($0) } ?? .null]))
        }))
    }

    /// The observation's key columns from its parent row, or a 404.
    private func observationKey(_ flex: FlexTables, obsID: Int64, on connection: Connection) async throws -> [(String, String?)] {
        guard let idColumn = flex.parent.observationIDColumn else {
            throw APIError.unknown("observation type", .string(flex.obsType.rawValue))
        }
        let keyColumns = ["day_obs", "seq_num", "detector"].filter { flex.data.column($0) != nil && flex.parent.column($0) != nil }
        let selectList = keyColumns.isEmpty ? SQL("1") : SQL.joined(keyColumns.map { "\(identifier: $0)" })
        let result = try await connection.query("SELECT \(selectList) FROM \(flex.parent.sqlName) WHERE \(identifier: idColumn) = \(obsID)")
        guard let row = result.rows.first else { throw APIError.unknown(idColumn, .int(obsID)) }
        return keyColumns.isEmpty ? [] : Array(zip(keyColumns, row))
    }

    private func values(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let flex = try await tables(context)
        let obsID = try context.integer("obs_id")
        let wanted = request.uri.queryParameters[values: "k"].map { String($0).removingPercentEncoding ?? String($0) }
        if let bad = wanted.first(where: { $0.contains("\0") }) {
            throw APIError.badBody("Query parameter k cannot hold a NUL character", value: .string(bad))
        }
        let members: [(String, JSONValue)] = try await service.read { connection in
            _ = try await observationKey(flex, obsID: obsID, on: connection)
            let types = Dictionary(try await keyTypes(flex, on: connection).map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
            // An unknown key is a 400, as it is when POSTed, rather than an empty answer.
            if let unknown = wanted.first(where: { types[$0] == nil }) {
                throw APIError.badBody("Invalid key", value: .string(unknown), valid: types.keys.sorted())
            }
            var sql: SQL = "SELECT key, value FROM \(flex.data.sqlName) WHERE obs_id = \(obsID)"
            if !wanted.isEmpty { sql.append(" AND key = ANY(\(wanted)::text[])") }
            sql.append(" ORDER BY key")
            return try await connection.query(sql).rows.map { row in
                let key = row[0] ?? ""
                return (key, FlexKeyRules.json(fromStored: row[1], dtype: types[key] ?? "str"))
            }
        }
        return JSONResponse.make(.object(members))
    }

    private func insertValues(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        var request = request
        let flex = try await tables(context)
        let obsID = try context.integer("obs_id")
        let update = try request.updateFlag()
        let body = try await request.jsonBody(limit: service.configuration.maxBodyBytes)
        let values = try body.required("values").members(of: "values")
        guard !values.isEmpty else { throw APIError.badBody("values is empty") }
        try await service.database { connection in
            let types = Dictionary(try await keyTypes(flex, on: connection).map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
            var stored: [(String, String)] = []
            for (key, value) in values {
                guard let dtype = types[key] else {
                    throw APIError.badBody("Invalid key", value: .string(key), valid: types.keys.sorted())
                }
                guard let text = FlexKeyRules.storedText(for: value, dtype: dtype) else {
                    throw APIError.badBody("Invalid \(dtype) value", value: value, valid: [dtype])
                }
                stored.append((key, text))
            }
            let observation = try await observationKey(flex, obsID: obsID, on: connection)
            let writer = RowWriter(table: flex.data)
            let rows: [RowWriter.Values] = stored.map { key, text in
                var row: RowWriter.Values = [("obs_id", .int(obsID))]
                row += observation.map { ($0.0, $0.1.map { JSONValue.number($0) } ?? .null) }
                row += [("key", .string(key)), ("value", .string(text))]
                return row
            }
            let conflict = writer.conflictColumns(fallback: ["obs_id", "key"])
            try await connection.query(try writer.insert(rows, conflictColumns: update ? conflict : nil))
        }
        return JSONResponse.make(.object([
            ("message", .string("Flexible metadata inserted")),
            ("instrument", .string(flex.instrument)),
            ("obs_type", .string(flex.obsType.rawValue)),
            ("obs_id", .int(obsID)),
        ]))
    }
}
