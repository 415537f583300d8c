/// URL helpers: credential redaction and the reference's site-S3 rewrite.
public enum FetchURL {
    /// The URL without `user:password@`, for logs and errors.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***@" + String(rest[rest.index(after: at)...])
    }

    /// Splits `s3://bucket/key` into bucket and key.
    public static func s3Location(_ url: String) -> (bucket: String, key: String)? {
        guard url.hasPrefix("s3://") else { return nil }
        let path = url.dropFirst(5)
        guard let slash = path.firstIndex(of: "/"), slash != path.startIndex else { return nil }
        let key = path[path.index(after: slash)...]
        guard !key.isEmpty else { return nil }
        return (String(path[..<slash]), String(key))
    }

    /// Percent-encodes an S3 key for a path-style URL (slashes kept).
    static func encodeKey(_ key: String) -> String {
        var out = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// The reference's rewrite of announced header URLs: the site's S3 host (`https://s3.<site>.lsst.org/`)
/// becomes `s3://`, optionally with a bucket prefix, so the object is read with our S3 credentials.
public struct URLRewrite: Sendable {
    /// Prefix of URLs to rewrite, matched as `https://s3.<word>.lsst.org/` by default.
    public var hostSuffix: String
    public var bucketPrefix: String

    public init(hostSuffix: String = ".lsst.org", bucketPrefix: String = "") {
        self.hostSuffix = hostSuffix
        self.bucketPrefix = bucketPrefix
    }

    /// `https://s3.cp.lsst.org/rubinobs-lfa-cp/a/b.yaml` → `s3://<prefix>rubinobs-lfa-cp/a/b.yaml`; other URLs unchanged.
    public func apply(_ url: String) -> String {
        for scheme in ["https://", "http://"] where url.hasPrefix(scheme) {
            let rest = url.dropFirst(scheme.count)
            guard let slash = rest.firstIndex(of: "/") else { return url }
            let host = rest[..<slash]
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels[0] == "s3", host.hasSuffix(hostSuffix),
                  labels[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                  host.count == 3 + labels[1].count + hostSuffix.count
            else { return url }
            return "s3://" + bucketPrefix + rest[rest.index(after: slash)...]
        }
        return url
    }
}
