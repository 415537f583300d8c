/// Splits ADQL text into tokens, keeping where each starts.
///
/// It works on the UTF-8 bytes (every ADQL delimiter is ASCII), counts columns in characters, and drops
/// comments (`--` to the end of the line, and `/* */`, nested as PostgreSQL nests them): nothing from a
/// comment reaches the SQL we produce.
struct ADQLLexer {
    private let bytes: [UInt8]
    private let limits: ADQLLimits
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String, limits: ADQLLimits) {
        self.bytes = Array(text.utf8)
        self.limits = limits
    }

    /// All tokens, ending with `.end`.
    static func tokens(_ text: String, limits: ADQLLimits) throws(ADQLError) -> [ADQLToken] {
        guard text.utf8.count <= limits.maxTextBytes else {
            throw ADQLError("Query is too long (\(text.utf8.count) bytes; the limit is \(limits.maxTextBytes))")
        }
        var lexer = ADQLLexer(text, limits: limits)
        var tokens: [ADQLToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
            if tokens.count > limits.maxTokens {
                throw ADQLError("Query has too many tokens (the limit is \(limits.maxTokens))", at: token.position)
            }
        }
    }

    private var position: ADQLPosition { ADQLPosition(line: line, column: column, offset: index) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1  // continuation bytes belong to the character already counted
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    private static func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "f")) }
    private static func isWordByte(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") }

    /// The character at the current index, for messages.
    private func characterHere() -> String {
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let scalar = String(decoding: bytes[index..<end], as: UTF8.self)
        if let value = scalar.unicodeScalars.first?.value, value < 0x20 || value == 0x7F {
            return "U+" + String(value, radix: 16, uppercase: true).leftPadded(to: 4)
        }
        return "'\(scalar)'"
    }

    private mutating func skipSpaceAndComments() throws(ADQLError) {
        while let b = peek() {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                advance()
            case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                while let c = peek(), c != UInt8(ascii: "\n") {
                    if c == 0 { throw ADQLError("NUL character in a comment", at: position) }
                    advance()
                }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = position
                advance(); advance()
                var depth = 1
                while depth > 0 {
                    guard let c = peek() else { throw ADQLError("Unterminated comment", at: start, hint: "a '/*' comment needs its '*/'") }
                    if c == 0 { throw ADQLError("NUL character in a comment", at: position) }
                    if c == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance(); advance(); depth -= 1
                    } else if c == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                        advance(); advance(); depth += 1
                        if depth > limits.maxDepth { throw ADQLError("Comments nested too deeply", at: start) }
                    } else {
                        advance()
                    }
                }
            default:
                return
            }
        }
    }

    mutating func next() throws(ADQLError) -> ADQLToken {
        try skipSpaceAndComments()
        let start = position
        guard let b = peek() else { return ADQLToken(kind: .end, position: start) }
        if Self.isLetter(b) {
            let from = index
            while let c = peek(), Self.isWordByte(c) { advance() }
            let word = String(decoding: bytes[from..<index], as: UTF8.self)
            try checkIdentifierLength(word, at: start)
            return ADQLToken(kind: .word(word), position: start)
        }
        if Self.isDigit(b) || (b == UInt8(ascii: ".") && peek(1).map(Self.isDigit) == true) {
            return try number(at: start)
        }
        switch b {
        case UInt8(ascii: "'"):
            return ADQLToken(kind: .string(try quoted(UInt8(ascii: "'"), what: "string literal", at: start)), position: start)
        case UInt8(ascii: "\""):
            let name = try quoted(UInt8(ascii: "\""), what: "delimited identifier", at: start)
            if name.isEmpty { throw ADQLError("Empty delimited identifier", at: start) }
            try checkIdentifierLength(name, at: start)
            return ADQLToken(kind: .delimited(name), position: start)
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ";"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "="):
            advance()
            return ADQLToken(kind: .symbol(String(UnicodeScalar(b))), position: start)
        case UInt8(ascii: "<"):
            advance()
            if let c = peek(), c == UInt8(ascii: "=") || c == UInt8(ascii: ">") {
                advance()
                return ADQLToken(kind: .symbol(c == UInt8(ascii: "=") ? "<=" : "<>"), position: start)
            }
            return ADQLToken(kind: .symbol("<"), position: start)
        case UInt8(ascii: ">"):
            advance()
            if peek() == UInt8(ascii: "=") { advance(); return ADQLToken(kind: .symbol(">="), position: start) }
            return ADQLToken(kind: .symbol(">"), position: start)
        case UInt8(ascii: "!") where peek(1) == UInt8(ascii: "="):
            advance(); advance()
            return ADQLToken(kind: .symbol("<>"), position: start)
        case UInt8(ascii: "|") where peek(1) == UInt8(ascii: "|"):
            advance(); advance()
            return ADQLToken(kind: .symbol("||"), position: start)
        case UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "~"):
            throw ADQLError("Unexpected \(characterHere())", at: start, hint: "bitwise operators are not part of ADQL 2.1")
        case 0:
            throw ADQLError("NUL character in the query", at: start)
        case UInt8(ascii: "_"):
            throw ADQLError("Unexpected '_'", at: start, hint: "a regular identifier starts with a letter; quote other names (\"_name\")")
        default:
            throw ADQLError("Unexpected character \(characterHere())", at: start)
        }
    }

    private func checkIdentifierLength(_ name: String, at start: ADQLPosition) throws(ADQLError) {
        // PostgreSQL would silently cut a longer name to 63 bytes and so name something else.
        if name.utf8.count > 63 {
            throw ADQLError("Identifier '\(ADQLToken.clip(name))' is longer than 63 bytes", at: start)
        }
    }

    /// A `'…'` or `"…"` body; the closing character doubled stands for itself.
    private mutating func quoted(_ quote: UInt8, what: String, at start: ADQLPosition) throws(ADQLError) -> String {
        advance()
        var body: [UInt8] = []
        while true {
            guard let c = peek() else {
                throw ADQLError("Unterminated \(what)", at: start, hint: "it needs its closing \(quote == UInt8(ascii: "'") ? "'" : "\"")")
            }
            if c == 0 { throw ADQLError("NUL character in a \(what)", at: position) }
            advance()
            if c == quote {
                if peek() == quote { advance() } else { break }
            }
            body.append(c)
            if body.count > limits.maxLiteralBytes {
                throw ADQLError("\(what.prefix(1).uppercased() + what.dropFirst()) is longer than \(limits.maxLiteralBytes) bytes", at: start)
            }
        }
        return String(decoding: body, as: UTF8.self)
    }

    private mutating func number(at start: ADQLPosition) throws(ADQLError) -> ADQLToken {
        let from = index
        if peek() == UInt8(ascii: "0"), let x = peek(1), x | 0x20 == UInt8(ascii: "x") {
            advance(); advance()
            let digitsFrom = index
            while let c = peek(), Self.isHexDigit(c) { advance() }
            let digits = String(decoding: bytes[digitsFrom..<index], as: UTF8.self)
            if let c = peek(), Self.isWordByte(c) { throw ADQLError("Invalid hexadecimal literal", at: start) }
            guard !digits.isEmpty else { throw ADQLError("Invalid hexadecimal literal", at: start, hint: "expected hexadecimal digits after '0x'") }
            guard let value = UInt64(digits, radix: 16), value <= UInt64(Int64.max) else {
                throw ADQLError("Hexadecimal literal 0x\(ADQLToken.clip(digits)) does not fit in a BIGINT", at: start)
            }
            return ADQLToken(kind: .number(String(value), integer: true), position: start)
        }
        var integer = true
        while let c = peek(), Self.isDigit(c) { advance() }
        if peek() == UInt8(ascii: ".") {
            integer = false
            advance()
            while let c = peek(), Self.isDigit(c) { advance() }
        }
        if let e = peek(), e | 0x20 == UInt8(ascii: "e") {
            var ahead = 1
            if let s = peek(1), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { ahead = 2 }
            guard let d = peek(ahead), Self.isDigit(d) else { throw ADQLError("Invalid numeric literal", at: start, hint: "an exponent needs digits") }
            integer = false
            for _ in 0..<ahead { advance() }
            while let c = peek(), Self.isDigit(c) { advance() }
        }
        if let c = peek(), Self.isWordByte(c) || c == UInt8(ascii: ".") {
            throw ADQLError("Invalid numeric literal", at: start, hint: "a number must be followed by a space or an operator")
        }
        if index - from > limits.maxLiteralBytes {
            throw ADQLError("Numeric literal is longer than \(limits.maxLiteralBytes) bytes", at: start)
        }
        var text = String(decoding: bytes[from..<index], as: UTF8.self)
        // PostgreSQL wants a digit on each side of the point.
        if text.hasPrefix(".") { text = "0" + text }
        if let point = text.firstIndex(of: ".") {
            let after = text.index(after: point)
            if after == text.endIndex || !(text[after].isNumber) { text.insert("0", at: after) }
        }
        return ADQLToken(kind: .number(text, integer: integer), position: start)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
