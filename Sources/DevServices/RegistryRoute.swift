/// What a request asks for, from its method and raw (still percent-encoded) path.
///
/// Segments are split before they are decoded, so a subject may contain any character, `/` included, as
/// long as the client encodes it (the Avro registry client encodes everything but unreserved characters).
enum RegistryRoute: Sendable, Equatable {
    /// `GET /`: Confluent answers `{}`; scripts use it to see whether the registry is up.
    case root
    /// `GET /schemas/ids/{id}`
    case schema(id: UInt32)
    /// `GET /schemas/ids/{id}/schema`
    case rawSchema(id: UInt32)
    /// `GET /subjects`
    case subjects
    /// `GET /subjects/{subject}/versions`
    case versions(subject: String)
    /// `POST /subjects/{subject}/versions`
    case register(subject: String)
    /// `GET /subjects/{subject}/versions/{version}`
    case version(subject: String, VersionSelector)

    init(method: String, path: String) throws(SchemaRegistryError) {
        var raw = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if raw.count > 0, raw.last == "" { raw.removeLast() }  // a trailing slash names the same resource
        var segments: [String] = []
        for segment in raw { segments.append(try Self.percentDecoded(segment)) }

        let get = method == "GET", post = method == "POST"
        func only(_ allowed: Bool, _ route: @autoclosure () throws(SchemaRegistryError) -> RegistryRoute) throws(SchemaRegistryError) -> RegistryRoute {
            guard allowed else { throw .http(405, "HTTP 405 Method Not Allowed: \(method) \(path)") }
            return try route()
        }
        switch segments.count {
        case 0:
            self = try only(get, .root)
        case 1 where segments[0] == "subjects":
            self = try only(get, .subjects)
        case 3 where segments[0] == "subjects" && segments[2] == "versions":
            self = try only(get || post, post ? .register(subject: segments[1]) : .versions(subject: segments[1]))
        case 4 where segments[0] == "subjects" && segments[2] == "versions":
            self = try only(get, .version(subject: segments[1], try VersionSelector(segments[3])))
        case 3 where segments[0] == "schemas" && segments[1] == "ids":
            self = try only(get, .schema(id: try Self.schemaID(segments[2])))
        case 4 where segments[0] == "schemas" && segments[1] == "ids" && segments[3] == "schema":
            self = try only(get, .rawSchema(id: try Self.schemaID(segments[2])))
        default:
            throw .http(404, "HTTP 404 Not Found: \(path.prefix(200))")
        }
    }

    /// An id that is not a number cannot name a schema; Confluent answers that with "not found" too.
    private static func schemaID(_ text: String) throws(SchemaRegistryError) -> UInt32 {
        guard let id = UInt32(text) else { throw .schemaNotFound }
        return id
    }

    private static func percentDecoded(_ segment: Substring) throws(SchemaRegistryError) -> String {
        guard segment.contains("%") else { return String(segment) }
        var bytes: [UInt8] = []
        var utf8 = segment.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else {
                throw .http(400, "invalid percent-encoding in the path segment \(segment.prefix(100))")
            }
            bytes.append(high << 4 | low)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .http(400, "the path segment \(segment.prefix(100)) does not decode to UTF-8")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
