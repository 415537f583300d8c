import Fetch

/// Where and how to reach the EFD's InfluxDB 1.x.
public struct InfluxSettings: Sendable, Hashable {
    /// Base HTTP(S) URL, without a trailing slash, e.g. `http://127.0.0.1:8086` or a proxied
    /// `https://host/influxdb-enterprise-data`.
    public var url: String
    /// Database (default `efd`).
    public var database: String
    /// Retention policy (default `autogen`).
    public var retentionPolicy: String
    /// HTTP Basic credentials; nil for a server without authentication.
    public var username: String?
    public var password: String?
    /// Time allowed to connect (default 5 s).
    public var connectTimeout: Duration
    /// Time allowed for one whole request, answer included (default 10 minutes: a read of days of
    /// high-rate telemetry streams for a while).
    public var timeout: Duration
    /// Rows per chunk of a streamed answer (`chunk_size`, default 10,000): bounds the memory a chunk
    /// needs while it is parsed.
    public var chunkSize: Int
    /// Largest answer accepted, in bytes (default 16 GiB); the rows themselves go to the caller's buffer.
    public var maximumResponseBytes: Int
    /// Largest single chunk accepted, in bytes (default 256 MiB; 10,000 rows of 100 fields is ~20 MiB).
    public var maximumChunkBytes: Int

    public init(
        url: String, database: String = "efd", retentionPolicy: String = "autogen",
        username: String? = nil, password: String? = nil,
        connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(600),
        chunkSize: Int = 10_000, maximumResponseBytes: Int = 16 << 30, maximumChunkBytes: Int = 256 << 20
    ) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base
        self.database = database
        self.retentionPolicy = retentionPolicy
        self.username = username
        self.password = password
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.chunkSize = chunkSize
        self.maximumResponseBytes = maximumResponseBytes
        self.maximumChunkBytes = maximumChunkBytes
    }

    /// Settings from `EFD_URL` (required), `EFD_DATABASE` (default `efd`), `EFD_USERNAME` and
    /// `EFD_PASSWORD`. Throws ``InfluxError/Kind/configuration`` with one line naming the setting.
    public static func fromEnvironment(_ environment: [String: String]) throws(InfluxError) -> InfluxSettings {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingWhitespace, !text.isEmpty else { return nil }
            return text
        }
        guard let url = value("EFD_URL") else {
            throw InfluxError(.configuration, "EFD_URL is not set: give the EFD's InfluxDB HTTP URL, e.g. http://efd.example.org:8086")
        }
        var settings = InfluxSettings(url: url)
        if let database = value("EFD_DATABASE") { settings.database = database }
        settings.username = value("EFD_USERNAME")
        settings.password = environment["EFD_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        try settings.validate(names: ["url": "EFD_URL", "database": "EFD_DATABASE", "username": "EFD_USERNAME"])
        return settings
    }

    /// Checks the settings; `names` maps a setting to the name the user gave it (an environment variable).
    func validate(names: [String: String] = [:]) throws(InfluxError) {
        func name(_ key: String) -> String { names[key] ?? key }
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https://" : lower.hasPrefix("http://") ? "http://" : nil
        guard let scheme else {
            throw InfluxError(.configuration, "\(name("url")) must be an http:// or https:// URL, got \(Self.shown(url))")
        }
        let authority = url.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        guard !host.isEmpty, !host.hasPrefix(":"), !url.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }),
              !url.contains("?"), !url.contains("#")
        else {
            throw InfluxError(.configuration, "\(name("url")) is not a usable base URL (a host, an optional port and path, no query): \(Self.shown(url))")
        }
        guard !database.isEmpty, !database.contains(where: { $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw InfluxError(.configuration, "\(name("database")) must be a non-empty name without control characters")
        }
        guard !retentionPolicy.isEmpty, !retentionPolicy.contains(where: { $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw InfluxError(.configuration, "the retention policy must be a non-empty name without control characters")
        }
        if password != nil && username == nil {
            throw InfluxError(.configuration, "EFD_PASSWORD is set but \(name("username")) is not")
        }
        guard chunkSize > 0 else { throw InfluxError(.configuration, "the chunk size must be positive, got \(chunkSize)") }
        guard maximumChunkBytes > 0, maximumResponseBytes > 0 else { throw InfluxError(.configuration, "the response limits must be positive") }
    }

    private static func shown(_ url: String) -> String {
        "\"" + FetchURL.redacted(url) + "\""
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
