import Felis
import Foundation
import Hummingbird
import JSON
import Logging
import Postgres

/// `POST /consdb/query` (read-only SQL, streamed) and `GET /consdb/query/.../obs/{obs_id}` (one row).
struct QueryRoutes {
    let service: APIService
    /// Pool for user SQL; the main pool unless a separate (e.g. read-only role) URL is configured.
    let queryPool: ConnectionPool
    /// Refuses queries while the query pool's role is privileged.
    var roleGate: QueryRoleGate?

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.post("query") { request, context in try await runQuery(request, context) }
        group.get("query/:instrument/:obs_type/obs/:obs_id") { request, context in try await observation(request, context) }
    }

    // MARK: - POST /consdb/query

    /// Statements the endpoint runs: anything that can stand in `DECLARE ... CURSOR FOR`.
    static let readOnlyKeywords = ["select", "with", "values", "table"]

    /// The first keyword of a statement, skipping blanks, comments and opening parentheses. Block
    /// comments nest, as PostgreSQL reads them: `/* a /* b */ SELECT */ DELETE` starts with DELETE.
    static func leadingKeyword(_ sql: String) -> String {
        let scalars = Array(sql.unicodeScalars)
        func at(_ index: Int, _ pair: String) -> Bool {
            let pair = Array(pair.unicodeScalars)
            return index + 1 < scalars.count && scalars[index] == pair[0] && scalars[index + 1] == pair[1]
        }
        var index = 0
        while index < scalars.count {
            if scalars[index].properties.isWhitespace || scalars[index] == "(" {
                index += 1
            } else if at(index, "--") {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else if at(index, "/*") {
                var depth = 0
                repeat {
                    if at(index, "/*") {
                        depth += 1
                        index += 2
                    } else if at(index, "*/") {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                } while depth > 0 && index < scalars.count
                guard depth == 0 else { return "" }
            } else {
                break
            }
        }
        let word = scalars[index...].prefix { $0.properties.isAlphabetic }
        return String(String.UnicodeScalarView(word)).lowercased()
    }

    private func runQuery(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try await roleGate?.admit()
        var request = request
        let body = try await request.jsonBody(limit: service.configuration.maxBodyBytes)
        guard case .string(var text) = try body.required("query") else {
            throw APIError.badBody("Field query must be a string", value: body["query"])
        }
        guard !text.contains("\0") else {
            // libpq sends the statement as a C string, which would end at the NUL.
            throw APIError.badBody("The query cannot hold a NUL character")
        }
        text = QueryText.unescapingPercent(text).trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(";") { text.removeLast(); text = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard !text.isEmpty else { throw APIError.badBody("The query is empty") }
        // Only real writes are refused here; anything else that is not a query reaches PostgreSQL, whose
        // syntax error says more than a refusal would (a typo is not a write).
        let keyword = Self.leadingKeyword(text)
        guard !QueryText.isRefused(keyword: keyword) else {
            throw APIError.badBody(
                "Only read-only queries are accepted", value: .string(keyword.uppercased()),
                valid: Self.readOnlyKeywords.map { $0.uppercased() }
            )
        }
        let configuration = service.configuration
        let cap = configuration.queryRowCap
        let fetchSize = max(1, min(configuration.queryFetchSize, cap + 1))
        let cursor = try await ReadOnlyCursor.openForAPI(pool: queryPool)
        let first: QueryResult
        do {
            first = try await cursor.start(
                query: text, timeoutMilliseconds: Int(configuration.queryTimeoutSeconds * 1000), fetchSize: fetchSize
            )
        } catch {
            await cursor.close()
            throw Self.queryError(error, timeoutSeconds: configuration.queryTimeoutSeconds)
        }
        if first.rows.count > cap {
            await cursor.close()
            throw APIError.badBody("The query returned more rows than the row cap; narrow it or add a LIMIT", value: .int(cap))
        }
        if first.rows.count < fetchSize {
            // The cursor is exhausted: the whole answer is in hand, so it goes out with its length (and
            // the compression middleware can leave a small one plain, as the reference does).
            await cursor.close()
            var text = Self.opening(first.columns)
            for (index, row) in first.rows.enumerated() {
                if index > 0 { text += "," }
                QueryRoutes.writeRow(row, columns: first.columns, into: &text)
            }
            text += "]}"
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let logger = service.logger
        let bodyWriter = ResponseBody { writer in
            var sent = 0
            var batch = first
            var text = QueryRoutes.opening(batch.columns)
            var truncated = false
            do {
                while true {
                    let take = min(batch.rows.count, cap - sent)
                    for row in batch.rows.prefix(take) {
                        if sent > 0 { text += "," }
                        QueryRoutes.writeRow(row, columns: batch.columns, into: &text)
                        sent += 1
                    }
                    if take < batch.rows.count { truncated = true }
                    var buffer = ByteBuffer()
                    buffer.writeString(text)
                    try await writer.write(buffer)
                    text = ""
                    if truncated || batch.rows.count < fetchSize { break }
                    batch = try await cursor.fetch(fetchSize)
                    if sent >= cap, !batch.rows.isEmpty { truncated = true; break }
                }
            } catch {
                // Headers are gone; abort the response so the client sees an incomplete body, not a
                // silently short result.
                logger.warning("query stream failed", metadata: ["event": "api.query_stream_failed", "error": "\(error)"])
                await cursor.close()
                throw error
            }
            text += "]"
            if truncated {
                text += ",\"truncated\":true,\"message\":"
                JSONValue.writeString("Result truncated at the row cap of \(cap) rows", into: &text)
            }
            text += "}"
            var buffer = ByteBuffer()
            buffer.writeString(text)
            try await writer.write(buffer)
            await cursor.close()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: bodyWriter)
    }

    /// The answer's text up to its first row.
    static func opening(_ columns: [ResultColumn]) -> String {
        "{\"columns\":" + JSONValue.strings(columns.map(\.name)).serialized + ",\"data\":["
    }

    static func writeRow(_ row: [String?], columns: [ResultColumn], into text: inout String) {
        text += "["
        for (index, value) in row.enumerated() {
            if index > 0 { text += "," }
            ValueCoding.json(value, typeOID: columns[index].typeOID).write(into: &text)
        }
        text += "]"
    }

    static func queryError(_ error: Error, timeoutSeconds: Double) -> Error {
        guard let error = error as? PostgresError else { return error }
        switch error.category {
        case .canceled:
            return APIError.badBody("The query exceeded the statement timeout", value: .double(timeoutSeconds), valid: ["a faster query"])
        case .unavailable:
            return APIError.from(error)
        case .uniqueViolation, .invalidData, .duplicateObject, .insufficientPrivilege, .invalidStatement, .transient, .server, .unexpected:
            // The SQL is the client's own, so whatever the server refused in it is the client's to fix.
            var message = error.message
            if let detail = error.detail { message += ": " + detail }
            return APIError.badBody("Query failed: \(message)", value: error.sqlState.map { .string($0) })
        }
    }

    // MARK: - GET /consdb/query/{instrument}/{obs_type}/obs/{obs_id}

    private func observation(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let instrument = try await service.schemas.instrument(try context.path("instrument"))
        let obsType = try ObservationType.parse(try context.path("obs_type"))
        let obsID = try context.integer("obs_id")
        let withFlex = try request.flag("flex")
        let schemas = service.schemas
        // The reference reads `<obs_type>_wide_view`; where no such view exists we read the observation
        // type's own table or view, so the endpoint answers for every schema.
        var found = try await schemas.relation(obsType.wideView, instrument: instrument)
        if found == nil { found = try await schemas.relation(obsType.rawValue, instrument: instrument) }
        guard let relation = found, let idColumn = relation.observationIDColumn else {
            throw APIError.unknown("observation type", .string(obsType.rawValue))
        }
        let flexData = try await schemas.relation(obsType.flexDataTable, instrument: instrument)
        let flexKeys = try await schemas.relation(obsType.flexSchemaTable, instrument: instrument)
        let members: [(String, JSONValue)] = try await service.read { connection in
            let result = try await connection.query("SELECT * FROM \(relation.sqlName) WHERE \(identifier: idColumn) = \(obsID) LIMIT 1", prepared: true)
            guard let row = result.rows.first else {
                // The reference's text for this endpoint (its other endpoints say "Invalid exposure_id").
                throw APIError(.notFound, "Observation \(obsID) not found.", value: .int(obsID))
            }
            var members = zip(result.columns, row).map { column, value in
                (column.name, ValueCoding.json(value, typeOID: column.typeOID))
            }
            if withFlex, let flexData, let flexKeys {
                let flex = try await connection.query("""
                    SELECT d.key, d.value, s.dtype FROM \(flexData.sqlName) d JOIN \(flexKeys.sqlName) s ON s.key = d.key
                    WHERE d.obs_id = \(obsID) ORDER BY d.key
                    """, prepared: true)
                for entry in flex.rows {
                    let key = entry[0] ?? ""
                    let value = FlexKeyRules.json(fromStored: entry[1], dtype: entry[2] ?? "str")
                    members.removeAll { $0.0 == key }
                    members.append((key, value))
                }
            }
            return members
        }
        return JSONResponse.make(.object(members))
    }
}

extension ReadOnlyCursor {
    /// Opens a cursor, turning a database that cannot be reached into the API's error.
    static func openForAPI(pool: ConnectionPool) async throws -> ReadOnlyCursor {
        do {
            return try await ReadOnlyCursor.open(pool: pool)
        } catch let error as PostgresError {
            throw APIError.from(error)
        }
    }
}
