import JSON

/// A refusal in the Confluent registry's terms: the HTTP status and the registry's own `error_code`, which
/// clients branch on (40401 subject not found, 40402 version not found, 40403 schema not found, 42201
/// invalid schema, 42202 invalid version, 50003 unavailable).
public struct SchemaRegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var errorCode: Int
    public var message: String

    public init(status: Int, errorCode: Int, message: String) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
    }

    public var description: String { "HTTP \(status) (error_code \(errorCode)): \(message)" }

    /// The body Confluent sends with an error: `{"error_code": N, "message": "..."}`.
    var json: String {
        JSONValue.object([("error_code", .int(errorCode)), ("message", .string(message))]).serialized
    }

    static let subjectNotFound = SchemaRegistryError(status: 404, errorCode: 40401, message: "Subject not found.")
    static let versionNotFound = SchemaRegistryError(status: 404, errorCode: 40402, message: "Version not found.")
    static let schemaNotFound = SchemaRegistryError(status: 404, errorCode: 40403, message: "Schema not found")
    static let unavailable = SchemaRegistryError(status: 503, errorCode: 50003, message: "Schema registry is unavailable (switched off for a test)")

    static func invalidSchema(_ reason: String) -> SchemaRegistryError {
        SchemaRegistryError(status: 422, errorCode: 42201, message: "Invalid schema: " + reason)
    }

    static func invalidVersion(_ text: String) -> SchemaRegistryError {
        SchemaRegistryError(status: 422, errorCode: 42202, message: "The specified version '\(text)' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"")
    }

    /// Plain HTTP failures (bad request, unknown path, ...) carry the status as their error code, as the
    /// Confluent registry's web layer does.
    static func http(_ status: Int, _ message: String) -> SchemaRegistryError {
        SchemaRegistryError(status: status, errorCode: status, message: message)
    }
}
