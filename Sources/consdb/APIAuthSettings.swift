import Foundation

/// The API's token settings: `CONSDB_API_TOKEN` (comma-separated), `CONSDB_API_TOKEN_FILE` (one token per
/// line) and `CONSDB_AUTH_READS`.
extension Settings {
    /// Every configured token, from both settings, in order and without repeats; empty when neither is
    /// set. The file is read once, at start.
    func apiTokens() throws -> [String] {
        var tokens: [String] = []
        if let list = string("CONSDB_API_TOKEN") {
            tokens += try Self.tokens(commaSeparated: list)
        }
        if let path = string("CONSDB_API_TOKEN_FILE") {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SettingError("CONSDB_API_TOKEN_FILE", "cannot be read: \(path): \(error.localizedDescription)")
            }
            tokens += try Self.tokens(fileText: text, path: path)
        }
        var seen = Set<String>()
        return tokens.filter { seen.insert($0).inserted }
    }

    /// `CONSDB_AUTH_READS`: whether reads and `/query` need a token too. It needs a token configured.
    func authenticateReads(hasTokens: Bool) throws -> Bool {
        let value = try bool("CONSDB_AUTH_READS", default: false)
        if value, !hasTokens {
            throw SettingError("CONSDB_AUTH_READS", "is true but no token is configured (set CONSDB_API_TOKEN or CONSDB_API_TOKEN_FILE)")
        }
        return value
    }

    /// A yes/no setting: true, false, 1, 0, yes, no, on, off (any case).
    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = string(key) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw SettingError(key, "must be true or false; got \(text.debugDescription)")
        }
    }

    static func tokens(commaSeparated text: String) throws -> [String] {
        let tokens = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw SettingError("CONSDB_API_TOKEN", "holds no token") }
        for (index, token) in tokens.enumerated() {
            try check(token, setting: "CONSDB_API_TOKEN", place: "token \(index + 1)")
        }
        return tokens
    }

    /// Tokens of a token file: one per line; blank lines and lines starting with `#` are skipped, and
    /// blanks around a token are trimmed.
    static func tokens(fileText text: String, path: String) throws -> [String] {
        var tokens: [String] = []
        // Split at any line end: "\r\n" is one Character in Swift, so splitting at "\n" would miss it.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            try check(line, setting: "CONSDB_API_TOKEN_FILE", place: "\(path) line \(index + 1)")
            tokens.append(line)
        }
        guard !tokens.isEmpty else { throw SettingError("CONSDB_API_TOKEN_FILE", "holds no token: \(path)") }
        return tokens
    }

    /// A token must be sendable as `Bearer <token>` and as a Basic password: printable, without blanks.
    /// The message names where the bad token is, never the token.
    static func check(_ token: String, setting: String, place: String) throws {
        let bad = token.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
        if bad { throw SettingError(setting, "has a token with a blank or control character (\(place))") }
    }
}
