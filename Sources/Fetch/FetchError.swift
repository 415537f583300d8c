/// Why a fetch failed, with the URL (credentials removed) and how many attempts were made.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// libcurl failed (connection refused, DNS, TLS, reset ...), with its error code.
        case transport(code: Int)
        /// The request took longer than its total or connect timeout.
        case timedOut
        /// The server answered with a status that is not a success.
        case httpStatus(Int)
        /// The body was larger than the request's limit.
        case tooLarge(limit: Int)
        /// The URL's scheme is not one we fetch, or the URL is malformed.
        case unsupportedURL
        /// Settings needed for this URL are missing (e.g. S3 credentials).
        case configuration
        /// The object did not appear within the wait.
        case notAvailable
        /// The server answered 2xx with a body that is not what the request asks for.
        case invalidResponse
    }

    public var kind: Kind
    public var url: String
    public var message: String
    public var attempts: Int
    /// The body of a non-2xx answer (servers explain errors there), capped at 64 KiB.
    public var body: [UInt8]

    public init(_ kind: Kind, url: String, message: String, attempts: Int = 1, body: [UInt8] = []) {
        self.kind = kind
        self.url = FetchURL.redacted(url)
        self.message = message
        self.attempts = attempts
        self.body = Array(body.prefix(64 << 10))
    }

    /// Transport failures, timeouts, 429 and 5xx may succeed on a later attempt; other failures will not.
    public var isRetryable: Bool {
        switch kind {
        case .transport, .timedOut: return true
        case .httpStatus(let status): return status == 429 || (500...599).contains(status)
        default: return false
        }
    }

    public var description: String {
        "FetchError(\(kind)) \(url): \(message)" + (attempts > 1 ? " after \(attempts) attempts" : "")
    }
}
