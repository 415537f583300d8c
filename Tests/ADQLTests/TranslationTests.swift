import ADQL
import Testing

/// Golden translations: one ADQL construct per test, the exact PostgreSQL expected.
@Suite("ADQL → PostgreSQL translations")
struct TranslationTests {
    @Test func selectListTopOffsetAndOrder() throws {
        #expect(sql("SELECT TOP 10 ra, dec AS d FROM cdb_latiss.exposure WHERE ra > 1.5 ORDER BY 1 DESC OFFSET 5")
            == #"SELECT "ra", "dec" AS "d" FROM "cdb_latiss"."exposure" WHERE ("ra" > 1.5) ORDER BY 1 DESC LIMIT 10 OFFSET 5"#)
        let translation = try translator.translate("select top 7 * from cdb_latiss.visit1")
        #expect(translation.top == 7)
        #expect(translation.sql == #"SELECT * FROM "cdb_latiss"."visit1" LIMIT 7"#)
        #expect(try translator.translate("SELECT a FROM cdb_latiss.visit1").top == nil)
        #expect(sql("SELECT DISTINCT band FROM cdb_latiss.visit1 ORDER BY band ASC, day_obs DESC")
            == #"SELECT DISTINCT "band" FROM "cdb_latiss"."visit1" ORDER BY "band" ASC, "day_obs" DESC"#)
        #expect(sql("SELECT ALL a b FROM cdb_latiss.visit1 ORDER BY b") == #"SELECT "a" AS "b" FROM "cdb_latiss"."visit1" ORDER BY "b" ASC"#)
        #expect(sql("SELECT a FROM cdb_latiss.visit1 ORDER BY a * 2") == #"SELECT "a" FROM "cdb_latiss"."visit1" ORDER BY ("a" * 2) ASC"#)
        #expect(sql("SELECT a FROM cdb_latiss.visit1 OFFSET 3;") == #"SELECT "a" FROM "cdb_latiss"."visit1" OFFSET 3"#)
    }

    @Test func identifiersFoldOrKeepTheirCase() {
        #expect(sql(#"SELECT Exposure_ID, "Exposure_ID", "we""ird" FROM CDB_LATISS.Exposure"#)
            == #"SELECT "exposure_id", "Exposure_ID", "we""ird" FROM "cdb_latiss"."exposure""#)
        // Stored mixed case is found by a regular (case-insensitive) name and by the exact delimited one.
        #expect(sql("SELECT x FROM mixed.cameltable") == #"SELECT "x" FROM "Mixed"."CamelTable""#)
        #expect(sql(#"SELECT cameltable.x FROM "Mixed"."CamelTable""#) == #"SELECT "CamelTable"."x" FROM "Mixed"."CamelTable""#)
        #expect(sql("SELECT table_name FROM tap_schema.tables") == #"SELECT "table_name" FROM "TAP_SCHEMA"."tables""#)
    }

    @Test func qualifiedColumnsAndStars() {
        #expect(sql("select e.*, v.band from cdb_latiss.exposure e, cdb_latiss.visit1 as v where e.exposure_id = v.visit_id")
            == #"SELECT "e".*, "v"."band" FROM "cdb_latiss"."exposure" AS "e", "cdb_latiss"."visit1" AS "v" WHERE ("e"."exposure_id" = "v"."visit_id")"#)
        #expect(sql("SELECT cdb_latiss.exposure.exposure_id, exposure.day_obs, cdb_latiss.exposure.* FROM cdb_latiss.exposure")
            == #"SELECT "exposure"."exposure_id", "exposure"."day_obs", "exposure".* FROM "cdb_latiss"."exposure""#)
    }

    @Test func joins() {
        #expect(sql("SELECT * FROM cdb_latiss.exposure AS e JOIN cdb_latiss.visit1 AS v ON e.exposure_id = v.visit_id")
            == #"SELECT * FROM ("cdb_latiss"."exposure" AS "e" INNER JOIN "cdb_latiss"."visit1" AS "v" ON ("e"."exposure_id" = "v"."visit_id"))"#)
        #expect(sql("SELECT * FROM cdb_latiss.exposure e LEFT OUTER JOIN cdb_latiss.visit1 v USING (day_obs, seq_num)")
            == #"SELECT * FROM ("cdb_latiss"."exposure" AS "e" LEFT OUTER JOIN "cdb_latiss"."visit1" AS "v" USING ("day_obs", "seq_num"))"#)
        #expect(sql("SELECT * FROM cdb_latiss.exposure e NATURAL RIGHT JOIN cdb_latiss.visit1 v")
            == #"SELECT * FROM ("cdb_latiss"."exposure" AS "e" NATURAL RIGHT OUTER JOIN "cdb_latiss"."visit1" AS "v")"#)
        #expect(sql("SELECT * FROM (cdb_latiss.exposure e FULL JOIN cdb_latiss.visit1 v ON e.a = v.a) INNER JOIN cdb_lsstcam.ccdvisit1 c ON c.a = e.a")
            == #"SELECT * FROM (("cdb_latiss"."exposure" AS "e" FULL OUTER JOIN "cdb_latiss"."visit1" AS "v" ON ("e"."a" = "v"."a")) INNER JOIN "cdb_lsstcam"."ccdvisit1" AS "c" ON ("c"."a" = "e"."a"))"#)
    }

    @Test func derivedTablesAndCommonTables() {
        #expect(sql("SELECT s.n FROM (SELECT COUNT(*) AS n FROM cdb_latiss.visit1) AS s")
            == #"SELECT "s"."n" FROM (SELECT count(*) AS "n" FROM "cdb_latiss"."visit1") AS "s""#)
        #expect(sql("WITH Recent AS (SELECT a FROM cdb_latiss.exposure), r2 AS (SELECT a FROM recent) SELECT recent.a FROM Recent, r2")
            == #"WITH "recent" AS (SELECT "a" FROM "cdb_latiss"."exposure"), "r2" AS (SELECT "a" FROM "recent") SELECT "recent"."a" FROM "recent", "r2""#)
    }

    @Test func setOperations() throws {
        #expect(sql("SELECT a FROM cdb_latiss.exposure UNION SELECT a FROM cdb_latiss.visit1 INTERSECT ALL SELECT a FROM cdb_lsstcam.ccdvisit1")
            == #"((SELECT "a" FROM "cdb_latiss"."exposure") UNION ((SELECT "a" FROM "cdb_latiss"."visit1") INTERSECT ALL (SELECT "a" FROM "cdb_lsstcam"."ccdvisit1")))"#)
        #expect(sql("SELECT TOP 2 a FROM cdb_latiss.exposure EXCEPT (SELECT a FROM cdb_latiss.visit1 ORDER BY a OFFSET 1) ORDER BY a OFFSET 1")
            == #"((SELECT "a" FROM "cdb_latiss"."exposure" LIMIT 2) EXCEPT (SELECT "a" FROM "cdb_latiss"."visit1" ORDER BY "a" ASC OFFSET 1)) ORDER BY "a" ASC OFFSET 1"#)
        #expect(try translator.translate("SELECT TOP 2 a FROM cdb_latiss.exposure UNION SELECT a FROM cdb_latiss.visit1").top == nil)
    }

    @Test func predicates() {
        let from = #" FROM "cdb_latiss"."visit1""#
        #expect(sql("SELECT a FROM cdb_latiss.visit1 WHERE a BETWEEN 1 AND 2 AND b NOT BETWEEN -1 AND 1 OR NOT c = 1")
            == #"SELECT "a""# + from + #" WHERE ((("a" BETWEEN 1 AND 2) AND ("b" NOT BETWEEN (- 1) AND 1)) OR (NOT ("c" = 1)))"#)
        #expect(sql("SELECT a FROM cdb_latiss.visit1 WHERE s LIKE 'AT%' AND t NOT ILIKE '%x_' AND u <> 1 AND v != 2 AND w <= 3 AND x >= 4 AND y < 5")
            == #"SELECT "a""# + from + #" WHERE (("s" LIKE 'AT%') AND ("t" NOT ILIKE '%x_') AND ("u" <> 1) AND ("v" <> 2) AND ("w" <= 3) AND ("x" >= 4) AND ("y" < 5))"#)
        #expect(sql("SELECT a FROM cdb_latiss.visit1 WHERE a IN (1, 2, 3) AND b NOT IN (SELECT b FROM cdb_latiss.exposure) AND c IS NULL AND d IS NOT NULL")
            == #"SELECT "a""# + from + #" WHERE (("a" IN (1, 2, 3)) AND ("b" NOT IN (SELECT "b" FROM "cdb_latiss"."exposure")) AND ("c" IS NULL) AND ("d" IS NOT NULL))"#)
        #expect(sql("SELECT a FROM cdb_latiss.visit1 v WHERE EXISTS (SELECT 1 FROM cdb_latiss.exposure e WHERE e.a = v.a) AND NOT EXISTS (SELECT 1 FROM cdb_latiss.exposure)")
            == #"SELECT "a" FROM "cdb_latiss"."visit1" AS "v" WHERE ((EXISTS (SELECT 1 FROM "cdb_latiss"."exposure" AS "e" WHERE ("e"."a" = "v"."a"))) AND (NOT (EXISTS (SELECT 1 FROM "cdb_latiss"."exposure"))))"#)
        #expect(sql("SELECT (SELECT MAX(a) FROM cdb_latiss.exposure) AS m FROM cdb_latiss.visit1")
            == #"SELECT (SELECT max("a") FROM "cdb_latiss"."exposure") AS "m""# + from)
    }

    @Test func arithmeticPrecedenceAndLiterals() {
        let from = #" FROM "cdb_latiss"."visit1""#
        #expect(sql("SELECT 1 + 2 * 3 - -a / 4, (1 + 2) * 3, 'a' || b || 'c', +5" + " FROM cdb_latiss.visit1")
            == #"SELECT ((1 + (2 * 3)) - ((- "a") / 4)), ((1 + 2) * 3), (('a' || "b") || 'c'), 5"# + from)
        #expect(sql("SELECT 0x1F, 0XFF, 1e3, 1.5E-3, .5, 5., 12, 'it''s', NULL FROM cdb_latiss.visit1")
            == #"SELECT 31, 255, 1e3, 1.5E-3, 0.5, 5.0, 12, 'it''s', NULL"# + from)
        // A backslash cannot change a string's meaning, whatever standard_conforming_strings says.
        #expect(sql(#"SELECT 'a\' FROM cdb_latiss.visit1"#) == #"SELECT E'a\\'"# + from)
    }

    @Test func parenthesesAroundSubqueries() {
        let from = #" FROM "cdb_latiss"."visit1""#
        let max = #"(SELECT max("a") FROM "cdb_latiss"."exposure")"#
        #expect(sql("SELECT ((SELECT MAX(a) FROM cdb_latiss.exposure) - 1) FROM cdb_latiss.visit1") == "SELECT (\(max) - 1)" + from)
        #expect(sql("SELECT ((SELECT MAX(a) FROM cdb_latiss.exposure) UNION (SELECT 1 FROM cdb_latiss.exposure)) FROM cdb_latiss.visit1")
            == #"SELECT (((SELECT max("a") FROM "cdb_latiss"."exposure") UNION (SELECT 1 FROM "cdb_latiss"."exposure")))"# + from)
        #expect(sql("SELECT a FROM cdb_latiss.visit1 WHERE a IN ((SELECT MAX(a) FROM cdb_latiss.exposure) + 1, 2)")
            == #"SELECT "a""# + from + " WHERE (\"a\" IN ((\(max) + 1), 2))")
        #expect(sql("SELECT * FROM ((SELECT a FROM cdb_latiss.exposure) AS s JOIN cdb_latiss.visit1 v USING (a))")
            == #"SELECT * FROM ((SELECT "a" FROM "cdb_latiss"."exposure") AS "s" INNER JOIN "cdb_latiss"."visit1" AS "v" USING ("a"))"#)
    }

    @Test func caseCoalesceAndCast() {
        let from = #" FROM "cdb_latiss"."visit1""#
        #expect(sql("SELECT CASE WHEN a > 1 THEN 'big' WHEN a IS NULL THEN NULL ELSE 'small' END, CASE band WHEN 'r' THEN 1 END FROM cdb_latiss.visit1")
            == #"SELECT (CASE WHEN ("a" > 1) THEN 'big' WHEN ("a" IS NULL) THEN NULL ELSE 'small' END), (CASE "band" WHEN 'r' THEN 1 END)"# + from)
        #expect(sql("SELECT COALESCE(a, b, 0) FROM cdb_latiss.visit1") == #"SELECT coalesce("a", "b", 0)"# + from)
        #expect(sql("SELECT CAST(a AS SMALLINT), CAST(a AS INTEGER), CAST(a AS BIGINT), CAST(a AS REAL), CAST(a AS DOUBLE PRECISION), CAST(a AS CHAR), CAST(a AS CHAR(3)), CAST(a AS VARCHAR), CAST(a AS VARCHAR(10)), CAST('2021-01-14T11:25:00' AS TIMESTAMP) FROM cdb_latiss.visit1")
            == #"SELECT CAST("a" AS smallint), CAST("a" AS integer), CAST("a" AS bigint), CAST("a" AS real), CAST("a" AS double precision), CAST("a" AS text), CAST("a" AS character(3)), CAST("a" AS character varying), CAST("a" AS character varying(10)), CAST('2021-01-14T11:25:00' AS timestamp)"# + from)
    }

    @Test func aggregates() {
        #expect(sql("SELECT band, COUNT(*), COUNT(DISTINCT day_obs), SUM(x), AVG(x), MIN(x), MAX(ALL x) FROM cdb_latiss.visit1 GROUP BY band HAVING COUNT(*) > 2")
            == #"SELECT "band", count(*), count(DISTINCT "day_obs"), sum("x"), avg("x"), min("x"), max("x") FROM "cdb_latiss"."visit1" GROUP BY "band" HAVING (count(*) > 2)"#)
    }

    @Test func mathematicalAndStringFunctions() {
        let from = #" FROM "cdb_latiss"."visit1""#
        #expect(sql("SELECT ABS(x), CEILING(x), DEGREES(x), EXP(x), FLOOR(x), LOG(x), LOG10(x), MOD(x, 3), PI(), POWER(x, 2), RADIANS(x), RAND(), ROUND(x), ROUND(x, 2), SQRT(x), TRUNCATE(x), TRUNCATE(x, -1) FROM cdb_latiss.visit1")
            == #"SELECT abs("x"), ceil("x"), degrees("x"), exp("x"), floor("x"), ln("x"), log("x"), mod(CAST("x" AS numeric), CAST(3 AS numeric)), pi(), power("x", 2), radians("x"), random(), round("x"), CAST(round(CAST("x" AS numeric), 2) AS double precision), sqrt("x"), trunc("x"), CAST(trunc(CAST("x" AS numeric), (- 1)) AS double precision)"# + from)
        #expect(sql("SELECT ACOS(x), ASIN(x), ATAN(x), ATAN2(y, x), COS(x), COT(x), SIN(x), TAN(x), LOWER(s), UPPER(s) FROM cdb_latiss.visit1")
            == #"SELECT acos("x"), asin("x"), atan("x"), atan2("y", "x"), cos("x"), cot("x"), sin("x"), tan("x"), lower("s"), upper("s")"# + from)
    }

    @Test func containsBecomesAnIndexFriendlyCondition() {
        let from = #"SELECT "obs_id" FROM "cdb_latiss"."exposure" WHERE "#
        let condition = #"(spoint(radians("s_ra"), radians("s_dec")) @ scircle(spoint(radians(150.1), radians(2.2)), radians(1.75)))"#
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 1")
            == from + condition)
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE 1 = CONTAINS(POINT(s_ra, s_dec), CIRCLE('', POINT('icrs', 150.1, 2.2), 1.75))")
            == from + condition)
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 0")
            == from + "(NOT " + condition + ")")
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) <> 0")
            == from + condition)
        // As a value: 1 or 0.
        #expect(sql("SELECT CONTAINS(POINT(s_ra, s_dec), CIRCLE(150.1, 2.2, 1.75)) AS inside FROM cdb_latiss.exposure")
            == #"SELECT CAST("# + condition + #" AS integer) AS "inside" FROM "cdb_latiss"."exposure""#)
    }

    @Test func otherGeometryFunctions() {
        let from = #" FROM "cdb_latiss"."exposure""#
        let p = #"spoint(radians("ra"), radians("dec"))"#
        #expect(sql("SELECT DISTANCE(POINT(ra, dec), POINT(10, 20)), DISTANCE(ra, dec, 10, 20) FROM cdb_latiss.exposure")
            == "SELECT degrees(\(p) <-> spoint(radians(10), radians(20))), degrees(\(p) <-> spoint(radians(10), radians(20)))" + from)
        #expect(sql("SELECT COORD1(POINT(ra, dec)), COORD2(pos), COORDSYS(POINT(ra, dec)), AREA(CIRCLE(1, 2, 3)) FROM cdb_latiss.exposure")
            == "SELECT degrees(long(\(p))), degrees(lat(\"pos\")), (CASE WHEN \(p) IS NULL THEN NULL ELSE 'ICRS' END), degrees(degrees(area(scircle(spoint(radians(1), radians(2)), radians(3)))))" + from)
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE CONTAINS(POINT(ra, dec), BOX('ICRS', 10, 20, 2, 4)) = 1")
            == #"SELECT "obs_id""# + from + " WHERE (\(p) @ sbox(spoint(radians(10 - (2 / 2.0)), radians(20 - (4 / 2.0))), spoint(radians(10 + (2 / 2.0)), radians(20 + (4 / 2.0)))))")
        let polygon = "(SELECT spoly(adql_vertex.adql_p ORDER BY adql_vertex.adql_n) FROM (VALUES (1, spoint(radians(1), radians(2))), (2, spoint(radians(3), radians(4))), (3, spoint(radians(5), radians(6)))) AS adql_vertex(adql_n, adql_p))"
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE CONTAINS(POINT(ra, dec), POLYGON('ICRS', 1, 2, 3, 4, 5, 6)) = 1")
            == #"SELECT "obs_id""# + from + " WHERE (\(p) @ \(polygon))")
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE CONTAINS(POINT(ra, dec), POLYGON(POINT(1, 2), POINT(3, 4), POINT(5, 6))) = 1")
            == #"SELECT "obs_id""# + from + " WHERE (\(p) @ \(polygon))")
        // INTERSECTS with a point is CONTAINS; between regions it is pgSphere's overlap.
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE INTERSECTS(CIRCLE(1, 2, 3), POINT(ra, dec)) = 1")
            == #"SELECT "obs_id""# + from + " WHERE (\(p) @ scircle(spoint(radians(1), radians(2)), radians(3)))")
        #expect(sql("SELECT obs_id FROM cdb_latiss.exposure WHERE INTERSECTS(region, CIRCLE(1, 2, 3)) = 1")
            == #"SELECT "obs_id""# + from + #" WHERE ("region" && scircle(spoint(radians(1), radians(2)), radians(3)))"#)
        #expect(sql("SELECT CENTROID(CIRCLE(1, 2, 3)), POINT(ra, dec) FROM cdb_latiss.exposure")
            == "SELECT center(scircle(spoint(radians(1), radians(2)), radians(3))), \(p)" + from)
    }

    @Test func commentsAreDropped() {
        #expect(sql("SELECT a -- the column ' \" /*\n FROM /* a /* nested */ comment */ cdb_latiss.visit1")
            == #"SELECT "a" FROM "cdb_latiss"."visit1""#)
    }
}
