/// One lexical unit of ADQL with the place it starts.
struct ADQLToken: Sendable {
    enum Kind: Sendable, Equatable {
        /// A regular identifier or keyword, as written.
        case word(String)
        /// A delimited identifier, quotes removed and `""` undone.
        case delimited(String)
        /// A character string literal, quotes removed and `''` undone.
        case string(String)
        /// A numeric literal as PostgreSQL reads it (hexadecimal already converted to decimal);
        /// `integer` when it has neither a point nor an exponent.
        case number(String, integer: Bool)
        /// Punctuation or an operator: `( ) , . ; + - * / || = <> != < > <= >=`.
        case symbol(String)
        case end
    }

    var kind: Kind
    var position: ADQLPosition
    /// The word in upper case, when the token is a regular identifier (keywords are matched this way);
    /// computed once, since the parser asks often.
    let keyword: String?

    init(kind: Kind, position: ADQLPosition) {
        self.kind = kind
        self.position = position
        if case .word(let text) = kind { keyword = text.uppercased() } else { keyword = nil }
    }

    /// The token as the user wrote it, short enough for an error message.
    var display: String {
        switch kind {
        case .word(let text): return "'\(text)'"
        case .delimited(let text): return "'\"\(Self.clip(text))\"'"
        case .string(let text): return "string '\(Self.clip(text))'"
        case .number(let text, _): return "'\(Self.clip(text))'"
        case .symbol(let text): return "'\(text)'"
        case .end: return "end of query"
        }
    }

    static func clip(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)) + "…" : text
    }
}
