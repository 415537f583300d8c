import Foundation

/// What a client's `Accept-Encoding` header allows (RFC 9110 §12.5.3), for the one coding we send.
enum AcceptEncoding {
    /// Whether gzip may be sent to a client that sent `values` (every `Accept-Encoding` field line).
    ///
    /// `gzip` (or its alias `x-gzip`) with a weight above zero accepts it, `gzip;q=0` refuses it whatever
    /// else is listed, and otherwise `*` with a weight above zero accepts it. No header, an empty one, or
    /// one naming only `identity` or other codings means plain. A member that cannot be read (a bad or
    /// out-of-range `q`) is ignored rather than guessed at.
    static func allowsGzip(_ values: [String]) -> Bool {
        var gzip: Double?
        var wildcard: Double?
        for value in values {
            for member in value.split(separator: ",") {
                let parts = member.split(separator: ";", omittingEmptySubsequences: false)
                let coding = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
                guard !coding.isEmpty, let weight = weight(parts.dropFirst()) else { continue }
                switch coding {
                case "gzip", "x-gzip": gzip = max(gzip ?? 0, weight)
                case "*": wildcard = max(wildcard ?? 0, weight)
                default: continue
                }
            }
        }
        if let gzip { return gzip > 0 }
        return (wildcard ?? 0) > 0
    }

    /// The `q` parameter among a member's parameters (1 when absent), or nil when it is malformed.
    private static func weight(_ parameters: ArraySlice<Substring>) -> Double? {
        var weight = 1.0
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "q" else { continue }
            guard pair.count == 2 else { return nil }
            let text = pair[1].trimmingCharacters(in: .whitespaces)
            // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
            guard (1...5).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let number = Double(text), (0...1).contains(number)
            else { return nil }
            weight = number
        }
        return weight
    }
}
