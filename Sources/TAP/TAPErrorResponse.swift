import Hummingbird
import Logging
import Postgres
import VOTable

/// The answer to a failed TAP request: a VOTable error document (DALI §4.4) with the status the
/// failure calls for.
enum TAPErrorResponse {
    static func make(_ error: any Error, logger: Logger) -> Response {
        let (status, message) = classify(error)
        if status.code >= 500 {
            logger.error("TAP request failed", metadata: ["event": "tap.request_failed", "error": "\(error)"])
        }
        return document(message, status: status)
    }

    static func document(_ message: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/x-votable+xml"],
            body: .init(byteBuffer: ByteBuffer(bytes: VOTableErrorDocument.render(message)))
        )
    }

    /// The client's errors are 400s with their own text; an unreachable database a 503; anything else
    /// a 500 that names no internals.
    static func classify(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as TAPRequestError:
            return (.badRequest, error.message)
        case let error as PostgresError where error.category == .unavailable:
            return (.serviceUnavailable, "The database is not available; try again later")
        case let error as TAPUnavailable:
            return (.serviceUnavailable, error.message)
        default:
            return (.internalServerError, "The service failed to run the query; the server's log has the details")
        }
    }
}

/// The service cannot run queries now (e.g. the reader role is privileged); a 503.
public struct TAPUnavailable: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
