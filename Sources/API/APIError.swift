import Hummingbird
import JSON
import Postgres

/// An error the API reports to its client, in the reference's shape:
/// `{"message": "...", "value": <the bad value>, "valid": [<accepted values>]}`.
///
/// Every bad input maps to a 4xx status: 404 for an unknown instrument, table or observation, 400 for a
/// bad body, key, value or query, 409 for a duplicate without `u=1`, 401 for a missing token.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var value: JSONValue?
    public var valid: [String]?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, value: JSONValue? = nil, valid: [String]? = nil) {
        self.status = status
        self.message = message
        self.value = value
        self.valid = valid
    }

    public var description: String { "APIError(\(status.code)): \(message)" }

    public var body: JSONValue {
        var members: [(String, JSONValue)] = [("message", .string(message))]
        if let value { members.append(("value", value)) }
        if let valid, !valid.isEmpty { members.append(("valid", .strings(valid))) }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    // MARK: - The errors the routes raise

    /// A value the API does not know, worded as the reference's `BadValueException` (`"Invalid <kind>"`).
    public static func unknown(_ kind: String, _ value: JSONValue, valid: [String]? = nil, status: HTTPResponse.Status = .notFound) -> APIError {
        APIError(status, "Invalid \(kind)", value: value, valid: valid)
    }

    public static func badBody(_ message: String, value: JSONValue? = nil, valid: [String]? = nil) -> APIError {
        APIError(.badRequest, message, value: value, valid: valid)
    }

    /// Maps a database error caused by the request's data to a 4xx; anything else stays a server error
    /// (503 when the database is unreachable).
    public static func from(_ error: PostgresError) -> APIError {
        switch error.category {
        case .unavailable:
            return APIError(.serviceUnavailable, "the database is not available; try again later")
        case .canceled:
            return APIError(.badRequest, "the statement was cancelled: it exceeded the statement timeout", value: nil)
        case .uniqueViolation:
            return APIError(.conflict, "Row already exists; use u=1 to update it", value: .string(databaseText(error)))
        case .invalidData:
            return APIError(.badRequest, "Rejected by the database", value: .string(databaseText(error)))
        case .duplicateObject, .insufficientPrivilege, .invalidStatement, .transient, .server, .unexpected:
            return APIError(.internalServerError, "Database error", value: .string(error.message))
        }
    }

    /// The server's message and detail.
    private static func databaseText(_ error: PostgresError) -> String {
        [error.message, error.detail].compactMap { $0 }.joined(separator: ": ")
    }
}

/// JSON responses built from ``JSONValue``.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let text = value.serialized
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: buffer)
        )
    }
}
