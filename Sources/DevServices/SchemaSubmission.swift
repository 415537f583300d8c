import Avro
import Foundation

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
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw .http(400, "Unrecognized JSON in the request body: \(Self.shortDescription(error))")
        }
        guard let object = document as? [String: Any] else {
            throw .http(400, "The request body must be a JSON object with a \"schema\" member")
        }
        if let type = object["schemaType"], !(type is NSNull) {
            guard let name = type as? String, name == "AVRO" else {
                throw .invalidSchema("only AVRO schemas are supported (schemaType \(type))")
            }
        }
        if let references = object["references"], !(references is NSNull) {
            guard let list = references as? [Any], list.isEmpty else {
                throw .invalidSchema("schema references are not supported")
            }
        }
        guard let text = object["schema"] as? String else {
            throw .invalidSchema("the request body has no \"schema\" string")
        }
        try self.init(text: text)
    }

    private static func canonicalForm(_ text: String) -> String {
        // The Avro parser accepted the text, so Foundation's parser normally does too; if the two disagree
        // on some corner (a huge number), the exact text still identifies the schema.
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]),
              let canonical = String(data: data, encoding: .utf8)
        else { return text }
        return canonical
    }

    /// Foundation's parse errors carry their detail in userInfo; one line of it is enough for a client.
    private static func shortDescription(_ error: any Error) -> String {
        let nsError = error as NSError
        let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String ?? nsError.localizedDescription
        return String(detail.prefix(200))
    }
}
