import Fetch

/// Why an InfluxDB request failed, with enough context to log it and to decide whether to retry.
///
/// ``isTransient`` separates failures that may pass (the server is down, slow, overloaded, or the
/// connection was cut) from those that will not (a refused statement, a bad answer, bad settings), so
/// a batch run can pause and retry the first kind and report the second.
public struct InfluxError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The connection failed: refused, DNS, TLS, reset, or cut before the answer ended (libcurl's
        /// error code).
        case connection(code: Int)
        /// The request took longer than the settings allow.
        case timedOut
        /// The server answered with a status that is not a success.
        case httpStatus(Int)
        /// InfluxDB refused or failed the statement: an `"error"` in an answer with status 200.
        case server
        /// The answer is not the JSON InfluxDB writes.
        case malformedResponse
        /// The answer stopped before its last chunk.
        case truncatedResponse
        /// The answer (or one of its chunks) is larger than the settings allow.
        case responseTooLarge
        /// A request we will not send: a topic that is not a plain topic name, an empty field list, ...
        case invalidRequest
        /// Missing or malformed settings.
        case configuration
    }

    public var kind: Kind
    /// The server's own message where it gave one, else ours.
    public var message: String
    /// The InfluxQL statement, with any `PASSWORD '...'` literal masked.
    public var query: String?
    /// The URL, without credentials.
    public var url: String?

    public init(_ kind: Kind, _ message: String, query: String? = nil, url: String? = nil) {
        self.kind = kind
        self.message = message
        self.query = query.map(InfluxQL.redacted)
        self.url = url.map(FetchURL.redacted)
    }

    /// The HTTP status, when the server answered with one that is not a success.
    public var status: Int? {
        if case .httpStatus(let status) = kind { return status }
        return nil
    }

    /// Whether trying again later may succeed: no connection, timeouts, truncated answers, 408, 429,
    /// 5xx, and server messages that say the server gave up on time (`timeout`, `timed out`) or was
    /// too busy (`max-concurrent-queries`).
    public var isTransient: Bool {
        switch kind {
        case .connection, .timedOut, .truncatedResponse: return true
        case .httpStatus(let status): return status == 408 || status == 429 || (500...599).contains(status)
        case .server:
            let text = message.lowercased()
            return text.contains("timeout") || text.contains("timed out") || text.contains("max-concurrent-queries")
        case .malformedResponse, .responseTooLarge, .invalidRequest, .configuration: return false
        }
    }

    public var description: String {
        var text = "InfluxError(\(kind)): \(message)"
        if let query { text += " [query: \(query.count > 300 ? query.prefix(300) + "…" : query)]" }
        if let url { text += " [\(url)]" }
        return text
    }
}
