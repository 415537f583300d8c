/// A place in the query text: 1-based line and column (in characters), and the 0-based UTF-8 byte offset.
public struct ADQLPosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "line \(line), column \(column)" }
}

/// Why a query was refused: what is wrong, where, and (when it helps) what was expected instead.
///
/// `description` reads "Unexpected 'FROM' at line 1, column 9; expected an expression": it is meant for
/// the person who wrote the query, so it names their token and never the SQL we would have produced.
public struct ADQLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. "Unsupported function 'PG_SLEEP'".
    public var message: String
    /// Where in the query, when the error belongs to one place.
    public var position: ADQLPosition?
    /// What would have been accepted there, e.g. "expected an expression".
    public var hint: String?

    public init(_ message: String, at position: ADQLPosition? = nil, hint: String? = nil) {
        self.message = message
        self.position = position
        self.hint = hint
    }

    public var description: String {
        var text = message
        if let position { text += " at \(position)" }
        if let hint { text += "; \(hint)" }
        return text
    }
}

/// Bounds on what the parser accepts, so hostile text costs little and never exhausts the stack.
public struct ADQLLimits: Sendable, Hashable {
    /// Longest query text, in UTF-8 bytes.
    public var maxTextBytes: Int
    /// Deepest nesting of parentheses, subqueries and operator chains (each level is a stack frame or
    /// several, in the parser and in the translator).
    public var maxDepth: Int
    /// Longest string literal, delimited identifier or number, in UTF-8 bytes.
    public var maxLiteralBytes: Int
    /// Most tokens in one query.
    public var maxTokens: Int

    public init(maxTextBytes: Int, maxDepth: Int, maxLiteralBytes: Int, maxTokens: Int) {
        self.maxTextBytes = maxTextBytes
        self.maxDepth = maxDepth
        self.maxLiteralBytes = maxLiteralBytes
        self.maxTokens = maxTokens
    }

    /// 1 MB of text (a polygon with thousands of vertices fits), 100 levels of nesting (hand-written
    /// queries rarely pass 10), 64 KiB literals, 100,000 tokens.
    public static let standard = ADQLLimits(maxTextBytes: 1 << 20, maxDepth: 100, maxLiteralBytes: 1 << 16, maxTokens: 100_000)
}
