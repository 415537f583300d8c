/// The parameters of a TAP request (`LANG`, `QUERY`, `RESPONSEFORMAT`, `MAXREC`, ...).
///
/// TAP parameter names are case-insensitive and their values case-sensitive (TAP 1.1 §2.3, DALI); a
/// request may carry them in its query string and, for a POST, in a form-encoded body. The first value
/// of a name wins, as the standard leaves repeats undefined and a stable choice is easiest to explain.
public struct TAPParameters: Sendable, Equatable {
    /// Name (upper-cased) and value, in the order they came.
    public private(set) var entries: [(name: String, value: String)] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { append(name, value) }
    }

    public mutating func append(_ name: String, _ value: String) {
        entries.append((name.uppercased(), value))
    }

    /// The first value of `name` (any case).
    public subscript(_ name: String) -> String? {
        let key = name.uppercased()
        return entries.first { $0.name == key }?.value
    }

    /// Every value of `name` (any case), in order.
    public func all(_ name: String) -> [String] {
        let key = name.uppercased()
        return entries.filter { $0.name == key }.map(\.value)
    }

    public static func == (lhs: TAPParameters, rhs: TAPParameters) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses `application/x-www-form-urlencoded` text (a query string or a POST body): `+` is a space,
    /// `%XX` a byte; the bytes must be UTF-8.
    public static func parseForm(_ text: Substring) throws(TAPRequestError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    static func decode(_ text: Substring) throws(TAPRequestError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw TAPRequestError("Malformed percent-encoding in the request parameters")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw TAPRequestError("The request parameters are not UTF-8 text")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A request the TAP service refuses because of what the client sent (HTTP 400 with a VOTable error
/// document, or the UWS equivalent).
public struct TAPRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
