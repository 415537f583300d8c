import Glibc

/// The database URL built from separate settings, as the reference's Phalanx deployment gives them:
/// `DB_HOST` (may carry `:port`; default `localhost`), `DB_PORT`, `DB_USER`, `DB_PASS`, `DB_NAME`, into
/// `postgresql://user:pass@host[:port]/name` with every part percent-encoded.
public struct DatabaseParts: Sendable, Equatable {
    public var host: String?
    public var port: String?
    public var user: String?
    public var password: String?
    public var name: String?

    /// A setting that is missing or unusable, with the one line that says so.
    public struct Problem: Error, Sendable, Equatable {
        public var setting: String
        public var problem: String
    }

    public init(host: String? = nil, port: String? = nil, user: String? = nil, password: String? = nil, name: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.name = name
    }

    /// The parts from the environment (empty values count as unset), or `nil` when none of `DB_HOST`,
    /// `DB_USER`, `DB_PASS`, `DB_NAME` is set. `DB_PORT` alone does not count: Kubernetes sets
    /// `<SERVICE>_PORT` for a service named `db`.
    public static func fromEnvironment(_ environment: [String: String]) -> DatabaseParts? {
        func value(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        let parts = DatabaseParts(
            host: value("DB_HOST"), port: value("DB_PORT"), user: value("DB_USER"), password: value("DB_PASS"), name: value("DB_NAME")
        )
        guard parts.host != nil || parts.user != nil || parts.password != nil || parts.name != nil else { return nil }
        return parts
    }

    /// The URL. As the reference, it needs `DB_USER`, `DB_PASS` and `DB_NAME`; the host defaults to
    /// `localhost`. A port may come from `DB_HOST` (`host:5432`, `[::1]:5432`) or `DB_PORT`, not two
    /// different ones.
    public func url() throws(Problem) -> String {
        let missing = [("DB_USER", user), ("DB_PASS", password), ("DB_NAME", name)].filter { $0.1 == nil }.map(\.0)
        if !missing.isEmpty {
            let given = [("DB_HOST", host), ("DB_USER", user), ("DB_PASS", password), ("DB_NAME", name)].filter { $0.1 != nil }.map(\.0)
            throw Problem(
                setting: missing.joined(separator: ", "),
                problem: (missing.count == 1 ? "is" : "are") + " not set: with \(given.joined(separator: ", ")) set, the database URL"
                    + " is built from DB_USER, DB_PASS, DB_NAME and DB_HOST (default localhost); or set CONSDB_DATABASE_URL"
            )
        }
        for (key, value) in [("DB_HOST", host), ("DB_PORT", port), ("DB_USER", user), ("DB_PASS", password), ("DB_NAME", name)] {
            if let value, value.contains("\0") { throw Problem(setting: key, problem: "cannot hold a NUL character") }
        }
        let (hostPart, hostPort) = try Self.splitHost(host ?? "localhost")
        var portPart = hostPort
        if let port {
            guard Self.isPort(port) else { throw Problem(setting: "DB_PORT", problem: "must be a port number from 1 to 65535") }
            if let hostPort, Int(hostPort) != Int(port) {
                throw Problem(setting: "DB_PORT", problem: "differs from the port in DB_HOST (\(hostPort)); set one of them")
            }
            portPart = port
        }
        var url = "postgresql://" + Self.encoded(user!) + ":" + Self.encoded(password!) + "@" + hostPart
        if let portPart { url += ":" + String(Int(portPart)!) }
        return url + "/" + Self.encoded(name!)
    }

    /// The host as it goes in the URL (percent-encoded; an IPv6 address in brackets) and the port it
    /// carries, if any.
    static func splitHost(_ text: String) throws(Problem) -> (String, String?) {
        let badPort = Problem(setting: "DB_HOST", problem: "has a port that is not a number from 1 to 65535")
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw Problem(setting: "DB_HOST", problem: "has an unclosed '[': write an IPv6 address as [address] or [address]:port")
            }
            let address = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard Self.isIPv6(address) else { throw Problem(setting: "DB_HOST", problem: "has an invalid IPv6 address in brackets") }
            if after.isEmpty { return ("[" + address + "]", nil) }
            guard after.hasPrefix(":"), Self.isPort(after.dropFirst()) else { throw badPort }
            return ("[" + address + "]", String(after.dropFirst()))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            // A bare IPv6 address; it cannot carry a port without brackets.
            guard Self.isIPv6(Substring(text)) else { throw Problem(setting: "DB_HOST", problem: "has more than one ':'; write an IPv6 address as [address]:port") }
            return ("[" + text + "]", nil)
        }
        guard colons == 1, let colon = text.firstIndex(of: ":") else { return (Self.encoded(text), nil) }
        let name = text[..<colon]
        let port = text[text.index(after: colon)...]
        guard !name.isEmpty else { throw Problem(setting: "DB_HOST", problem: "has no host name before the ':'") }
        guard Self.isPort(port) else { throw badPort }
        return (Self.encoded(String(name)), String(port))
    }

    static func isPort(_ text: some StringProtocol) -> Bool {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else { return false }
        return (1...65535).contains(value)
    }

    static func isIPv6(_ text: Substring) -> Bool {
        var address = in6_addr()
        return String(text).withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters; libpq decodes every part of a URI.
    static func encoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = Array("0123456789ABCDEF")
                result += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }
}
