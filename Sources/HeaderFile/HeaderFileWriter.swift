/// Writes header files in HeaderService's layout (what PyYAML's block style produces): one mapping entry
/// per section, each a list of `keyword` / `value` / `comment` records. Used to make headers for tests,
/// benchmarks and the demo; ``HeaderFile/parse(_:limits:)`` reads back exactly what this writes.
public enum HeaderFileWriter {
    public static func yaml(_ file: HeaderFile) -> String {
        var out = ""
        out.reserveCapacity(file.sections.reduce(0) { $0 + $1.cards.count } * 64)
        for section in file.sections {
            out += scalar(.string(section.name)) + ":"
            if section.cards.isEmpty {
                out += " []\n"
                continue
            }
            out += "\n"
            for card in section.cards {
                out += "- keyword: " + scalar(card.keyword.map(HeaderValue.string) ?? .null) + "\n"
                out += "  value: " + scalar(card.value) + "\n"
                out += "  comment: " + scalar(card.comment.map(HeaderValue.string) ?? .null) + "\n"
            }
        }
        return out
    }

    /// One scalar: numbers as PyYAML writes them (`.nan`, `1.0e-05`), strings plain when that reads back as
    /// the same string, else quoted.
    static func scalar(_ value: HeaderValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number):
            if number.isNaN { return ".nan" }
            if number.isInfinite { return number > 0 ? ".inf" : "-.inf" }
            var text = number.description
            // PyYAML's float pattern needs a decimal point and a signed exponent.
            if let e = text.firstIndex(of: "e") {
                if !text[..<e].contains(".") { text.insert(contentsOf: ".0", at: e) }
                let afterE = text.index(after: text.firstIndex(of: "e")!)
                if text[afterE] != "-" && text[afterE] != "+" { text.insert("+", at: afterE) }
            } else if !text.contains(".") {
                text += ".0"
            }
            return text
        case .string(let text):
            if isPlainSafe(text) { return text }
            if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) {
                return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            }
            return doubleQuoted(text)
        }
    }

    /// A plain scalar is safe when it reads back as this very string: no indicator characters, no
    /// surrounding blanks, and not a word or number YAML would type.
    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
        guard first != " ", last != " " else { return false }
        if "-?:,[]{}#&*!|>'\"%@`~.+0123456789".unicodeScalars.contains(first) { return false }
        for scalar in text.unicodeScalars {
            guard scalar.value >= 0x20, scalar.value < 0x7f else { return false }
            if "#:'\"[]{},".unicodeScalars.contains(scalar) { return false }
        }
        return PlainScalar.resolve(text) == .string(text)
    }

    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
