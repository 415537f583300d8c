import JSON

/// The OpenAPI 3 document of the API, served at `<prefix>/openapi.json`.
///
/// Written by hand next to the routes it describes; a test checks that every route the router serves is
/// in the document and that every documented path is served.
enum OpenAPIDocument {
    static func json(prefix: String) -> String {
        document(prefix: prefix).serialized
    }

    static func document(prefix: String) -> JSONValue {
        let p = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        return .object([
            ("openapi", .string("3.0.3")),
            ("info", .object([
                ("title", .string("consdb")),
                ("version", .string(ConsDBVersion.current)),
                ("description", .string("""
                    Rubin Observatory Consolidated Database (ConsDB) API: flexible metadata, row inserts, \
                    read-only SQL queries and schema introspection. Errors are JSON {message, value, valid}; \
                    bad input is always a 4xx. Write endpoints need a token when the server has one configured: \
                    Bearer, or HTTP Basic with any user name and the token as the password.
                    """)),
            ])),
            ("paths", .object(paths(p))),
            ("components", components),
        ])
    }

    // MARK: - Paths

    static func paths(_ p: String) -> [(String, JSONValue)] {
        [
            ("/", .object([("get", operation("root", "Service description (same as \(p)/)", tags: ["info"], responses: ok(ref("Root"))))])),
            (p + "/", .object([("get", operation("consdbRoot", "Name, version, instruments, observation types and flex dtypes", tags: ["info"], responses: ok(ref("Root"))))])),
            ("/healthz", .object([("get", operation("healthz", "Liveness probe: the process answers", tags: ["operations"], responses: ok(ref("Status"))))])),
            ("/readyz", .object([("get", operation("readyz", "Readiness probe: the database answers", tags: ["operations"],
                                                   responses: ok(ref("Status")) + [("503", response("Database unreachable", ref("Status")))]))])),
            ("/metrics", .object([("get", operation("metrics", "Prometheus metrics (text exposition format)", tags: ["operations"],
                                                    responses: [("200", .object([("description", .string("Metrics")), ("content", .object([("text/plain", .object([("schema", .object([("type", .string("string"))]))]))]))]))]))])),
            (p + "/openapi.json", .object([("get", operation("openapi", "This document", tags: ["info"], responses: ok(.object([("type", .string("object"))]))))])),

            (p + "/flex/{instrument}/{obs_type}/addkey", .object([("post", operation(
                "addFlexKey", "Add a flexible-metadata key", tags: ["flex"], parameters: [instrument, obsType],
                body: ref("AddKeyRequest"), responses: ok(ref("AddKeyResponse")) + errors([400, 401, 404, 409]), write: true
            ))])),
            (p + "/flex/{instrument}/{obs_type}/schema", .object([("get", operation(
                "flexSchema", "Keys with [dtype, doc, unit, ucd]", tags: ["flex"], parameters: [instrument, obsType],
                responses: ok(.object([("type", .string("object")), ("additionalProperties", .object([("type", .string("array")), ("items", .object([("type", .string("string")), ("nullable", .bool(true))]))]))])) + errors([404])
            ))])),
            (p + "/flex/{instrument}/{obs_type}/obs/{obs_id}", .object([
                ("get", operation(
                    "flexValues", "Flexible-metadata values of one observation, typed by their keys' dtypes", tags: ["flex"],
                    parameters: [instrument, obsType, obsID, .object([
                        ("name", .string("k")), ("in", .string("query")), ("required", .bool(false)),
                        ("description", .string("Keys to return (repeatable); all keys when absent")),
                        ("schema", .object([("type", .string("array")), ("items", .object([("type", .string("string"))]))])),
                        ("style", .string("form")), ("explode", .bool(true)),
                    ])],
                    responses: ok(.object([("type", .string("object")), ("additionalProperties", ref("FlexValue"))])) + errors([400, 404])
                )),
                ("post", operation(
                    "insertFlexValues", "Insert (or with u=1 update) flexible-metadata values of one observation, all or nothing",
                    tags: ["flex"], parameters: [instrument, obsType, obsID, update], body: ref("FlexValuesRequest"),
                    responses: ok(ref("FlexInsertResponse")) + errors([400, 401, 404, 409]), write: true
                )),
            ])),

            (p + "/insert/{instrument}/{table}", .object([("post", operation(
                "insertRows", "Insert (or with u=1 upsert) many rows in one statement, all or nothing", tags: ["insert"],
                parameters: [instrument, table, update], body: ref("BulkInsertRequest"),
                responses: ok(ref("InsertResponse")) + errors([400, 401, 404, 409]), write: true
            ))])),
            (p + "/insert/{instrument}/{table}/obs/{obs_id}", .object([("post", operation(
                "insertRowByObsID", "Insert one row by observation id; day_obs/seq_num (and detector) are looked up when absent",
                tags: ["insert"], parameters: [instrument, table, obsID, update], body: ref("ValuesRequest"),
                responses: ok(ref("InsertResponse")) + errors([400, 401, 404, 409]), write: true
            ))])),
            (p + "/insert/{instrument}/{table}/by_seq_num/{day_obs}/{seq_num}", .object([("post", operation(
                "insertRowBySeqNum", "Insert one row by (day_obs, seq_num)", tags: ["insert"],
                parameters: [instrument, table, integerPath("day_obs"), integerPath("seq_num"), update], body: ref("ValuesRequest"),
                responses: ok(ref("InsertResponse")) + errors([400, 401, 404, 409]), write: true
            ))])),
            (p + "/insert/{instrument}/{table}/by_seq_num/{day_obs}/{seq_num}/{detector}", .object([("post", operation(
                "insertRowBySeqNumDetector", "Insert one row by (day_obs, seq_num, detector)", tags: ["insert"],
                parameters: [instrument, table, integerPath("day_obs"), integerPath("seq_num"), integerPath("detector"), update],
                body: ref("ValuesRequest"), responses: ok(ref("InsertResponse")) + errors([400, 401, 404, 409]), write: true
            ))])),

            (p + "/query", .object([("post", operation(
                "query", "Run a read-only SQL query (SELECT, WITH, VALUES, TABLE) with a statement timeout and a row cap; the result is streamed",
                tags: ["query"], body: ref("QueryRequest"), responses: ok(ref("QueryResponse")) + errors([400, 413])
            ))])),
            (p + "/query/{instrument}/{obs_type}/obs/{obs_id}", .object([("get", operation(
                "observation", "The row of one observation (the wide view when the schema has one), optionally with its flexible metadata",
                tags: ["query"], parameters: [instrument, obsType, obsID, .object([
                    ("name", .string("flex")), ("in", .string("query")), ("required", .bool(false)),
                    ("schema", .object([("type", .string("boolean")), ("default", .bool(false))])),
                ])],
                responses: ok(.object([("type", .string("object")), ("additionalProperties", .object([]))])) + errors([400, 404])
            ))])),

            (p + "/schema", .object([("get", operation("instruments", "Instrument names", tags: ["schema"], responses: ok(stringArray)))])),
            (p + "/schema/{instrument}", .object([("get", operation(
                "tables", "Fully qualified tables and views of cdb_<instrument> (and efd_<instrument> when present)", tags: ["schema"],
                parameters: [instrument], responses: ok(stringArray) + errors([404])
            ))])),
            (p + "/schema/{instrument}/{table}", .object([("get", operation(
                "columns", "Columns of a table: {name: [SQL type, description]}", tags: ["schema"], parameters: [instrument, table],
                responses: ok(.object([("type", .string("object")), ("additionalProperties", .object([("type", .string("array")), ("items", .object([("type", .string("string")), ("nullable", .bool(true))]))]))])) + errors([404])
            ))])),
        ]
    }

    // MARK: - Building blocks

    static func operation(
        _ id: String, _ summary: String, tags: [String], parameters: [JSONValue] = [], body: JSONValue? = nil,
        responses: [(String, JSONValue)], write: Bool = false
    ) -> JSONValue {
        var members: [(String, JSONValue)] = [("operationId", .string(id)), ("summary", .string(summary)), ("tags", .strings(tags))]
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let body {
            members.append(("requestBody", .object([
                ("required", .bool(true)),
                ("content", .object([("application/json", .object([("schema", body)]))])),
            ])))
        }
        members.append(("responses", .object(responses)))
        if write { members.append(("security", .array([.object([]), .object([("bearer", .array([]))]), .object([("basic", .array([]))])]))) }
        return .object(members)
    }

    static func ok(_ schema: JSONValue) -> [(String, JSONValue)] { [("200", response("Success", schema))] }

    static func response(_ description: String, _ schema: JSONValue) -> JSONValue {
        .object([("description", .string(description)), ("content", .object([("application/json", .object([("schema", schema)]))]))])
    }

    static func errors(_ codes: [Int]) -> [(String, JSONValue)] {
        let meaning = [400: "Bad request: malformed body, unknown key or column, wrong type, bad query", 401: "Missing or invalid token (Bearer, or Basic with the token as password)",
                       405: "Method not allowed on this path",
                       404: "Invalid instrument, table, observation type or observation", 409: "Row already exists (use u=1), or key already exists",
                       413: "Body too large"]
        return codes.map { (String($0), response(meaning[$0] ?? "Error", ref("Error"))) }
    }

    static func ref(_ name: String) -> JSONValue { .object([("$ref", .string("#/components/schemas/\(name)"))]) }

    static func pathParameter(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        .object([("name", .string(name)), ("in", .string("path")), ("required", .bool(true)), ("description", .string(description)), ("schema", schema)])
    }

    static func integerPath(_ name: String) -> JSONValue {
        pathParameter(name, .object([("type", .string("integer")), ("format", .string("int64"))]), name)
    }

    static let stringSchema: JSONValue = .object([("type", .string("string"))])
    static let stringArray: JSONValue = .object([("type", .string("array")), ("items", stringSchema)])
    static let instrument = pathParameter("instrument", stringSchema, "Instrument (schema cdb_<instrument>), case-insensitive")
    static let table = pathParameter("table", stringSchema, "Table name, optionally prefixed cdb_<instrument>.")
    static let obsType = pathParameter("obs_type", .object([("type", .string("string")), ("enum", .strings(ObservationType.allCases.map(\.rawValue)))]),
                                       "Observation type, case-insensitive")
    static let obsID = pathParameter("obs_id", .object([("type", .string("integer")), ("format", .string("int64"))]), "Observation id (exposure_id, visit_id, ccdexposure_id, ccdvisit_id)")
    static let update: JSONValue = .object([
        ("name", .string("u")), ("in", .string("query")), ("required", .bool(false)),
        ("description", .string("1 updates existing rows (upsert); 0 (default) fails with 409 on an existing row")),
        ("schema", .object([("type", .string("integer")), ("enum", .array([.int(0), .int(1)])), ("default", .int(0))])),
    ])

    static func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        .object([("type", .string("object")), ("properties", .object(properties)), ("required", .strings(required))])
    }

    static let flexValue: JSONValue = .object([("oneOf", .array([
        .object([("type", .string("boolean"))]), .object([("type", .string("integer"))]),
        .object([("type", .string("number"))]), .object([("type", .string("string"))]),
    ]))])
    static let anyValue: JSONValue = .object([("nullable", .bool(true))])
    static let valueMap: JSONValue = .object([("type", .string("object")), ("additionalProperties", anyValue)])

    static var components: JSONValue {
        .object([
            ("securitySchemes", .object([
                ("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))])),
                ("basic", .object([("type", .string("http")), ("scheme", .string("basic")),
                                   ("description", .string("Any user name; the token as the password"))])),
            ])),
            ("schemas", .object([
                ("Error", object([("message", stringSchema), ("value", anyValue), ("valid", stringArray)], required: ["message"])),
                ("Status", object([("status", stringSchema)], required: ["status"])),
                ("Root", object([
                    ("name", stringSchema), ("version", stringSchema), ("description", stringSchema), ("repository_url", stringSchema),
                    ("documentation_url", stringSchema), ("instruments", stringArray), ("obs_types", stringArray), ("dtypes", stringArray),
                ], required: ["name", "version", "instruments", "obs_types", "dtypes"])),
                ("FlexValue", flexValue),
                ("AddKeyRequest", object([
                    ("key", .object([("type", .string("string")), ("maxLength", .int(128)), ("pattern", .string("^[A-Za-z_][A-Za-z0-9_.-]*$"))])),
                    ("dtype", .object([("type", .string("string")), ("enum", .strings(FlexKeyRules.dtypes))])),
                    ("doc", .object([("type", .string("string")), ("nullable", .bool(true))])),
                    ("unit", .object([("type", .string("string")), ("nullable", .bool(true)), ("description", .string("astropy unit string, e.g. km s-1"))])),
                    ("ucd", .object([("type", .string("string")), ("nullable", .bool(true)), ("description", .string("IVOA UCD, e.g. pos.eq.ra;meta.main"))])),
                ], required: ["key", "dtype"])),
                ("AddKeyResponse", object([("message", stringSchema), ("key", stringSchema), ("instrument", stringSchema), ("obs_type", stringSchema)],
                                          required: ["message", "key", "instrument", "obs_type"])),
                ("FlexValuesRequest", object([("values", .object([("type", .string("object")), ("additionalProperties", ref("FlexValue"))]))], required: ["values"])),
                ("FlexInsertResponse", object([("message", stringSchema), ("instrument", stringSchema), ("obs_type", stringSchema),
                                               ("obs_id", .object([("type", .string("integer")), ("format", .string("int64"))]))],
                                              required: ["message", "instrument", "obs_type", "obs_id"])),
                ("ValuesRequest", object([("values", valueMap)], required: ["values"])),
                ("BulkInsertRequest", object([("obs_dict", .object([("type", .string("object")), ("additionalProperties", valueMap),
                                                                     ("description", .string("Rows keyed by observation id"))]))], required: ["obs_dict"])),
                ("InsertResponse", object([
                    ("message", stringSchema), ("table", stringSchema), ("instrument", stringSchema),
                    ("obs_id", .object([("oneOf", .array([.object([("type", .string("integer"))]), .object([("type", .string("array")), ("items", .object([("type", .string("integer"))]))])]))])),
                ], required: ["message", "table", "instrument", "obs_id"])),
                ("QueryRequest", object([("query", .object([("type", .string("string")), ("minLength", .int(1))]))], required: ["query"])),
                ("QueryResponse", object([
                    ("columns", stringArray),
                    ("data", .object([("type", .string("array")), ("items", .object([("type", .string("array")), ("items", anyValue)]))])),
                    ("truncated", .object([("type", .string("boolean")), ("description", .string("Present and true when the row cap cut the streamed result"))])),
                    ("message", stringSchema),
                ], required: ["columns", "data"])),
            ])),
        ])
    }
}
