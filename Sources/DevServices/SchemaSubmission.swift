import Avro
import JSON

/// A schema offered for registration, checked the way the consumer will use it and reduced to the form
/// by which a second registration of the same schema is recognised.
struct SchemaSubmission: Sendable {
    /// The text as registered; lookups return exactly this.
    let text: String
    /// The schema's JSON with insignificant whitespace dropped and object members sorted by name. Two
    /// registrations are the same schema when these are equal, so re-indented or reordered text (what
    /// another producer's JSON library emits) maps to the existing id, while any change of content, a
    /// `doc` included, is a new schema (Confluent, too, compares a normalised text rather than parsed types).
    let canonical: String

    /// Checks a schema given directly (programmatic registration).
    init(text: String) throws(SchemaRegistryError) {
        guard !text.isEmpty else { throw .invalidSchema("empty schema") }
        do {
            _ = try AvroSchema(parsing: text)
        } catch {
            throw .invalidSchema(error.description)
        }
        self.text = text
        self.canonical = Self.canonicalForm(text)
    }

    /// Checks the body of `POST /subjects/{subject}/versions`:
    /// `{"schema": "<schema JSON>", "schemaType"?: "AVRO", "references"?: []}`.
    /// The caller has already bounded its size, so parsing it cannot exhaust memory.
    init(requestBody body: [UInt8]) throws(SchemaRegistryError) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(body)
        } catch {
            throw .http(400, "Unrecognized JSON in the request body: \(error.description.prefix(200))")
        }
        guard case .object = document else {
            throw .http(400, "The request body must be a JSON object with a \"schema\" member")
        }
        if let type = document["schemaType"], type != .null {
            guard type.stringValue == "AVRO" else {
                throw .invalidSchema("only AVRO schemas are supported (schemaType \(type.stringValue ?? type.serialized))")
            }
        }
        if let references = document["references"], references != .null {
            guard references.arrayValue?.isEmpty == true else {
                throw .invalidSchema("schema references are not supported")
            }
        }
        guard let text = document["schema"]?.stringValue else {
            throw .invalidSchema("the request body has no \"schema\" string")
        }
        try self.init(text: text)
    }

    private static func canonicalForm(_ text: String) -> String {
        // The Avro parser accepted the text with the same parser and limits, so this does not fail.
        guard let value = try? JSONValue.parse(text, limits: .avroSchema) else { return text }
        return sortingMembers(value).serialized
    }

    private static func sortingMembers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map(sortingMembers))
        case .object(let members): return .object(members.map { ($0.0, sortingMembers($0.1)) }.sorted { $0.0 < $1.0 })
        default: return value
        }
    }
}
