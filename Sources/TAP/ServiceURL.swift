import Foundation
import Hummingbird

/// The absolute URL of the TAP service as its clients reach it: documents name their siblings by
/// absolute URL (capabilities' access URLs, UWS redirects), which clients follow as given.
///
/// A configured public URL wins (a server behind an ingress that rewrites paths); otherwise the URL
/// is rebuilt from the request: `X-Forwarded-Proto` (set by proxies that end TLS) or http, the `Host`
/// header, and the configured base path.
public struct ServiceURL: Sendable {
    public var publicURL: String?
    public var basePath: String

    public init(publicURL: String?, basePath: String) {
        self.publicURL = publicURL.map { Self.trimmingSlashes($0) }
        self.basePath = "/" + basePath.split(separator: "/").joined(separator: "/")
    }

    /// The service's base URL (no trailing slash) for `request`.
    public func base(for request: Request) -> String {
        if let publicURL { return publicURL }
        let forwarded = request.headers[.init("X-Forwarded-Proto")!]?.split(separator: ",").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let scheme = forwarded == "https" ? "https" : "http"
        // HTTP/1.1 carries the authority in the Host header; HTTP/2 in `:authority`.
        let host = (request.head.authority ?? request.headers[.init("Host")!]).flatMap { Self.isPlausibleHost($0) ? $0 : nil } ?? "localhost"
        return scheme + "://" + host + basePath
    }

    /// A Host header goes into documents and redirects, so only host[:port] text is taken.
    static func isPlausibleHost(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 255 && text.unicodeScalars.allSatisfy {
            ($0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0))
                || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]"
        }
    }

    static func trimmingSlashes(_ text: String) -> String {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
