import Foundation

/// The pieces of SQL text the DDL generator writes itself: checked names and quoted literals.
///
/// DDL cannot take bind parameters, so every name and value that comes from a Felis file goes through
/// here before it becomes statement text.
package enum SQLText {
    /// PostgreSQL truncates longer identifiers silently, which would make a re-apply look for an
    /// object under a name the server never stored.
    static let maximumIdentifierBytes = 63

    /// Why `name` cannot be a PostgreSQL identifier, or nil when it can.
    static func problem(withName name: String) -> String? {
        if name.isEmpty { return "name is empty" }
        if name.utf8.count > maximumIdentifierBytes {
            return "name '\(name.prefix(80))' is longer than \(maximumIdentifierBytes) bytes"
        }
        if name.utf8.contains(0) { return "name contains a NUL character" }
        return nil
    }

    /// A double-quoted identifier, embedded quotes doubled, as PostgreSQL's `quote_ident` writes any
    /// name. The same rule as `Postgres.SQL.quoteIdentifier`, written here because this module holds
    /// no database code (it must not link libpq).
    package static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."name"`.
    package static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }

    /// A string literal that means the same whatever `standard_conforming_strings` is set to: plain
    /// `'...'` unless the text has a backslash, then the escape form `E'...'`.
    /// PostgreSQL text cannot hold NUL, so it is dropped rather than cutting the literal short.
    package static func literal(_ value: String) -> String {
        let clean = value.contains("\u{0}") ? value.replacingOccurrences(of: "\u{0}", with: "") : value
        let quoted = clean.replacingOccurrences(of: "'", with: "''")
        if quoted.contains("\\") {
            return "E'" + quoted.replacingOccurrences(of: "\\", with: "\\\\") + "'"
        }
        return "'" + quoted + "'"
    }

    /// A SQL fragment from a Felis file (check expression, index expression) that must stay one
    /// expression: no statement separator, no comment that could hide the rest of the statement, and
    /// balanced parentheses and quotes, so it cannot close the surrounding clause.
    static func problem(withExpression expression: String) -> String? {
        if expression.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "expression is empty" }
        if expression.utf8.contains(0) { return "expression contains a NUL character" }
        var depth = 0
        var quote: Character?
        var previous: Character?
        for character in expression {
            if let open = quote {
                if character == open { quote = nil }
                previous = character
                continue
            }
            switch character {
            case "'", "\"": quote = character
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { return "expression has an unbalanced ')'" }
            case ";": return "expression contains ';'"
            case "-" where previous == "-": return "expression contains a comment ('--')"
            case "*" where previous == "/": return "expression contains a comment ('/*')"
            case "$": return "expression contains '$' (dollar quoting is not allowed)"
            default: break
            }
            previous = character
        }
        if quote != nil { return "expression has an unterminated quote" }
        if depth != 0 { return "expression has an unbalanced '('" }
        return nil
    }
}

extension String {
    /// The longest prefix of at most `bytes` UTF-8 bytes that ends on a character boundary.
    func prefix(utf8Bytes bytes: Int) -> String {
        var result = ""
        var count = 0
        for character in self {
            let size = character.utf8.count
            if count + size > bytes { break }
            result.append(character)
            count += size
        }
        return result
    }
}

/// Names the DDL gives objects the Felis file does not name.
public enum DDLNames {
    /// `<table>_pkey`, as PostgreSQL itself names primary keys, with the table part shortened (on a
    /// character boundary) when the whole would pass the 63-byte identifier limit.
    public static func primaryKey(of table: String) -> String {
        table.prefix(utf8Bytes: SQLText.maximumIdentifierBytes - 5) + "_pkey"
    }
}
