// Expressions and conditions, loosest binding first:
// OR < AND < NOT < predicates (comparison, BETWEEN, LIKE, ILIKE, IN, IS NULL) < || < + - < * / < unary.

extension ADQLSyntaxReader {
    mutating func expression() throws(ADQLError) -> ADQLExpression {
        try enter()
        defer { depth -= 1 }
        return try disjunction()
    }

    mutating func disjunction() throws(ADQLError) -> ADQLExpression {
        let first = try conjunction()
        guard isKeyword("OR") else { return first }
        var terms = [first]
        while accept(keyword: "OR") { terms.append(try conjunction()) }
        return ADQLExpression(.or(terms), at: first.position)
    }

    mutating func conjunction() throws(ADQLError) -> ADQLExpression {
        let first = try negation()
        guard isKeyword("AND") else { return first }
        var terms = [first]
        while accept(keyword: "AND") { terms.append(try negation()) }
        return ADQLExpression(.and(terms), at: first.position)
    }

    mutating func negation() throws(ADQLError) -> ADQLExpression {
        guard isKeyword("NOT") else { return try predicate() }
        let position = current.position
        advance()
        try enter()
        defer { depth -= 1 }
        return ADQLExpression(.not(try negation()), at: position)
    }

    mutating func predicate() throws(ADQLError) -> ADQLExpression {
        if isKeyword("EXISTS") {
            let position = current.position
            advance()
            return ADQLExpression(.exists(try parenthesizedQuery("expected '(' and a subquery after EXISTS")), at: position)
        }
        let left = try concatenation()
        let position = left.position
        if case .symbol(let symbol) = current.kind, let comparison = ADQLComparison(rawValue: symbol) {
            advance()
            return ADQLExpression(.compare(comparison, left, try concatenation()), at: position)
        }
        if accept(keyword: "IS") {
            let negated = accept(keyword: "NOT")
            try expect(keyword: "NULL", negated ? "expected NULL after IS NOT" : "expected NULL or NOT NULL after IS")
            return ADQLExpression(.isNull(left, negated: negated), at: position)
        }
        let negated = isKeyword("NOT") && ["BETWEEN", "LIKE", "ILIKE", "IN"].contains(token(1).keyword ?? "")
        if negated { advance() }
        if accept(keyword: "BETWEEN") {
            let low = try concatenation()
            try expect(keyword: "AND", "expected AND between the bounds of BETWEEN")
            let high = try concatenation()
            return ADQLExpression(.between(left, low: low, high: high, negated: negated), at: position)
        }
        if isKeyword("LIKE") || isKeyword("ILIKE") {
            let caseInsensitive = isKeyword("ILIKE")
            advance()
            return ADQLExpression(.like(left, pattern: try concatenation(), caseInsensitive: caseInsensitive, negated: negated), at: position)
        }
        if accept(keyword: "IN") {
            guard isSymbol("(") else { throw unexpected("expected '(' after IN") }
            if parenthesisOpensQuery() {
                return ADQLExpression(.inQuery(left, try parenthesizedQuery("expected a subquery"), negated: negated), at: position)
            }
            advance()
            var values: [ADQLExpression] = []
            repeat { values.append(try concatenation()) } while accept(symbol: ",")
            try expect(symbol: ")", "expected ',' or ')' in the IN list")
            return ADQLExpression(.inList(left, values, negated: negated), at: position)
        }
        return left
    }

    mutating func parenthesizedQuery(_ hint: String) throws(ADQLError) -> ADQLQuery {
        try expect(symbol: "(", hint)
        let query = try query()
        try expect(symbol: ")", "expected ')' after the subquery")
        return query
    }

    mutating func concatenation() throws(ADQLError) -> ADQLExpression {
        var chain = 0
        defer { depth -= chain }
        var left = try additive()
        while isSymbol("||") {
            advance()
            try enter(); chain += 1
            left = ADQLExpression(.concatenate(left, try additive()), at: left.position)
        }
        return left
    }

    mutating func additive() throws(ADQLError) -> ADQLExpression {
        var chain = 0
        defer { depth -= chain }
        var left = try multiplicative()
        while isSymbol("+") || isSymbol("-") {
            let op: ADQLArithmeticOperator = isSymbol("+") ? .add : .subtract
            advance()
            try enter(); chain += 1
            left = ADQLExpression(.arithmetic(op, left, try multiplicative()), at: left.position)
        }
        return left
    }

    mutating func multiplicative() throws(ADQLError) -> ADQLExpression {
        var chain = 0
        defer { depth -= chain }
        var left = try unary()
        while isSymbol("*") || isSymbol("/") {
            let op: ADQLArithmeticOperator = isSymbol("*") ? .multiply : .divide
            advance()
            try enter(); chain += 1
            left = ADQLExpression(.arithmetic(op, left, try unary()), at: left.position)
        }
        return left
    }

    mutating func unary() throws(ADQLError) -> ADQLExpression {
        guard isSymbol("-") || isSymbol("+") else { return try primary() }
        let position = current.position
        let minus = isSymbol("-")
        advance()
        try enter()
        defer { depth -= 1 }
        let operand = try unary()
        return minus ? ADQLExpression(.negate(operand), at: position) : operand
    }

    mutating func primary() throws(ADQLError) -> ADQLExpression {
        try enter()
        defer { depth -= 1 }
        let token = current
        let position = token.position
        switch token.kind {
        case .number(let text, let integer):
            advance()
            return ADQLExpression(.number(text, integer: integer), at: position)
        case .string(let text):
            advance()
            return ADQLExpression(.string(text), at: position)
        case .symbol("("):
            if parenthesisOpensQuery() {
                return ADQLExpression(.scalarQuery(try parenthesizedQuery("expected a subquery")), at: position)
            }
            advance()
            let inner = try expression()
            try expect(symbol: ")", "expected ')'")
            return inner
        case .word:
            let upper = token.keyword ?? ""
            switch upper {
            case "NULL":
                advance()
                return ADQLExpression(.null, at: position)
            case "CASE":
                return try caseExpression()
            case "CAST":
                return try cast()
            default:
                break
            }
            if isSymbol("(", ahead: 1) { return try functionCall(upper, at: position) }
            if Self.reserved.contains(upper) { throw unexpected("expected an expression") }
            return try columnReference()
        case .delimited:
            return try columnReference()
        default:
            throw unexpected("expected an expression")
        }
    }

    mutating func columnReference() throws(ADQLError) -> ADQLExpression {
        let name = try qualifiedName(maxParts: 4, "expected a column name")
        if isSymbol("(") {
            throw ADQLError("Unsupported function '\(name.display)'", at: name.position)
        }
        return ADQLExpression(.column(name), at: name.position)
    }

    mutating func functionCall(_ name: String, at position: ADQLPosition) throws(ADQLError) -> ADQLExpression {
        if ADQLFunction.aggregates.contains(name) {
            advance()
            try expect(symbol: "(")
            if name == "COUNT", accept(symbol: "*") {
                try expect(symbol: ")")
                return ADQLExpression(.aggregate(name, distinct: false, argument: nil), at: position)
            }
            var distinct = false
            if accept(keyword: "DISTINCT") { distinct = true } else { _ = accept(keyword: "ALL") }
            let argument = try expression()
            try expect(symbol: ")", "expected ')' after the argument of \(name)")
            return ADQLExpression(.aggregate(name, distinct: distinct, argument: argument), at: position)
        }
        guard let arity = ADQLFunction.arity[name] else {
            if let reason = ADQLFunction.unsupported[name] {
                throw ADQLError("Unsupported function '\(name)'", at: position, hint: reason)
            }
            throw ADQLError("Unsupported function '\(name)'", at: position,
                            hint: "ADQL offers the mathematical, string, COALESCE and geometry functions of ADQL 2.1")
        }
        advance()
        try expect(symbol: "(")
        var arguments: [ADQLExpression] = []
        if !isSymbol(")") {
            repeat { arguments.append(try expression()) } while accept(symbol: ",")
        }
        try expect(symbol: ")", "expected ',' or ')' in the arguments of \(name)")
        guard arity.contains(arguments.count) else {
            let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)"
                : arity.upperBound == Int.max ? "at least \(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
            throw ADQLError("Function '\(name)' takes \(expected) argument\(expected == "1" ? "" : "s"), not \(arguments.count)", at: position)
        }
        return ADQLExpression(.function(name, arguments), at: position)
    }

    mutating func caseExpression() throws(ADQLError) -> ADQLExpression {
        let position = current.position
        advance()
        var operand: ADQLExpression?
        if !isKeyword("WHEN") { operand = try expression() }
        var branches: [ADQLWhen] = []
        while accept(keyword: "WHEN") {
            let condition = try expression()
            try expect(keyword: "THEN")
            branches.append(ADQLWhen(condition: condition, result: try expression()))
        }
        guard !branches.isEmpty else { throw unexpected("expected WHEN") }
        var otherwise: ADQLExpression?
        if accept(keyword: "ELSE") { otherwise = try expression() }
        try expect(keyword: "END", "expected WHEN, ELSE or END")
        return ADQLExpression(.caseWhen(operand: operand, branches: branches, otherwise: otherwise), at: position)
    }

    mutating func cast() throws(ADQLError) -> ADQLExpression {
        let position = current.position
        advance()
        try expect(symbol: "(")
        let value = try expression()
        try expect(keyword: "AS", "expected AS and a type")
        let type = try castType()
        try expect(symbol: ")")
        return ADQLExpression(.cast(value, type), at: position)
    }

    mutating func castType() throws(ADQLError) -> ADQLType {
        let token = current
        guard let word = token.keyword else { throw unexpected("expected a type") }
        advance()
        switch word {
        case "SMALLINT": return .smallint
        case "INTEGER", "INT": return .integer
        case "BIGINT": return .bigint
        case "REAL": return .real
        case "DOUBLE":
            try expect(keyword: "PRECISION", "expected PRECISION after DOUBLE")
            return .doublePrecision
        case "CHAR", "CHARACTER":
            if accept(keyword: "VARYING") { return .varchar(length: try typeLength()) }
            return .char(length: try typeLength())
        case "VARCHAR": return .varchar(length: try typeLength())
        case "TIMESTAMP": return .timestamp
        case "POINT", "CIRCLE", "POLYGON":
            throw ADQLError("CAST to \(word) is not supported", at: token.position, hint: "use the \(word)() function")
        default:
            throw ADQLError("Unsupported type '\(word)' in CAST", at: token.position,
                            hint: "expected SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, CHAR, VARCHAR or TIMESTAMP")
        }
    }

    mutating func typeLength() throws(ADQLError) -> Int? {
        guard accept(symbol: "(") else { return nil }
        let at = current.position
        let length = try unsignedInteger("'('")
        // PostgreSQL's own bounds for character lengths.
        guard (1...10_485_760).contains(length) else { throw ADQLError("Character length \(length) is out of range", at: at) }
        try expect(symbol: ")")
        return length
    }
}
