import ADQL
import Testing

/// Input meant to crash, hang or escape: each is a positioned error or a translation that stays quoted.
@Suite("ADQL hostile input")
struct HostileInputTests {
    @Test func tenThousandParenthesesAreRefusedNotFollowed() {
        let deep = "SELECT " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + " FROM cdb_latiss.visit1"
        let error = failure(deep)
        #expect(error?.message == "Query is nested too deeply (the limit is 100 levels)")
        #expect(error?.position?.line == 1)
        let subqueries = String(repeating: "SELECT a FROM cdb_latiss.visit1 WHERE a IN (", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
        #expect(failure(subqueries)?.message == "Query is nested too deeply (the limit is 100 levels)")
        let nots = "SELECT a FROM cdb_latiss.visit1 WHERE " + String(repeating: "NOT ", count: 10_000) + "a = 1"
        #expect(failure(nots)?.message == "Query is nested too deeply (the limit is 100 levels)")
        let minus = "SELECT " + String(repeating: "- ", count: 10_000) + "1 FROM cdb_latiss.visit1"
        #expect(failure(minus)?.message == "Query is nested too deeply (the limit is 100 levels)")
        let comments = "SELECT 1 " + String(repeating: "/*", count: 10_000) + " FROM cdb_latiss.visit1"
        #expect(failure(comments)?.message == "Comments nested too deeply")
        let joins = "SELECT * FROM " + Array(repeating: "cdb_latiss.visit1", count: 5_000).joined(separator: " NATURAL JOIN ")
        #expect(failure(joins)?.message == "Query is nested too deeply (the limit is 100 levels)")
    }

    @Test func longOperatorChainsAreBoundedButLongListsAreNot() throws {
        // A left-deep chain is as deep as it is long: bounded like parentheses.
        let sum = "SELECT " + Array(repeating: "1", count: 5_000).joined(separator: " + ") + " FROM cdb_latiss.visit1"
        #expect(failure(sum)?.message == "Query is nested too deeply (the limit is 100 levels)")
        // AND, OR and IN lists are flat: thousands of terms are fine.
        let ors = "SELECT a FROM cdb_latiss.visit1 WHERE " + (1...3_000).map { "a = \($0)" }.joined(separator: " OR ")
        #expect(try translator.translate(ors).sql.hasSuffix(#"("a" = 3000))"#))
        let list = "SELECT a FROM cdb_latiss.visit1 WHERE a IN (" + (1...10_000).map(String.init).joined(separator: ",") + ")"
        #expect(try translator.translate(list).sql.hasSuffix("9999, 10000))"))
    }

    @Test func sizeLimits() {
        let limits = ADQLLimits.standard
        let long = "SELECT a FROM cdb_latiss.visit1 WHERE a = 1" + String(repeating: " ", count: limits.maxTextBytes)
        #expect(failure(long)?.message.hasPrefix("Query is too long") == true)
        let hugeString = "SELECT '" + String(repeating: "x", count: limits.maxLiteralBytes + 1) + "' FROM cdb_latiss.visit1"
        #expect(failure(hugeString)?.description == "String literal is longer than 65536 bytes at line 1, column 8")
        let hugeNumber = "SELECT " + String(repeating: "9", count: limits.maxLiteralBytes + 1) + " FROM cdb_latiss.visit1"
        #expect(failure(hugeNumber)?.message == "Numeric literal is longer than 65536 bytes")
        let longName = "SELECT " + String(repeating: "a", count: 64) + " FROM cdb_latiss.visit1"
        #expect(failure(longName)?.message.hasSuffix("is longer than 63 bytes") == true)
        let tight = ADQLLimits(maxTextBytes: 1_000, maxDepth: 10, maxLiteralBytes: 10, maxTokens: 12)
        #expect(failure("SELECT a, b, c, d, e FROM cdb_latiss.visit1", limits: tight)?.message == "Query has too many tokens (the limit is 12)")
        #expect(failure("SELECT 12345678901 FROM cdb_latiss.visit1", limits: tight)?.message == "Numeric literal is longer than 10 bytes")
        #expect(failure("SELECT TOP 99999999999 a FROM cdb_latiss.visit1")?.message == "Number 99999999999 after TOP is too large")
        #expect(failure("SELECT 0x10000000000000000 FROM cdb_latiss.visit1")?.message == "Hexadecimal literal 0x10000000000000000 does not fit in a BIGINT")
    }

    @Test func unterminatedAndNul() {
        #expect(failure("SELECT 'abc FROM cdb_latiss.visit1")?.description == "Unterminated string literal at line 1, column 8; it needs its closing '")
        #expect(failure(#"SELECT "abc FROM cdb_latiss.visit1"#)?.message == "Unterminated delimited identifier")
        #expect(failure("SELECT a /* never closed FROM cdb_latiss.visit1")?.message == "Unterminated comment")
        #expect(failure("SELECT a FROM cdb_latiss.visit1\u{0}; DROP TABLE x")?.message == "NUL character in the query")
        #expect(failure("SELECT 'a\u{0}b' FROM cdb_latiss.visit1")?.message == "NUL character in a string literal")
        #expect(failure("SELECT \"a\u{0}\" FROM cdb_latiss.visit1")?.message == "NUL character in a delimited identifier")
        #expect(failure("SELECT a -- \u{0}\nFROM cdb_latiss.visit1")?.message == "NUL character in a comment")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 WHERE \u{7}")?.message == "Unexpected character U+0007")
        #expect(failure(#"SELECT """# + " FROM cdb_latiss.visit1")?.message == "Empty delimited identifier")
    }

    @Test func injectionThroughIdentifiersStaysInsideQuotes() throws {
        let translation = try translator.translate(#"SELECT "a""; DROP TABLE x; --" FROM cdb_latiss.visit1 AS "v""" WHERE 1=1; --""#)
        #expect(translation.sql == #"SELECT "a""; DROP TABLE x; --" FROM "cdb_latiss"."visit1" AS "v""" WHERE (1 = 1)"#)
        #expect(failure(#"SELECT a FROM "cdb_latiss"."visit1""; DROP TABLE x; --""#)?.message.hasSuffix("is not published") == true)
    }

    @Test func injectionThroughStringsAndCommentsGoesNowhere() throws {
        #expect(try translator.translate("SELECT a FROM cdb_latiss.visit1 WHERE b = 'x''; DROP TABLE y; --'").sql
            == #"SELECT "a" FROM "cdb_latiss"."visit1" WHERE ("b" = 'x''; DROP TABLE y; --')"#)
        #expect(try translator.translate(#"SELECT a FROM cdb_latiss.visit1 WHERE b = '\'' OR 1 = 1; --'"#).sql
            == #"SELECT "a" FROM "cdb_latiss"."visit1" WHERE ("b" = E'\\'' OR 1 = 1; --')"#)
        // What a comment holds never reaches the SQL, and a statement after ';' is refused.
        #expect(try translator.translate("SELECT a FROM cdb_latiss.visit1 -- ; DROP TABLE y\n").sql == #"SELECT "a" FROM "cdb_latiss"."visit1""#)
        #expect(failure("SELECT a FROM cdb_latiss.visit1 /* */; DROP TABLE y */")?.message == "Unexpected 'DROP'")
        #expect(failure("SELECT a FROM cdb_latiss.visit1; DROP TABLE y")?.description == "Unexpected 'DROP' at line 1, column 34; expected the end of the query")
        #expect(failure("SELECT a FROM cdb_latiss.visit1; SELECT 1 FROM cdb_latiss.visit1")?.message == "Unexpected 'SELECT'")
        // A number glued to a word is not read as `1 AS union`-style trickery.
        #expect(failure("SELECT 1union FROM cdb_latiss.visit1")?.message == "Invalid numeric literal")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 WHERE a = 1 & 2")?.hint == "bitwise operators are not part of ADQL 2.1")
        #expect(failure("SELECT $1 FROM cdb_latiss.visit1")?.message == "Unexpected character '$'")
        #expect(failure("SELECT a::text FROM cdb_latiss.visit1")?.message == "Unexpected character ':'")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 WHERE a = E'\\x'")?.message == "Unexpected string '\\x'")
    }
}
