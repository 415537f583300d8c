/// The URLs a worker may fetch when someone else names them (a Kafka event's `url`): those under one of
/// a list of prefixes (`HEADER_URL_PREFIXES`), compared in a canonical form.
///
/// Without it, an announcement naming `file:///etc/...` would read any file the process can read, and
/// one naming `http://<internal host>/` would reach services only the worker's network can. Matching is
/// on the canonical form (``CanonicalURL``), so case, default ports, `file:/` versus `file:///` and
/// percent-encoded unreserved characters cannot slip past a prefix, and anything ambiguous (user
/// information, dot segments, encoded slashes, backslashes, fragments, spaces) is refused outright. A
/// prefix matches only on a URL boundary: `file:///data/headers` admits `/data/headers/x.yaml`, not
/// `/data/headers-old/x.yaml`.
public struct URLPrefixAllowList: Sendable, Equatable, CustomStringConvertible {
    /// The prefixes in canonical form.
    public let prefixes: [String]

    /// The default: `s3://`. Announcements of the site S3 form `https://s3.<site>.lsst.org/<bucket>/<key>`
    /// are admitted too, because the worker rewrites them to `s3://<bucket>/<key>` before fetching.
    public static let `default` = URLPrefixAllowList(canonical: ["s3://"])

    init(canonical: [String]) {
        prefixes = canonical
    }

    /// - Throws: ``URLRefusal`` naming the first prefix that is not a usable URL prefix.
    public init(_ prefixes: [String]) throws(URLRefusal) {
        var canonical: [String] = []
        for prefix in prefixes {
            switch CanonicalURL.make(prefix, isPrefix: true) {
            case .success(let text): canonical.append(text)
            case .failure(let refusal): throw refusal
            }
        }
        guard !canonical.isEmpty else { throw URLRefusal(url: "", reason: "the list of allowed URL prefixes is empty") }
        self.prefixes = canonical
    }

    /// Parses a comma-separated list (`HEADER_URL_PREFIXES`); blanks around entries are ignored.
    public static func parse(_ text: String) throws(URLRefusal) -> URLPrefixAllowList {
        try URLPrefixAllowList(text.split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty })
    }

    public var description: String { prefixes.joined(separator: ",") }

    /// The URL to fetch (canonical, and rewritten when `rewrite` applies), or why it is refused.
    ///
    /// The URL is admitted when its canonical form or its rewritten canonical form is under a prefix
    /// (so `https://s3.cp.lsst.org/bucket/` as a prefix admits what the worker then reads as
    /// `s3://bucket/...`); the rewritten form is what is fetched.
    public func admit(_ url: String, rewrite: URLRewrite? = nil) -> Result<String, URLRefusal> {
        let original: String
        switch CanonicalURL.make(url, isPrefix: false) {
        case .success(let text): original = text
        case .failure(let refusal): return .failure(refusal)
        }
        let target: String
        switch CanonicalURL.make(rewrite?.apply(original) ?? original, isPrefix: false) {
        case .success(let text): target = text
        case .failure(let refusal): return .failure(URLRefusal(url: url, reason: refusal.reason))
        }
        guard matches(original) || matches(target) else {
            return .failure(URLRefusal(url: url, reason: "it is not under an allowed prefix (HEADER_URL_PREFIXES: \(description))"))
        }
        return .success(target)
    }

    /// Whether a canonical URL is under one of the prefixes, on a URL boundary.
    func matches(_ canonical: String) -> Bool {
        prefixes.contains { prefix in
            guard canonical.hasPrefix(prefix) else { return false }
            if prefix.hasSuffix("/") || canonical.utf8.count == prefix.utf8.count { return true }
            let next = canonical.utf8[canonical.utf8.index(canonical.utf8.startIndex, offsetBy: prefix.utf8.count)]
            return next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
        }
    }
}

/// A URL refused by ``URLPrefixAllowList``: the URL (credentials redacted) and why.
public struct URLRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var url: String
    public var reason: String

    public init(url: String, reason: String) {
        self.url = FetchURL.redacted(url)
        self.reason = reason
    }

    public var description: String { "refused to fetch \(url): \(reason)" }
}

/// The canonical form of the URLs the fetcher reads (`http`, `https`, `s3`, `file`), for comparing
/// them with prefixes as the server or the file system will resolve them.
///
/// Scheme and host lower-cased, the default port dropped, `file:/p` and `file://localhost/p` written
/// `file:///p`, an empty http path written `/`, percent-encoded unreserved characters decoded and other
/// escapes upper-cased, characters a path may not hold raw percent-encoded. Refused: characters outside
/// printable ASCII (spaces, controls), backslashes, fragments, user information (`https://s3.cp.lsst.org@evil/`
/// is a request to `evil`), percent signs in the host, `.` and `..` segments (raw or encoded), and
/// encoded `/`, `\` or control characters in a segment.
public enum CanonicalURL {
    static let schemes = ["http", "https", "s3", "file"]

    /// The canonical text, or why there is none. A prefix may stop after `scheme://` (every URL of the
    /// scheme) or after the host.
    public static func make(_ text: String, isPrefix: Bool = false) -> Result<String, URLRefusal> {
        func refuse(_ reason: String) -> Result<String, URLRefusal> { .failure(URLRefusal(url: text, reason: reason)) }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return refuse("the URL is empty") }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return refuse("the URL holds spaces, control or non-ASCII characters")
        }
        guard !bytes.contains(UInt8(ascii: "\\")) else { return refuse("the URL holds a backslash") }
        guard !bytes.contains(UInt8(ascii: "#")) else { return refuse("the URL holds a fragment (#)") }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return refuse("the URL has no scheme") }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard schemes.contains(scheme) else {
            return refuse("the scheme '\(scheme)' is not fetched (only \(schemes.joined(separator: ", ")))")
        }
        var rest = Array(bytes[(colon + 1)...])
        let slash = UInt8(ascii: "/")

        if scheme == "file" {
            if rest.starts(with: [slash, slash]) {
                rest.removeFirst(2)
                let end = rest.firstIndex(of: slash) ?? rest.endIndex
                let host = String(decoding: rest[..<end], as: UTF8.self).lowercased()
                guard host.isEmpty || host == "localhost" else { return refuse("a file URL may not name a host ('\(host)')") }
                rest.removeSubrange(..<end)
            }
            if rest.isEmpty, isPrefix { return .success("file://") }
            guard rest.first == slash else { return refuse("a file URL needs an absolute path") }
            guard !rest.contains(UInt8(ascii: "?")) else { return refuse("a file URL may not have a query") }
            return path(rest).map { .success("file://" + $0) } ?? refuse(pathProblem(rest))
        }

        guard rest.starts(with: [slash, slash]) else { return refuse("the URL needs //host after '\(scheme):'") }
        rest.removeFirst(2)
        let authorityEnd = rest.firstIndex { $0 == slash || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = Array(rest[..<authorityEnd])
        let remainder = Array(rest[authorityEnd...])
        if authority.isEmpty {
            guard isPrefix, remainder.isEmpty else { return refuse("the URL has no host") }
            return .success(scheme + "://")
        }
        guard !authority.contains(UInt8(ascii: "@")) else { return refuse("the URL carries user information (user@host)") }
        guard !authority.contains(UInt8(ascii: "%")) else { return refuse("the URL's host is percent-encoded") }
        var host = String(decoding: authority, as: UTF8.self).lowercased()
        var port = ""
        if let portColon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            port = String(host[host.index(after: portColon)...])
            host = String(host[..<portColon])
            guard !port.isEmpty, port.count <= 5, let number = Int(port), number > 0, number < 65536 else {
                return refuse("the URL's port is not a number from 1 to 65535")
            }
            port = (scheme == "http" && number == 80) || (scheme == "https" && number == 443) ? "" : ":\(number)"
        }
        let hostAllowed = host.hasPrefix("[") && host.hasSuffix("]")
            ? host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            : !host.isEmpty && host.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "-" || $0 == "_" }
        guard hostAllowed else { return refuse("the URL's host '\(host)' is not a host name or IP address") }

        let query = remainder.firstIndex(of: UInt8(ascii: "?")).map { Array(remainder[$0...]) } ?? []
        let pathBytes = Array(remainder.prefix(remainder.count - query.count))
        var pathText = ""
        if !pathBytes.isEmpty {
            guard let canonical = path(pathBytes) else { return refuse(pathProblem(pathBytes)) }
            pathText = canonical
        } else if scheme != "s3", !isPrefix || !query.isEmpty {
            pathText = "/"
        }
        return .success(scheme + "://" + host + port + pathText + String(decoding: query, as: UTF8.self))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    /// Characters a path segment may hold unencoded besides unreserved ones (RFC 3986 `pchar`).
    private static let rawPathBytes = Set("!$&'()*+,;=:@".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    private static func escape(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
    }

    /// The canonical path, segment by segment, or nil when it must be refused (see ``pathProblem(_:)``).
    static func path(_ bytes: [UInt8]) -> String? {
        var out = ""
        for (index, segment) in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).enumerated() {
            if index > 0 { out += "/" }
            var decoded: [UInt8] = []
            var text = ""
            var position = segment.startIndex
            while position < segment.endIndex {
                let byte = segment[position]
                if byte == UInt8(ascii: "%") {
                    guard position + 2 < segment.endIndex,
                          let high = hexValue(segment[position + 1]), let low = hexValue(segment[position + 2]) else { return nil }
                    let value = high << 4 | low
                    guard value >= 0x20, value != 0x7F, value != UInt8(ascii: "/"), value != UInt8(ascii: "\\") else { return nil }
                    decoded.append(value)
                    text += isUnreserved(value) ? String(UnicodeScalar(value)) : escape(value)
                    position += 3
                } else {
                    decoded.append(byte)
                    text += isUnreserved(byte) || rawPathBytes.contains(byte) ? String(UnicodeScalar(byte)) : escape(byte)
                    position += 1
                }
            }
            if decoded == [UInt8(ascii: ".")] || decoded == [UInt8(ascii: "."), UInt8(ascii: ".")] { return nil }
            out += text
        }
        return out
    }

    /// Why ``path(_:)`` refused a path.
    static func pathProblem(_ bytes: [UInt8]) -> String {
        "the URL's path has a '.' or '..' segment, a bad percent-escape, or an encoded '/', '\\' or control character"
    }
}

extension Substring {
    func trimmingBlanks() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
