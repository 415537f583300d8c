/// Parses ADQL 2.1 text into an ``ADQLQuery``.
///
/// A recursive-descent parser over the tokens of ``ADQLLexer``, one function per grammar rule of the
/// ADQL 2.1 BNF (plus CASE and hexadecimal literals). Every level of nesting is counted against
/// ``ADQLLimits/maxDepth`` so that hostile input ends in an error, not a stack overflow.
public enum ADQLParser {
    public static func parse(_ text: String, limits: ADQLLimits = .standard) throws(ADQLError) -> ADQLQuery {
        var parser = ADQLSyntaxReader(tokens: try ADQLLexer.tokens(text, limits: limits), limits: limits)
        return try parser.statement()
    }
}

/// The parser's state: the tokens, where it is, and how deep.
struct ADQLSyntaxReader {
    let tokens: [ADQLToken]
    let limits: ADQLLimits
    var index = 0
    var depth = 0

    init(tokens: [ADQLToken], limits: ADQLLimits) {
        self.tokens = tokens
        self.limits = limits
    }

    /// Words that always have a grammatical role and so can never be a bare identifier (quote them to use
    /// them as names). ADQL reserves more words; these are the ones the grammar would misread.
    static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "BY", "AS", "ON", "USING", "JOIN", "INNER",
        "LEFT", "RIGHT", "FULL", "OUTER", "NATURAL", "CROSS", "UNION", "INTERSECT", "EXCEPT", "ALL",
        "DISTINCT", "TOP", "OFFSET", "LIMIT", "WITH", "AND", "OR", "NOT", "NULL", "IS", "IN", "BETWEEN",
        "LIKE", "ILIKE", "EXISTS", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "TRUE", "FALSE", "ASC",
        "DESC",
    ]

    // MARK: tokens

    var current: ADQLToken { tokens[index] }

    func token(_ ahead: Int) -> ADQLToken { tokens[min(index + ahead, tokens.count - 1)] }

    func isKeyword(_ word: String, ahead: Int = 0) -> Bool { token(ahead).keyword == word }

    func isSymbol(_ symbol: String, ahead: Int = 0) -> Bool { token(ahead).kind == .symbol(symbol) }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    mutating func accept(keyword: String) -> Bool {
        guard isKeyword(keyword) else { return false }
        advance()
        return true
    }

    mutating func accept(symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func expect(keyword: String, _ hint: String? = nil) throws(ADQLError) {
        guard accept(keyword: keyword) else { throw unexpected(hint ?? "expected \(keyword)") }
    }

    mutating func expect(symbol: String, _ hint: String? = nil) throws(ADQLError) {
        guard accept(symbol: symbol) else { throw unexpected(hint ?? "expected '\(symbol)'") }
    }

    func unexpected(_ hint: String) -> ADQLError {
        ADQLError("Unexpected \(current.display)", at: current.position, hint: hint)
    }

    /// One level deeper; pair with `depth -= 1` in a `defer`.
    mutating func enter() throws(ADQLError) {
        depth += 1
        if depth > limits.maxDepth {
            throw ADQLError("Query is nested too deeply (the limit is \(limits.maxDepth) levels)", at: current.position)
        }
    }

    /// Whether an identifier starts here (a delimited one, or a word with no grammatical role).
    var atIdentifier: Bool {
        switch current.kind {
        case .delimited: return true
        case .word: return !Self.reserved.contains(current.keyword ?? "")
        default: return false
        }
    }

    mutating func identifier(_ hint: String) throws(ADQLError) -> ADQLIdentifier {
        let token = current
        switch token.kind {
        case .delimited(let name):
            advance()
            return ADQLIdentifier(name, delimited: true, at: token.position)
        case .word(let word) where !Self.reserved.contains(token.keyword ?? ""):
            advance()
            return ADQLIdentifier(word, at: token.position)
        default:
            throw unexpected(hint)
        }
    }

    /// `a`, `a.b`, `a.b.c`… (at most `maxParts` parts).
    mutating func qualifiedName(maxParts: Int, _ hint: String) throws(ADQLError) -> ADQLQualifiedName {
        var parts = [try identifier(hint)]
        while isSymbol("."), !isSymbol("*", ahead: 1) {
            advance()
            parts.append(try identifier("expected a name after '.'"))
            if parts.count > maxParts {
                throw ADQLError("Name '\(ADQLQualifiedName(parts).display)' has too many parts", at: parts[0].position)
            }
        }
        return ADQLQualifiedName(parts)
    }

    mutating func unsignedInteger(_ what: String) throws(ADQLError) -> Int {
        guard case .number(let text, integer: true) = current.kind else { throw unexpected("expected a whole number after \(what)") }
        guard let value = Int(text), value <= Int(Int32.max) * 2 else {
            throw ADQLError("Number \(ADQLToken.clip(text)) after \(what) is too large", at: current.position)
        }
        advance()
        return value
    }

    /// Whether a query starts here, after any '('.
    func queryStarts() -> Bool {
        var ahead = 0
        while isSymbol("(", ahead: ahead) { ahead += 1 }
        return isKeyword("SELECT", ahead: ahead) || isKeyword("WITH", ahead: ahead)
    }

    /// Whether the '(' here opens a query rather than an expression or a joined table that merely starts
    /// with one: `(SELECT …)` does, `((SELECT …) UNION …)` does, `((SELECT …) - 1)` and
    /// `((SELECT …) AS s JOIN …)` do not. Decided by looking past the inner parenthesis, without backtracking.
    func parenthesisOpensQuery() -> Bool {
        guard isSymbol("(") else { return false }
        if isKeyword("SELECT", ahead: 1) || isKeyword("WITH", ahead: 1) { return true }
        guard isSymbol("(", ahead: 1), queryStarts() else { return false }
        var level = 0
        var ahead = 1
        while true {
            let kind = token(ahead).kind
            if kind == .end { return false }
            if kind == .symbol("(") { level += 1 }
            if kind == .symbol(")") {
                level -= 1
                if level == 0 { break }
            }
            ahead += 1
        }
        return ["UNION", "INTERSECT", "EXCEPT", "ORDER", "OFFSET"].contains(token(ahead + 1).keyword ?? "")
    }

    // MARK: queries

    mutating func statement() throws(ADQLError) -> ADQLQuery {
        guard current.kind != .end else { throw ADQLError("The query is empty", at: current.position, hint: "expected SELECT") }
        let query = try query()
        _ = accept(symbol: ";")
        guard current.kind == .end else {
            if isKeyword("LIMIT") { throw unexpected("ADQL limits the rows with SELECT TOP n") }
            throw unexpected(isSymbol(")") ? "this ')' has no matching '('" : "expected the end of the query")
        }
        return query
    }

    mutating func query() throws(ADQLError) -> ADQLQuery {
        try enter()
        defer { depth -= 1 }
        let start = current.position
        var with: [ADQLCommonTable] = []
        if accept(keyword: "WITH") {
            repeat {
                let name = try identifier("expected a name for the WITH query")
                try expect(keyword: "AS")
                try expect(symbol: "(")
                let query = try query()
                try expect(symbol: ")")
                with.append(ADQLCommonTable(name: name, query: query))
            } while accept(symbol: ",")
        }
        let body = try setExpression()
        var orderBy: [ADQLOrderItem] = []
        if accept(keyword: "ORDER") {
            try expect(keyword: "BY")
            repeat {
                let expression = try expression()
                var descending = false
                if accept(keyword: "DESC") { descending = true } else { _ = accept(keyword: "ASC") }
                orderBy.append(ADQLOrderItem(expression: expression, descending: descending))
            } while accept(symbol: ",")
        }
        var offset: Int?
        if accept(keyword: "OFFSET") { offset = try unsignedInteger("OFFSET") }
        return ADQLQuery(with: with, body: body, orderBy: orderBy, offset: offset, position: start)
    }

    /// UNION and EXCEPT, left to right, over INTERSECT terms (which bind tighter).
    mutating func setExpression() throws(ADQLError) -> ADQLSetExpression {
        var chain = 0
        defer { depth -= chain }
        var left = try setTerm()
        while isKeyword("UNION") || isKeyword("EXCEPT") {
            let position = current.position
            let op: ADQLSetOperator = isKeyword("UNION") ? .union : .except
            advance()
            let all = try setQuantifier()
            try enter(); chain += 1
            left = .operation(op, all: all, left, try setTerm(), position: position)
        }
        return left
    }

    mutating func setTerm() throws(ADQLError) -> ADQLSetExpression {
        var chain = 0
        defer { depth -= chain }
        var left = try setPrimary()
        while isKeyword("INTERSECT") {
            let position = current.position
            advance()
            let all = try setQuantifier()
            try enter(); chain += 1
            left = .operation(.intersect, all: all, left, try setPrimary(), position: position)
        }
        return left
    }

    mutating func setQuantifier() throws(ADQLError) -> Bool {
        if accept(keyword: "ALL") { return true }
        _ = accept(keyword: "DISTINCT")
        return false
    }

    mutating func setPrimary() throws(ADQLError) -> ADQLSetExpression {
        if isKeyword("SELECT") { return .select(try select()) }
        if isSymbol("("), queryStarts() {
            advance()
            let query = try query()
            try expect(symbol: ")")
            return .parenthesized(query)
        }
        throw unexpected("expected SELECT")
    }

    mutating func select() throws(ADQLError) -> ADQLSelect {
        let start = current.position
        try expect(keyword: "SELECT")
        var distinct = false
        if accept(keyword: "DISTINCT") { distinct = true } else { _ = accept(keyword: "ALL") }
        var top: Int?
        if accept(keyword: "TOP") { top = try unsignedInteger("TOP") }
        var items: [ADQLSelectItem] = []
        if isSymbol("*") {
            items.append(.all(current.position))
            advance()
        } else {
            repeat { items.append(try selectItem()) } while accept(symbol: ",")
        }
        try expect(keyword: "FROM", "expected FROM (or ',' before another column)")
        var from: [ADQLTableReference] = []
        repeat { from.append(try tableReference()) } while accept(symbol: ",")
        var whereClause: ADQLExpression?
        if accept(keyword: "WHERE") { whereClause = try expression() }
        var groupBy: [ADQLExpression] = []
        if accept(keyword: "GROUP") {
            try expect(keyword: "BY")
            repeat { groupBy.append(try expression()) } while accept(symbol: ",")
        }
        var having: ADQLExpression?
        if accept(keyword: "HAVING") { having = try expression() }
        return ADQLSelect(distinct: distinct, top: top, items: items, from: from, whereClause: whereClause,
                          groupBy: groupBy, having: having, position: start)
    }

    mutating func selectItem() throws(ADQLError) -> ADQLSelectItem {
        // `name(.name)*.*` selects all columns of one table.
        var ahead = 0
        while isNameToken(ahead), isSymbol(".", ahead: ahead + 1) {
            if isSymbol("*", ahead: ahead + 2) {
                let name = try qualifiedName(maxParts: 3, "expected a table name")
                try expect(symbol: ".")
                try expect(symbol: "*")
                return .allOf(name)
            }
            ahead += 2
        }
        let expression = try expression()
        if accept(keyword: "AS") { return .expression(expression, alias: try identifier("expected a column alias after AS")) }
        if atIdentifier { return .expression(expression, alias: try identifier("expected a column alias")) }
        return .expression(expression, alias: nil)
    }

    func isNameToken(_ ahead: Int) -> Bool {
        switch token(ahead).kind {
        case .delimited: return true
        case .word: return !Self.reserved.contains(token(ahead).keyword ?? "")
        default: return false
        }
    }

    // MARK: FROM

    mutating func tableReference() throws(ADQLError) -> ADQLTableReference {
        var chain = 0
        defer { depth -= chain }
        var left = try tablePrimary()
        while true {
            let position = current.position
            let natural = accept(keyword: "NATURAL")
            var kind = ADQLJoin.Kind.inner
            if accept(keyword: "INNER") {
                kind = .inner
            } else if isKeyword("LEFT") || isKeyword("RIGHT") || isKeyword("FULL") {
                kind = isKeyword("LEFT") ? .left : isKeyword("RIGHT") ? .right : .full
                advance()
                _ = accept(keyword: "OUTER")
            } else if !natural && !isKeyword("JOIN") {
                return left
            }
            try expect(keyword: "JOIN")
            try enter(); chain += 1
            let right = try tablePrimary()
            var condition: ADQLJoin.Condition?
            if accept(keyword: "ON") {
                condition = .on(try expression())
            } else if accept(keyword: "USING") {
                try expect(symbol: "(")
                var columns: [ADQLIdentifier] = []
                repeat { columns.append(try identifier("expected a column name")) } while accept(symbol: ",")
                try expect(symbol: ")")
                condition = .using(columns)
            }
            if natural, condition != nil {
                throw ADQLError("A NATURAL JOIN takes no ON or USING", at: position)
            }
            if !natural, condition == nil {
                throw unexpected("expected ON or USING after the joined table")
            }
            left = .join(ADQLJoin(kind: kind, natural: natural, left: left, right: right, condition: condition, position: position))
        }
    }

    mutating func tablePrimary() throws(ADQLError) -> ADQLTableReference {
        try enter()
        defer { depth -= 1 }
        if isSymbol("(") {
            let open = current.position
            if parenthesisOpensQuery() {
                advance()
                let query = try query()
                try expect(symbol: ")")
                _ = accept(keyword: "AS")
                guard atIdentifier else {
                    throw ADQLError("A subquery in FROM needs an alias", at: open, hint: "write (SELECT …) AS name")
                }
                return .derived(query, alias: try identifier("expected an alias"))
            }
            advance()
            let inner = try tableReference()
            try expect(symbol: ")")
            return inner
        }
        let name = try qualifiedName(maxParts: 3, "expected a table name or a subquery")
        if isSymbol("(") {
            throw ADQLError("Unsupported table function '\(name.display)'", at: name.position)
        }
        if accept(keyword: "AS") { return .table(name, alias: try identifier("expected an alias after AS")) }
        if atIdentifier { return .table(name, alias: try identifier("expected an alias")) }
        return .table(name, alias: nil)
    }
}
