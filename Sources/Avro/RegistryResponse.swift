import JSON

/// Reading the registry's JSON answers (Confluent Schema Registry REST API).
enum RegistryResponse {
    /// The schema text of `GET /schemas/ids/{id}`: `{"schema": "...", "schemaType"?: "AVRO", "references"?: [...]}`.
    static func schemaText(_ body: [UInt8]) throws(AvroError) -> String {
        let json = try document(body)
        return try avroSchemaText(json)
    }

    /// `GET /subjects/{subject}/versions/{version}`: `{"subject", "id", "version", "schema", "schemaType"?}`.
    static func subjectVersion(_ body: [UInt8]) throws(AvroError) -> (subject: String, id: UInt32, version: Int, schema: String) {
        let json = try document(body)
        guard case .string(let subject)? = json["subject"] else { throw invalid("no \"subject\" string") }
        guard case .number(let idText)? = json["id"], let id = UInt32(idText) else { throw invalid("no integer \"id\"") }
        guard case .number(let versionText)? = json["version"], let version = Int(versionText) else {
            throw invalid("no integer \"version\"")
        }
        return (subject, id, version, try avroSchemaText(json))
    }

    /// The registry's `error_code` and `message` of an error answer, when the body has them.
    static func errorDetail(_ body: [UInt8]) -> (code: Int?, message: String?) {
        guard let json = try? JSONValue.parseForAvro(body) else { return (nil, nil) }
        var code: Int?
        if case .number(let text)? = json["error_code"] { code = Int(text) }
        return (code, json["message"]?.stringValue)
    }

    private static func document(_ body: [UInt8]) throws(AvroError) -> JSONValue {
        let json: JSONValue
        do throws(AvroError) { json = try JSONValue.parseForAvro(body) } catch { throw invalid(error.message) }
        guard case .object = json else { throw invalid("the answer is \(json.describedType), not an object") }
        return json
    }

    private static func avroSchemaText(_ json: JSONValue) throws(AvroError) -> String {
        switch json["schemaType"] {
        case nil, .null?, .string("AVRO")?: break
        case .string(let type)?:
            throw AvroError(.unsupportedSchemaType, "schema type \(AvroError.quoted(type)) is not AVRO")
        case let other?:
            throw invalid("\"schemaType\" is \(other.describedType), not a string")
        }
        switch json["references"] {
        case nil, .null?: break
        case .array(let references)? where references.isEmpty: break
        case .array?: throw AvroError(.unsupportedSchemaType, "schemas with references to other subjects are not supported")
        case let other?: throw invalid("\"references\" is \(other.describedType), not an array")
        }
        guard case .string(let text)? = json["schema"] else { throw invalid("no \"schema\" string") }
        return text
    }

    private static func invalid(_ reason: String) -> AvroError {
        AvroError(.invalidRegistryResponse, "unexpected registry answer: \(reason)")
    }
}
