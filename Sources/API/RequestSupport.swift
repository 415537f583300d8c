import Hummingbird
import JSON

/// Reading path parameters, query parameters and JSON bodies, each failing with a clear 4xx.
extension Request {
    /// The body parsed as JSON, at most `limit` bytes (413 beyond, 400 when malformed).
    mutating func jsonBody(limit: Int) async throws -> JSONValue {
        let buffer = try await collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { throw APIError.badBody("The request needs a JSON body") }
        do {
            return try JSONValue.parse(buffer.readableBytesView)
        } catch {
            throw APIError.badBody("Malformed JSON: \(error.description)")
        }
    }

    /// The `u` query parameter: any non-zero integer (or `true`) asks for an update of existing rows.
    func updateFlag() throws -> Bool {
        guard let text = uri.queryParameters["u"].map(String.init) else { return false }
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no", "": return false
        default:
            guard let number = Int(text) else {
                throw APIError.badBody("Query parameter u must be 0 or 1", value: .string(text), valid: ["0", "1"])
            }
            return number != 0
        }
    }

    /// A boolean query parameter (`1`, `0`, `true`, `false`), default false.
    func flag(_ name: String) throws -> Bool {
        guard let text = uri.queryParameters[Substring(name)].map(String.init) else { return false }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw APIError.badBody("Query parameter \(name) must be true or false", value: .string(text), valid: ["0", "1"])
        }
    }
}

extension BasicRequestContext {
    func path(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError.badBody("Missing path parameter \(name)") }
        return value.removingPercentEncoding ?? value
    }

    /// An integer path parameter (obs_id, day_obs, seq_num, detector).
    func integer(_ name: String) throws -> Int64 {
        let text = try path(name)
        guard let value = Int64(text) else {
            throw APIError.badBody("Path parameter \(name) must be an integer", value: .string(text))
        }
        return value
    }
}

extension String {
    /// Percent-decoding for path segments, without Foundation.
    var removingPercentEncoding: String? {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension JSONValue {
    /// The members of an object, or a 400 naming what was expected.
    func members(of what: String) throws -> [(String, JSONValue)] {
        guard case .object(let members) = self else {
            throw APIError.badBody("\(what) must be a JSON object", value: .string(typeName))
        }
        return members
    }

    /// A required member of an object body, or a 400.
    func required(_ name: String) throws -> JSONValue {
        guard case .object = self else { throw APIError.badBody("The body must be a JSON object") }
        guard let value = self[name] else { throw APIError.badBody("Field required: \(name)", value: .string(name)) }
        return value
    }

    /// An optional string member; `null` counts as absent.
    func optionalString(_ name: String) throws -> String? {
        switch self[name] {
        case nil, .null?: return nil
        case .string(let text)? where text.contains("\0"):
            throw APIError.badBody("Field \(name) cannot hold a NUL character", value: .string(text))
        case .string(let text)?: return text
        case let other?: throw APIError.badBody("Field \(name) must be a string", value: other)
        }
    }
}
