import Backoff

/// One HTTP GET the registry client needs; the transport that performs it is injected, so this module needs
/// no network library.
public struct RegistryRequest: Sendable, CustomStringConvertible {
    public var url: String
    /// Header names and values, in sending order. Contains the credentials when basic auth is configured.
    public var headers: [(name: String, value: String)]

    public init(url: String, headers: [(name: String, value: String)] = []) {
        self.url = url
        self.headers = headers
    }

    /// The value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The URL only: headers may carry credentials.
    public var description: String { "GET \(url)" }
}

/// Performs a registry request: returns the HTTP status and body, or throws when no answer came
/// (connection refused, timeout). Thrown errors and 5xx answers are retried by the client.
public typealias RegistryTransport = @Sendable (RegistryRequest) async throws -> (status: Int, body: [UInt8])

/// Where the schema registry is and how to talk to it.
public struct SchemaRegistryConfiguration: Sendable {
    /// The registry's base URL (`SCHEMA_URL`), e.g. `http://schema-registry:8081`. A trailing `/` is ignored.
    public var url: String
    /// Basic-auth user; no Authorization header is sent when `nil`.
    public var username: String?
    public var password: String?
    /// Retries after a transport error, a 5xx or a 429 answer. Default 3.
    public var maximumRetries: Int
    /// The waits between attempts: by default 100 ms before the first retry, twice as long before each
    /// further one, at most 10 s.
    public var retryBackoff: ExponentialBackoff

    public init(
        url: String, username: String? = nil, password: String? = nil, maximumRetries: Int = 3,
        retryBaseDelay: Duration = .milliseconds(100), maximumRetryDelay: Duration = .seconds(10)
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.maximumRetries = maximumRetries
        self.retryBackoff = ExponentialBackoff(initial: retryBaseDelay, maximum: maximumRetryDelay)
    }

    /// The headers every request carries.
    var headers: [(name: String, value: String)] {
        var headers = [(name: "Accept", value: "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json")]
        if let username {
            let credentials = Array("\(username):\(password ?? "")".utf8)
            headers.append((name: "Authorization", value: "Basic " + TextEncoding.base64(credentials)))
        }
        return headers
    }

    /// `path` (starting with `/`) under the base URL.
    func url(_ path: String) -> String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}

/// A schema registered under a subject.
public struct RegisteredSchema: Sendable {
    public var subject: String
    public var id: UInt32
    public var version: Int
    public var schema: AvroSchema
}
