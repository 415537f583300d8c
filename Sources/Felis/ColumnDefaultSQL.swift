import Foundation

/// Column defaults as SQL: written into `DEFAULT` clauses, and recognised again in what
/// PostgreSQL's `pg_get_expr` prints back, so a re-apply can tell whether a default changed.
enum ColumnDefaultSQL {
    /// The `DEFAULT` expression for a default.
    static func expression(_ value: FelisDefault) -> String {
        switch value {
        case .text(let text): return SQLText.literal(text)
        case .integer(let number): return String(number)
        // Swift prints doubles in a form PostgreSQL reads back exactly (shortest round-trip digits).
        case .real(let number): return "'\(number)'"
        case .boolean(let flag): return flag ? "true" : "false"
        case .currentTimestamp: return "CURRENT_TIMESTAMP"
        }
    }

    /// Whether the catalog's default expression (as `pg_get_expr` prints it) is the same default
    /// for a column of `datatype`.
    static func matches(_ value: FelisDefault?, catalog expression: String?, datatype: FelisDatatype) -> Bool {
        guard let value else { return expression == nil }
        guard let expression, let parsed = parse(expression) else { return false }
        switch value {
        case .text(let text):
            guard parsed.isLiteral else { return false }
            if parsed.text == text { return true }
            // PostgreSQL stores a timestamp default in its own output format.
            return datatype == .timestamp && canonicalTimestamp(text) != nil && canonicalTimestamp(text) == canonicalTimestamp(parsed.text)
        case .integer(let number):
            return Int64(parsed.text) == number
        case .real(let number):
            return Double(parsed.text) == number
        case .boolean(let flag):
            switch parsed.text.lowercased() {
            case "true", "t": return flag
            case "false", "f": return !flag
            default: return false
            }
        case .currentTimestamp:
            return !parsed.isLiteral && ["current_timestamp", "now()", "localtimestamp"].contains(parsed.text.lowercased())
        }
    }

    /// A timestamp literal as PostgreSQL prints it back (`2024-01-02T03:04` becomes
    /// `2024-01-02 03:04:00`, `...05.120` becomes `...05.12`), or nil for other text.
    static func canonicalTimestamp(_ text: String) -> String? {
        let pattern = #/(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?/#
        guard let match = text.trimmingCharacters(in: .whitespaces).wholeMatch(of: pattern) else { return nil }
        let (_, date, hour, minute, second, fraction) = match.output
        var result = "\(date) \(hour ?? "00"):\(minute ?? "00"):\(second ?? "00")"
        let digits = fraction.map { String($0.reversed().drop { $0 == "0" }.reversed()) } ?? ""
        if !digits.isEmpty { result += "." + digits }
        return result
    }

    /// A catalog default reduced to its value: `'it''s'::character varying` gives (`it's`, literal),
    /// `(-5)` gives (`-5`, bare), `CURRENT_TIMESTAMP` gives itself. Nil for anything more complex.
    static func parse(_ expression: String) -> (text: String, isLiteral: Bool)? {
        var text = expression.trimmingCharacters(in: .whitespaces)
        while text.hasPrefix("("), text.hasSuffix(")") {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        // The escape form appears when the text has a backslash (see `SQLText.literal`).
        let escaped = text.hasPrefix("E'")
        if escaped { text.removeFirst() }
        guard text.hasPrefix("'") else {
            // A bare constant or function; a trailing cast (`5::bigint`) does not change the value.
            if let cast = text.range(of: "::") { text = String(text[..<cast.lowerBound]) }
            return (text, false)
        }
        // A quoted literal, optionally followed by `::type`.
        var value = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if escaped, character == "\\" {
                let next = text.index(after: index)
                guard next < text.endIndex else { return nil }
                value.append(text[next])
                index = text.index(after: next)
                continue
            }
            if character == "'" {
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "'" {
                    value.append("'")
                    index = text.index(after: next)
                    continue
                }
                let rest = text[next...]
                guard rest.isEmpty || rest.hasPrefix("::") else { return nil }
                return (value, true)
            }
            value.append(character)
            index = text.index(after: index)
        }
        return nil
    }
}
