/// Lists object keys in an S3 bucket (ListObjectsV2), for backfills that work through a day's folder.
extension Fetcher {
    /// Every key under `prefix` in `bucket`, in the order S3 returns them (lexicographic), following
    /// continuation tokens. Needs S3 settings.
    public func listS3(bucket: String, prefix: String, pageSize: Int = 1000) async throws(FetchError) -> [String] {
        guard let s3 else {
            throw FetchError(.configuration, url: "s3://\(bucket)/\(prefix)", message: "S3 is not configured: set S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        var keys: [String] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("max-keys", String(pageSize)), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            var request = s3.request(bucket: bucket, key: "", from: template)
            request.url += "?" + query.map { "\($0.0)=\(S3Listing.encodeQueryValue($0.1))" }.joined(separator: "&")
            let response = try await perform(request, retry: retry)
            let page = try S3Listing(parsing: response.body, url: request.url)
            keys += page.keys
            token = page.nextToken
            guard !page.keys.isEmpty || token != nil else { break }
        } while token != nil
        return keys
    }
}

/// One page of a ListObjectsV2 answer.
struct S3Listing {
    var keys: [String]
    var nextToken: String?

    /// Reads the `<Key>`, `<IsTruncated>` and `<NextContinuationToken>` elements; the answer's other
    /// elements are not needed. A body that is not a ListBucketResult is an error.
    init(parsing body: [UInt8], url: String) throws(FetchError) {
        let text = String(decoding: body, as: UTF8.self)
        guard text.contains("<ListBucketResult") else {
            throw FetchError(.invalidResponse, url: url, message: "not an S3 ListBucketResult: \(text.prefix(200))")
        }
        keys = Self.elements("Key", in: text).map(Self.unescape)
        let truncated = Self.elements("IsTruncated", in: text).first == "true"
        nextToken = truncated ? Self.elements("NextContinuationToken", in: text).first.map(Self.unescape) : nil
        if truncated, nextToken == nil {
            throw FetchError(.invalidResponse, url: url, message: "a truncated listing without a continuation token")
        }
    }

    static func elements(_ name: String, in text: String) -> [String] {
        var values: [String] = []
        var rest = text[...]
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest.range(of: close, range: start.upperBound..<rest.endIndex) {
            values.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return values
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// RFC 3986 unreserved characters kept, everything else percent-encoded (as SigV4's canonical query
    /// wants).
    static func encodeQueryValue(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
