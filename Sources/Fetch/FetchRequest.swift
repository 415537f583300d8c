import Backoff

/// How to authenticate a request.
public enum FetchCredentials: Sendable {
    case none
    case basic(username: String, password: String)
    case bearer(String)
    /// AWS Signature Version 4, signed by libcurl (`CURLOPT_AWS_SIGV4`).
    case awsSigV4(accessKeyID: String, secretAccessKey: String, region: String, service: String)
}

/// One GET, HEAD or POST request.
public struct FetchRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", head = "HEAD", post = "POST" }

    public var url: String
    public var method: Method = .get
    /// The body of a POST.
    public var body: [UInt8] = []
    public var headers: [(String, String)] = []
    public var credentials: FetchCredentials = .none
    /// Time allowed to connect (default 5 s).
    public var connectTimeout: Duration = .seconds(5)
    /// Time allowed for the whole transfer (default 30 s).
    public var totalTimeout: Duration = .seconds(30)
    /// Largest body accepted (default 64 MiB); a larger one fails rather than filling memory.
    public var maxBodyBytes: Int = 64 << 20
    /// Follow `Location` redirects (http and https only, at most 5). Off where the URL was checked
    /// against an allow-list: a redirect would lead past the check.
    public var followRedirects = true

    public init(url: String) {
        self.url = url
    }
}

/// A response: status (200 for `file://`), headers as received, and the body.
public struct FetchResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var effectiveURL: String

    public init(status: Int, body: [UInt8], effectiveURL: String) {
        self.status = status
        self.body = body
        self.effectiveURL = effectiveURL
    }

    public var text: String? { String(validating: body, as: UTF8.self) }
}

/// Retries with exponential back-off for failures that may pass.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included (default 4).
    public var maxAttempts: Int
    /// The waits between attempts (default 200 ms doubling to 5 s).
    public var backoff: ExponentialBackoff

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = ExponentialBackoff(initial: baseDelay, maximum: maxDelay)
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt` (2, 3, ...): base × 2^(attempt−2), capped.
    public func delay(beforeAttempt attempt: Int) -> Duration {
        backoff.delay(forRetry: attempt - 2)
    }
}
