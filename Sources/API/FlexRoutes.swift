import Felis
import Hummingbird
import JSON
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
        let result = try await connection.query("SELECT key, dtype, doc, unit, ucd FROM \(flex.keys.sqlName) ORDER BY key", prepared: true)
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

    /// The declared keys with their dtypes, and the observation's key columns from its parent row (`nil`
    /// when the observation does not exist), read in one prepared statement.
    private func keysAndObservation(
        _ flex: FlexTables, idColumn: String, obsID: Int64, on connection: Connection
    ) async throws -> (types: [String: String], observation: [(String, String?)]?) {
        let keyColumns = ["day_obs", "seq_num", "detector"].filter { flex.data.column($0) != nil && flex.parent.column($0) != nil }
        // part 0: the observation with its key columns as text; 1: a declared key and its dtype.
        let observationList = SQL.joined(keyColumns.map { ", \(identifier: $0)::text" }, separator: "")
        let padding = SQL(unsafeSQL: String(repeating: ", NULL", count: keyColumns.count))
        let result = try await connection.query("""
            (SELECT 0 AS part, NULL::text AS key, NULL::text AS dtype\(observationList)
             FROM \(flex.parent.sqlName) WHERE \(identifier: idColumn) = \(obsID) LIMIT 1)
            UNION ALL
            SELECT 1, key, dtype\(padding) FROM \(flex.keys.sqlName)
            """, prepared: true)
        var types: [String: String] = [:]
        var observation: [(String, String?)]?
        for row in result.rows {
            if row[0] == "0" {
                observation = Array(zip(keyColumns, row.dropFirst(3)))
            } else if let key = row[1] {
                types[key] = row[2] ?? "str"
            }
        }
        return (types, observation)
    }

    /// One observation's values, in one prepared statement: a row that says the observation exists, its
    /// values with their keys' dtypes, and (when `k` names keys) every declared key, so that a key asked
    /// for that does not exist is a 400 listing the valid ones.
    private func values(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let flex = try await tables(context)
        let obsID = try context.integer("obs_id")
        let wanted = request.uri.queryParameters[values: "k"].map { String($0).removingPercentEncoding ?? String($0) }
        if let bad = wanted.first(where: { $0.contains("\0") }) {
            throw APIError.badBody("Query parameter k cannot hold a NUL character", value: .string(bad))
        }
        guard let idColumn = flex.parent.observationIDColumn else {
            throw APIError.unknown("observation type", .string(flex.obsType.rawValue))
        }
        // part 0: the observation exists; 1: a value (key, value, dtype); 2: a declared key.
        var sql: SQL = """
            (SELECT 0 AS part, NULL::text AS key, NULL::text AS value, NULL::text AS dtype
             FROM \(flex.parent.sqlName) WHERE \(identifier: idColumn) = \(obsID) LIMIT 1)
            UNION ALL
            SELECT 1, d.key, d.value, s.dtype FROM \(flex.data.sqlName) d LEFT JOIN \(flex.keys.sqlName) s ON s.key = d.key
            WHERE d.obs_id = \(obsID)
            """
        if !wanted.isEmpty {
            sql.append(" AND d.key = ANY(\(wanted)::text[]) UNION ALL SELECT 2, key, NULL, NULL FROM \(flex.keys.sqlName)")
        }
        sql.append(" ORDER BY 1, 2")
        let rows = try await service.read { try await $0.query(sql, prepared: true) }.rows
        guard rows.first?[0] == "0" else { throw APIError.unknown(idColumn, .int(obsID)) }
        if !wanted.isEmpty {
            let declared = rows.filter { $0[0] == "2" }.compactMap { $0[1] }
            let known = Set(declared)
            if let missing = wanted.first(where: { !known.contains($0) }) {
                throw APIError.unknown("key", .string(missing), valid: declared, status: .badRequest)
            }
        }
        let members: [(String, JSONValue)] = rows.lazy.filter { $0[0] == "1" }.map { row in
            (row[1] ?? "", FlexKeyRules.json(fromStored: row[2], dtype: row[3] ?? "str"))
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
        guard let idColumn = flex.parent.observationIDColumn else {
            throw APIError.unknown("observation type", .string(flex.obsType.rawValue))
        }
        // One read and one INSERT, no transaction block: the INSERT alone writes every value or none.
        try await service.database(transaction: false) { connection in
            let (types, found) = try await keysAndObservation(flex, idColumn: idColumn, obsID: obsID, on: connection)
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
            guard let observation = found else { throw APIError.unknown(idColumn, .int(obsID)) }
            let writer = RowWriter(table: flex.data)
            let rows: [RowWriter.Values] = stored.map { key, text in
                var row: RowWriter.Values = [("obs_id", .int(obsID))]
                row += observation.map { ($0.0, $0.1.map { JSONValue.number($0) } ?? .null) }
                row += [("key", .string(key)), ("value", .string(text))]
                return row
            }
            let conflict = writer.conflictColumns(fallback: ["obs_id", "key"])
            try await connection.query(try writer.insert(rows, conflictColumns: update ? conflict : nil), prepared: true)
        }
        return JSONResponse.make(.object([
            ("message", .string("Flexible metadata inserted")),
            ("instrument", .string(flex.instrument)),
            ("obs_type", .string(flex.obsType.rawValue)),
            ("obs_id", .int(obsID)),
        ]))
    }
}
