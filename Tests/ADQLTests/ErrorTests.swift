import ADQL
import Testing

/// Refused queries: each error names the offending token or thing and where it is.
@Suite("ADQL errors name the token and its position")
struct ErrorTests {
    @Test func unexpectedTokenSaysWhatWasExpected() {
        let error = failure("SELECT , FROM cdb_latiss.visit1")
        #expect(error?.description == "Unexpected ',' at line 1, column 8; expected an expression")
        #expect(failure("SELECT FROM cdb_latiss.visit1")?.description == "Unexpected 'FROM' at line 1, column 8; expected an expression")
        #expect(failure("SELECT a\nFROM\n  cdb_latiss.visit1 WHERE")?.description
            == "Unexpected end of query at line 3, column 26; expected an expression")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 LIMIT 5")?.hint == "ADQL limits the rows with SELECT TOP n")
        #expect(failure("SELECT a FROM cdb_latiss.visit1)")?.hint == "this ')' has no matching '('")
        #expect(failure("")?.message == "The query is empty")
        #expect(failure("SELECT a")?.description == "Unexpected end of query at line 1, column 9; expected FROM (or ',' before another column)")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 WHERE a NOT 3")?.message == "Unexpected 'NOT'")
        #expect(failure("SELECT TOP -1 a FROM cdb_latiss.visit1")?.message == "Unexpected '-'")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 a JOIN cdb_latiss.exposure b")?.hint == "expected ON or USING after the joined table")
        #expect(failure("SELECT a FROM (SELECT a FROM cdb_latiss.visit1)")?.message == "A subquery in FROM needs an alias")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 WHERE a IS 3")?.hint == "expected NULL or NOT NULL after IS")
        #expect(failure("SELECT CASE a END FROM cdb_latiss.visit1")?.hint == "expected WHEN")
    }

    @Test func positionsCountCharactersNotBytes() {
        let error = failure("SELECT 'é', ü FROM cdb_latiss.visit1")
        #expect(error?.message == "Unexpected character 'ü'")
        #expect(error?.position == ADQLPosition(line: 1, column: 13, offset: 13))
    }

    @Test func unknownFunctionsAreRefusedByName() {
        for (query, name, column) in [
            ("SELECT pg_sleep(10) FROM cdb_latiss.visit1", "PG_SLEEP", 8),
            ("SELECT a FROM cdb_latiss.visit1 WHERE lo_import('/etc/passwd') = 1", "LO_IMPORT", 39),
            ("SELECT current_setting('is_superuser') FROM cdb_latiss.visit1", "CURRENT_SETTING", 8),
            ("SELECT REGION('Circle ICRS 1 2 3') FROM cdb_latiss.visit1", "REGION", 8),
            ("SELECT IN_UNIT(a, 'deg') FROM cdb_latiss.visit1", "IN_UNIT", 8),
            ("SELECT a FROM cdb_latiss.visit1 ORDER BY version()", "VERSION", 42),
        ] {
            let error = failure(query)
            #expect(error?.message == "Unsupported function '\(name)'", "\(query)")
            #expect(error?.position?.column == column, "\(query)")
        }
        #expect(failure(#"SELECT pg_catalog.pg_sleep(1) FROM cdb_latiss.visit1"#)?.message == "Unsupported function 'pg_catalog.pg_sleep'")
        #expect(failure(#"SELECT "pg_sleep"(1) FROM cdb_latiss.visit1"#)?.message == #"Unsupported function '"pg_sleep"'"#)
        #expect(failure("SELECT a FROM generate_series(1, 10)")?.message == "Unsupported table function 'generate_series'")
        #expect(failure("SELECT ABS(1, 2) FROM cdb_latiss.visit1")?.message == "Function 'ABS' takes 1 argument, not 2")
        #expect(failure("SELECT RAND(3) FROM cdb_latiss.visit1")?.message == "Function 'RAND' takes 0 arguments, not 1")
        #expect(failure("SELECT ROUND(a, b) FROM cdb_latiss.visit1")?.message == "The second argument of ROUND must be a whole number")
    }

    @Test func tablesMustBePublished() {
        let missing = failure("SELECT a FROM pg_catalog.pg_authid")
        #expect(missing?.description == "Table 'pg_catalog.pg_authid' is not published at line 1, column 15")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 v, information_schema.tables t")?.message == "Table 'information_schema.tables' is not published")
        #expect(failure("SELECT * FROM exposure")?.message == "Table 'exposure' is ambiguous")
        #expect(failure("SELECT * FROM exposure")?.hint == "name its schema: cdb_latiss.exposure, cdb_lsstcam.exposure")
        #expect(failure(#"SELECT * FROM "Cdb_latiss".visit1"#)?.message == #"Table '"Cdb_latiss".visit1' is not published"#)
        #expect(failure("SELECT * FROM db.cdb_latiss.visit1")?.message == "Table name 'db.cdb_latiss.visit1' has a catalog part, which is not supported")
        #expect(failure("SELECT x.a FROM cdb_latiss.visit1 v")?.message == "Unknown table or alias 'x'")
        #expect(failure("SELECT a FROM (SELECT a FROM pg_class) AS s")?.message == "Table 'pg_class' is not published")
        #expect(failure("SELECT a FROM cdb_latiss.visit1 WHERE a IN (SELECT a FROM pg_roles)")?.message == "Table 'pg_roles' is not published")
        // A WITH name is local: it does not reach a sibling query.
        #expect(failure("SELECT a FROM (WITH w AS (SELECT 1 AS a FROM cdb_latiss.visit1) SELECT a FROM w) AS s, w")?.message == "Table 'w' is not published")
        #expect(failure("WITH w AS (SELECT a FROM cdb_latiss.visit1), W AS (SELECT a FROM cdb_latiss.visit1) SELECT a FROM w")?.message == "WITH name 'W' is used twice")
    }

    @Test func geometryErrors() {
        let galactic = failure("SELECT a FROM cdb_latiss.visit1 WHERE CONTAINS(POINT('GALACTIC', l, b), CIRCLE('ICRS', 1, 2, 3)) = 1")
        #expect(galactic?.description == "Coordinate system 'GALACTIC' is not supported at line 1, column 54; use 'ICRS'")
        #expect(failure("SELECT CIRCLE('FK5', 1, 2, 3) FROM cdb_latiss.visit1")?.message == "Coordinate system 'FK5' is not supported")
        #expect(failure("SELECT POINT(1) FROM cdb_latiss.visit1")?.message == "Function 'POINT' takes 2 to 3 arguments, not 1")
        #expect(failure("SELECT POINT(1, 2, 3) FROM cdb_latiss.visit1")?.message == "POINT takes two coordinates")
        #expect(failure("SELECT CONTAINS(1, CIRCLE(1, 2, 3)) FROM cdb_latiss.visit1")?.message
            == "Expected a geometry (POINT, CIRCLE, BOX, POLYGON or a column), not a number")
        #expect(failure("SELECT CONTAINS(CIRCLE(1, 2, 3), POINT(1, 2)) FROM cdb_latiss.visit1")?.message
            == "CONTAINS(a, b) asks whether a lies in b; a region cannot lie in a point")
        #expect(failure("SELECT CENTROID(POLYGON(1, 2, 3, 4, 5, 6)) FROM cdb_latiss.visit1")?.message == "CENTROID of a polygon or a box is not offered")
        #expect(failure("SELECT DISTANCE(1, 2, 3) FROM cdb_latiss.visit1")?.message == "DISTANCE takes two points or four coordinates")
        #expect(failure("SELECT CAST('1 2' AS POINT) FROM cdb_latiss.visit1")?.message == "CAST to POINT is not supported")
    }
}
