import JSON

/// How the schema parser and the registry client read JSON: member order is kept (field order is the
/// wire order in Avro), number text stays exact (defaults of long fields), duplicate names are refused
/// and nesting is bounded, so a hostile schema from the network gets an error, never a stack overflow.
extension JSONLimits {
    /// An Avro type costs up to three JSON levels (record, fields array, field object), so this leaves
    /// room for ``AvroSchema/maximumDepth`` types and stays far from the stack's end.
    public static let avroSchema = JSONLimits(maximumDepth: 256)
}

extension JSONValue {

    /// Parses one document for Avro: errors become ``AvroError/Kind/invalidJSON``.
    static func parseForAvro(_ bytes: [UInt8]) throws(AvroError) -> JSONValue {
        do {
            return try parse(bytes, limits: .avroSchema)
        } catch {
            throw AvroError(.invalidJSON, "invalid JSON at character \(error.offset): \(error.reason)")
        }
    }

    /// A short name of the JSON type, for error messages.
    var describedType: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
