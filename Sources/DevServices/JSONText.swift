/// Writes the registry's small JSON answers by hand: a handful of fixed shapes do not need an encoder, and
/// schema texts must come out byte for byte as they were registered.
enum JSONText {
    /// `text` as a JSON string literal. Control characters, `"` and `\` are escaped; everything else is
    /// written as UTF-8, which JSON allows.
    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// An object from members whose values are already JSON text, in the given order.
    static func object(_ members: KeyValuePairs<String, String>) -> String {
        "{" + members.map { quoted($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }

    /// An array of items that are already JSON text.
    static func array(_ items: [String]) -> String {
        "[" + items.joined(separator: ",") + "]"
    }
}
