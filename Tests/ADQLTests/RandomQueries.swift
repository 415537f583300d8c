import TestSupport

/// Random ADQL queries over the test table `cdb_test_adql.obs (n integer, ra, dec double precision,
/// band text)`, typed so that every one is valid and runs without a PostgreSQL error (no division by a
/// column, no overflow): the fuzz test mutates them, the database test runs them.
struct RandomQueries {
    var random: SeededGenerator

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &random)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    mutating func small() -> Int { Int.random(in: 0...9, using: &random) }

    mutating func literal() -> String {
        switch small() {
        case 0: return "0x\(String(small() + 10, radix: 16))"
        case 1: return "\(small()).\(small())E\(pick(["", "+", "-"]))1"
        case 2: return ".\(small())5"
        case 3: return "\(small())."
        default: return "\(small() + 1).\(small())"
        }
    }

    mutating func number(_ depth: Int) -> String {
        if depth <= 0 { return pick(["o.n", "o.ra", "o.dec", "ra", "n", literal(), literal()]) }
        let d = depth - 1
        switch Int.random(in: 0..<17, using: &random) {
        case 0: return "\(number(d)) + \(number(d))"
        case 1: return "(\(number(d)) - \(number(d)))"
        case 2: return "(\(number(d))) * \(pick(["2.5", "o.ra", "dec", "0.5"]))"
        case 3: return "\(number(d)) / \(pick(["3.5", "2.0", "1E1"]))"
        case 4: return "- \(number(d))"
        case 5: return "\(pick(["ABS", "FLOOR", "CEILING", "SIN", "COS", "ATAN", "RADIANS"]))(\(number(d)))"
        case 6: return "ROUND(\(number(d))\(chance(50) ? ", \(small() - 3)" : ""))"
        case 7: return "TRUNCATE(\(number(d))\(chance(50) ? ", \(small())" : ""))"
        case 8: return "MOD(\(number(d)), 7)"
        case 9: return "COALESCE(\(number(d)), \(literal()))"
        case 10: return "CASE WHEN \(condition(d)) THEN \(number(d)) ELSE \(number(d)) END"
        case 11: return "CASE o.band WHEN 'r' THEN \(number(d)) END"
        case 12: return "DISTANCE(POINT('ICRS', o.ra, o.dec), POINT(\(literal()), \(literal())))"
        case 13: return "\(pick(["COORD1", "COORD2"]))(POINT(o.ra, o.dec))"
        case 14: return "CAST(\(number(d)) AS \(pick(["DOUBLE PRECISION", "REAL", "BIGINT", "INTEGER"])))"
        case 15: return "POWER(o.ra, 2) + SQRT(ABS(\(number(d)))) + PI() + DEGREES(o.dec) + ATAN2(o.dec, 1.0)"
        default: return "(SELECT MAX(i.n) FROM cdb_test_adql.obs AS i WHERE i.n < \(small()))"
        }
    }

    mutating func text(_ depth: Int) -> String {
        if depth <= 0 { return pick(["o.band", "band", "'it''s'", "'x'", "'%'"]) }
        let d = depth - 1
        switch small() {
        case 0, 1: return "\(text(d)) || \(text(d))"
        case 2: return "LOWER(\(text(d)))"
        case 3: return "UPPER(\(text(d)))"
        case 4: return "COALESCE(\(text(d)), 'none')"
        case 5: return "CAST(\(number(d)) AS VARCHAR(20))"
        default: return text(0)
        }
    }

    mutating func condition(_ depth: Int) -> String {
        let d = max(depth - 1, 0)
        switch Int.random(in: 0..<13, using: &random) {
        case 0: return "\(number(d)) \(pick(["=", "<>", "!=", "<", ">", "<=", ">="])) \(number(d))"
        case 1: return "\(number(d)) \(chance(30) ? "NOT " : "")BETWEEN \(number(d)) AND \(number(d))"
        case 2: return "\(text(d)) \(chance(30) ? "NOT " : "")\(pick(["LIKE", "ILIKE"])) \(pick(["'R%'", "'%'", "'_'"]))"
        case 3: return "o.n \(chance(30) ? "NOT " : "")IN (\(small()), \(small()), \(small()))"
        case 4: return "o.band IS \(chance(50) ? "NOT " : "")NULL"
        case 5: return "NOT \(condition(d))"
        case 6: return depth > 0 ? "(\(condition(d)) AND \(condition(d)))" : "o.n > 3"
        case 7: return depth > 0 ? "(\(condition(d)) OR \(condition(d)))" : "o.n < 3"
        case 8: return "CONTAINS(POINT('ICRS', o.ra, o.dec), CIRCLE('ICRS', \(small() * 30), \(small() * 5), \(small() + 1))) = \(pick(["0", "1"]))"
        case 9: return "INTERSECTS(CIRCLE(o.ra, o.dec, 1), BOX(\(small() * 30), 0, 40, 20)) = 1"
        case 10: return "\(chance(50) ? "NOT " : "")EXISTS (SELECT 1 FROM cdb_test_adql.obs AS x WHERE x.n = o.n + 1)"
        case 11: return "o.n IN (SELECT y.n FROM cdb_test_adql.obs y WHERE y.band = 'r')"
        default: return "CONTAINS(POINT(o.ra, o.dec), POLYGON(0, -10, 90, -10, 90, 40, 0, 40)) = 1"
        }
    }

    mutating func query() -> String {
        let depth = Int.random(in: 0...3, using: &random)
        if chance(20) {
            return "SELECT o.band, COUNT(*) AS c, AVG(o.ra), MAX(\(number(depth))) FROM cdb_test_adql.obs AS o "
                + "GROUP BY o.band HAVING COUNT(*) > \(small() / 3) ORDER BY o.band"
        }
        var items: [String] = []
        for i in 0...Int.random(in: 0...3, using: &random) {
            let item = pick([number(depth), text(depth), "o.n", "o.*"])
            items.append(item + (item != "o.*" && chance(50) ? " AS c\(i)" : ""))
        }
        let union = chance(10)
        if union { items = ["o.n"] }
        var query = "SELECT \(chance(20) ? "DISTINCT " : "")\(chance(30) ? "TOP \(small() + 1) " : "")\(items.joined(separator: ", "))"
        query += " FROM cdb_test_adql.obs AS o"
        if chance(70) { query += " WHERE \(condition(depth))" }
        if union { query += " \(pick(["UNION", "UNION ALL", "INTERSECT", "EXCEPT"])) SELECT o.n FROM cdb_test_adql.obs o WHERE \(condition(depth))" }
        if chance(50) { query += " ORDER BY 1\(chance(50) ? " DESC" : "")" }
        if chance(20) { query += " OFFSET \(small())" }
        return query
    }
}
