import ADQL
import Testing

/// The syntax tree itself: precedence, positions, and the shapes the translator relies on.
@Suite("ADQL parser: the syntax tree")
struct ParserTests {
    func whereClause(_ adql: String) throws -> ADQLExpression {
        let query = try ADQLParser.parse(adql)
        guard case .select(let select) = query.body, let condition = select.whereClause else {
            Issue.record("no WHERE in \(adql)")
            return ADQLExpression(.null, at: query.position)
        }
        return condition
    }

    @Test func andBindsTighterThanOrAndNotTighterThanAnd() throws {
        let condition = try whereClause("SELECT a FROM t WHERE a = 1 OR NOT b = 2 AND c = 3")
        guard case .or(let terms) = condition.kind, terms.count == 2, case .and(let factors) = terms[1].kind else {
            Issue.record("\(condition)")
            return
        }
        #expect(factors.count == 2)
        if case .not = factors[0].kind {} else { Issue.record("expected NOT first: \(factors[0])") }
    }

    @Test func intersectBindsTighterThanUnion() throws {
        let query = try ADQLParser.parse("SELECT a FROM t UNION ALL SELECT a FROM u INTERSECT SELECT a FROM v EXCEPT SELECT a FROM w")
        guard case .operation(.except, false, let left, .select, _) = query.body,
              case .operation(.union, true, .select, let right, _) = left,
              case .operation(.intersect, false, .select, .select, _) = right
        else {
            Issue.record("\(query.body)")
            return
        }
    }

    @Test func positionsPointAtTheFirstTokenOfEachNode() throws {
        let query = try ADQLParser.parse("SELECT TOP 3\n  a,\n  ABS(b) AS c\nFROM   t AS x\nWHERE b > 2")
        guard case .select(let select) = query.body else { Issue.record("not a select"); return }
        #expect(select.top == 3)
        guard case .expression(let function, let alias) = select.items[1] else { Issue.record("\(select.items)"); return }
        #expect(function.position == ADQLPosition(line: 3, column: 3, offset: 20))
        #expect(alias?.name == "c" && alias?.position.line == 3)
        guard case .table(let name, let tableAlias) = select.from[0] else { Issue.record("\(select.from)"); return }
        #expect(name.position == ADQLPosition(line: 4, column: 8, offset: 39))
        #expect(tableAlias?.folded == "x")
        #expect(select.whereClause?.position.line == 5)
    }

    @Test func delimitedAndRegularIdentifiers() throws {
        let query = try ADQLParser.parse(#"SELECT "MiXed""Q", MiXed FROM s.t"#)
        guard case .select(let select) = query.body,
              case .expression(let first, _) = select.items[0], case .column(let delimited) = first.kind,
              case .expression(let second, _) = select.items[1], case .column(let regular) = second.kind
        else { Issue.record("\(query)"); return }
        #expect(delimited.parts[0].isDelimited && delimited.parts[0].name == #"MiXed"Q"#)
        #expect(delimited.parts[0].folded == #"MiXed"Q"#)
        #expect(!regular.parts[0].isDelimited && regular.parts[0].folded == "mixed")
        #expect(regular.parts[0].matches("MIXED") && !delimited.parts[0].matches(#"mixed"q"#))
    }

    @Test func reservedWordsNeedQuotesButFunctionNamesDoNot() throws {
        // ADQL's function names are names too when no '(' follows: a column called "area" or "point".
        _ = try ADQLParser.parse("SELECT area, point, distance FROM t")
        #expect(throws: ADQLError.self) { try ADQLParser.parse("SELECT select FROM t") }
        _ = try ADQLParser.parse(#"SELECT "select", "from" FROM t"#)
    }

    @Test func literalsKeepTheirKinds() throws {
        let query = try ADQLParser.parse("SELECT 12, 1.5, 2E3, 0xff, 'x' FROM t")
        guard case .select(let select) = query.body else { return }
        let kinds = select.items.compactMap { item -> ADQLExpression.Kind? in
            if case .expression(let e, _) = item { return e.kind }
            return nil
        }
        #expect(kinds == [.number("12", integer: true), .number("1.5", integer: false), .number("2E3", integer: false),
                          .number("255", integer: true), .string("x")])
    }
}
