/// Writing compact JSON: the API's answers (on every request), the registry's, and request bodies.
extension JSONValue {
    /// The document as compact UTF-8 JSON.
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    public func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): JSONValue.writeString(text, into: &out)
        case .array(let items):
            out += "["
            var first = true
            for item in items {
                if !first { out += "," }
                first = false
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            var first = true
            for (name, value) in members {
                if !first { out += "," }
                first = false
                JSONValue.writeString(name, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    /// Writes a JSON string literal: `"` and `\` escaped, `\n`, `\r`, `\t` by their short forms, other
    /// control characters and DEL as `\u00XX`; everything else as UTF-8, which JSON allows.
    public static func writeString(_ text: String, into out: inout String) {
        out += "\""
        // Most text needs no escape: then it is appended whole rather than scalar by scalar.
        if text.utf8.contains(where: needsEscape) {
            writeEscaped(text, into: &out)
        } else {
            out += text
        }
        out += "\""
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 2)
        writeString(text, into: &out)
        return out
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F
    }

    private static func writeEscaped(_ text: String, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20 || control.value == 0x7F:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
