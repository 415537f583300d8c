import ADQL
import Foundation
import Postgres
import Testing
import TestSupport

/// Translated queries run on real PostgreSQL with pgSphere: they parse, and they return what
/// hand-written SQL (or an independent computation) says they should.
@Suite("ADQL on PostgreSQL with pgSphere")
struct PostgresExecutionTests {
    static let catalog = ADQLCatalog(tables: [
        ADQLTableName(schema: "cdb_test_adql", table: "obs"),
        ADQLTableName(schema: "cdb_test_adql", table: "Tags"),
    ])
    static let translator = ADQLTranslator(catalog: catalog)
    static let center = (ra: 150.1, dec: 2.2)

    /// Rows of `obs`: a ring of points around (150.1, 2.2) at known distances and bearings, and points
    /// elsewhere (near RA 0 to test wrapping, near a pole).
    static let rows: [(n: Int, ra: Double, dec: Double, band: String?, distance: Double?)] = {
        var rows: [(Int, Double, Double, String?, Double?)] = []
        let distances = [0.0, 0.3, 0.9, 1.5, 1.7, 1.74, 1.76, 1.8, 2.5, 5.0]
        let bands: [String?] = ["g", "r", "i", nil, "z"]
        for (i, distance) in distances.enumerated() {
            for (j, bearing) in [0.0, 75.0, 200.0].enumerated() {
                let (ra, dec) = destination(ra: center.ra, dec: center.dec, bearing: bearing, distance: distance)
                rows.append((rows.count + 1, ra, dec, bands[(i + j) % bands.count], distance))
            }
        }
        for (ra, dec) in [(359.5, 0.0), (0.5, 0.5), (10.0, -30.0), (45.0, 89.5), (200.0, -60.0)] {
            rows.append((rows.count + 1, ra, dec, "y", nil))
        }
        return rows
    }()

    /// The point `distance` degrees from (ra, dec) along `bearing` (degrees east of north).
    static func destination(ra: Double, dec: Double, bearing: Double, distance: Double) -> (Double, Double) {
        let (φ1, λ1, θ, δ) = (dec * .pi / 180, ra * .pi / 180, bearing * .pi / 180, distance * .pi / 180)
        let φ2 = asin(sin(φ1) * cos(δ) + cos(φ1) * sin(δ) * cos(θ))
        let λ2 = λ1 + atan2(sin(θ) * sin(δ) * cos(φ1), cos(δ) - sin(φ1) * sin(φ2))
        var ra2 = λ2 * 180 / .pi
        if ra2 < 0 { ra2 += 360 }
        return (ra2, φ2 * 180 / .pi)
    }

    static func withTable<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            // The throwaway cluster's owner is a superuser, so the extension can be created when the
            // Debian package postgresql-15-pgsphere is installed; if not, this fails with PostgreSQL's reason.
            try await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_sphere")
            try await connection.execute("""
                CREATE SCHEMA cdb_test_adql;
                CREATE TABLE cdb_test_adql.obs (n integer PRIMARY KEY, ra double precision NOT NULL, dec double precision NOT NULL, band text);
                CREATE TABLE cdb_test_adql."Tags" (n integer, "Tag" text);
                INSERT INTO cdb_test_adql."Tags" VALUES (1, 'first'), (2, 'second'), (2, 'again'), (99, 'orphan');
                """)
            let values = rows.map { row in
                "(\(row.n), \(row.ra), \(row.dec), \(row.band.map { "'\($0)'" } ?? "NULL"))"
            }.joined(separator: ", ")
            try await connection.execute("INSERT INTO cdb_test_adql.obs VALUES " + values)
            return try await body(connection)
        }
    }

    static func run(_ connection: Connection, _ adql: String) async throws -> [[String?]] {
        let translation = try translator.translate(adql)
        do {
            return try await connection.query("\(unsafeRaw: translation.sql)").rows
        } catch {
            Issue.record("\(adql)\n→ \(translation.sql)\n→ \(error)")
            throw error
        }
    }

    static func rows(_ connection: Connection, sql: String) async throws -> [[String?]] {
        try await connection.query("\(unsafeRaw: sql)").rows
    }

    @Test func containsSelectsThePointsInsideTheCircle() async throws {
        try await Self.withTable { connection in
            let got = try await Self.run(connection, """
                SELECT n FROM cdb_test_adql.obs
                WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 1 ORDER BY n
                """).map { Int($0[0]!)! }
            let expected = Self.rows.filter { ($0.distance ?? 99) < 1.75 }.map(\.n)
            #expect(got == expected)
            #expect(expected.count == 18)
            let outside = try await Self.run(connection, """
                SELECT COUNT(*) FROM cdb_test_adql.obs
                WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 0
                """)
            #expect(outside == [[String(Self.rows.count - expected.count)]])
        }
    }

    @Test func containsCanUseAGeometryIndex() async throws {
        try await Self.withTable { connection in
            try await connection.execute("""
                CREATE INDEX obs_position ON cdb_test_adql.obs USING gist (spoint(radians(ra), radians(dec)));
                ANALYZE cdb_test_adql.obs;
                SET enable_seqscan = off;
                """)
            let translation = try Self.translator.translate(
                "SELECT n FROM cdb_test_adql.obs WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 1")
            let plan = try await Self.rows(connection, sql: "EXPLAIN " + translation.sql).compactMap { $0[0] }.joined(separator: "\n")
            #expect(plan.contains("obs_position"), "\(plan)")
            let polygon = try Self.translator.translate(
                "SELECT n FROM cdb_test_adql.obs WHERE CONTAINS(POINT(ra, dec), POLYGON(149, 1, 151, 1, 151, 3, 149, 3)) = 1")
            let polygonPlan = try await Self.rows(connection, sql: "EXPLAIN " + polygon.sql).compactMap { $0[0] }.joined(separator: "\n")
            #expect(polygonPlan.contains("obs_position"), "\(polygonPlan)")
        }
    }

    /// ADQL and the SQL a person would write for it give the same rows.
    @Test func resultsEqualHandWrittenSQL() async throws {
        let cases: [(adql: String, sql: String)] = [
            ("SELECT TOP 5 n, ra FROM cdb_test_adql.obs ORDER BY ra DESC OFFSET 2",
             "SELECT n, ra FROM cdb_test_adql.obs ORDER BY ra DESC LIMIT 5 OFFSET 2"),
            ("SELECT band, COUNT(*) AS c, COUNT(DISTINCT n), ROUND(AVG(dec), 3) FROM cdb_test_adql.obs GROUP BY band HAVING COUNT(*) > 1 ORDER BY c DESC, band",
             "SELECT band, count(*) AS c, count(DISTINCT n), round(avg(dec)::numeric, 3)::float8 FROM cdb_test_adql.obs GROUP BY band HAVING count(*) > 1 ORDER BY c DESC, band"),
            ("SELECT o.n, t.\"Tag\" FROM cdb_test_adql.obs AS o LEFT JOIN cdb_test_adql.\"Tags\" t ON o.n = t.n WHERE o.n < 4 ORDER BY 1, 2",
             "SELECT o.n, t.\"Tag\" FROM cdb_test_adql.obs o LEFT JOIN cdb_test_adql.\"Tags\" t ON o.n = t.n WHERE o.n < 4 ORDER BY 1, 2"),
            ("SELECT n, \"Tag\" FROM cdb_test_adql.obs NATURAL FULL OUTER JOIN cdb_test_adql.\"Tags\" WHERE n > 30 OR n < 3 ORDER BY n, 2",
             "SELECT n, \"Tag\" FROM cdb_test_adql.obs NATURAL FULL JOIN cdb_test_adql.\"Tags\" WHERE n > 30 OR n < 3 ORDER BY n, 2"),
            ("SELECT n FROM cdb_test_adql.obs JOIN cdb_test_adql.\"Tags\" USING (n) ORDER BY n",
             "SELECT n FROM cdb_test_adql.obs JOIN cdb_test_adql.\"Tags\" USING (n) ORDER BY n"),
            ("WITH near AS (SELECT n FROM cdb_test_adql.obs WHERE n <= 6) SELECT COUNT(*) FROM near, cdb_test_adql.obs o WHERE near.n = o.n",
             "SELECT count(*) FROM cdb_test_adql.obs WHERE n <= 6"),
            ("SELECT s.b, s.c FROM (SELECT band AS b, COUNT(*) AS c FROM cdb_test_adql.obs GROUP BY band) AS s WHERE s.b IS NOT NULL ORDER BY s.b",
             "SELECT band, count(*) FROM cdb_test_adql.obs WHERE band IS NOT NULL GROUP BY band ORDER BY band"),
            ("SELECT n FROM cdb_test_adql.obs WHERE band = 'g' UNION SELECT n FROM cdb_test_adql.obs WHERE band = 'r' EXCEPT SELECT n FROM cdb_test_adql.obs WHERE n > 10 ORDER BY 1",
             "SELECT n FROM cdb_test_adql.obs WHERE band IN ('g', 'r') AND n <= 10 ORDER BY 1"),
            ("SELECT n FROM cdb_test_adql.obs WHERE band IN ('g', 'i') INTERSECT ALL SELECT n FROM cdb_test_adql.obs WHERE n BETWEEN 3 AND 12 ORDER BY n",
             "SELECT n FROM cdb_test_adql.obs WHERE band IN ('g', 'i') AND n BETWEEN 3 AND 12 ORDER BY n"),
            ("SELECT n FROM cdb_test_adql.obs o WHERE EXISTS (SELECT 1 FROM cdb_test_adql.\"Tags\" t WHERE t.n = o.n) AND n NOT IN (SELECT n FROM cdb_test_adql.\"Tags\" WHERE \"Tag\" LIKE 'f%') ORDER BY n",
             "SELECT 2"),
            ("SELECT n, CASE WHEN band IS NULL THEN 'none' WHEN band ILIKE 'G' THEN 'green' ELSE UPPER(band) || '!' END, COALESCE(band, '-') FROM cdb_test_adql.obs WHERE n <= 5 ORDER BY n",
             "SELECT n, CASE WHEN band IS NULL THEN 'none' WHEN band = 'g' THEN 'green' ELSE upper(band) || '!' END, coalesce(band, '-') FROM cdb_test_adql.obs WHERE n <= 5 ORDER BY n"),
            ("SELECT ABS(-2.5), CEILING(1.2), FLOOR(-1.2), ROUND(2.567, 2), ROUND(1234.5, -2), TRUNCATE(2.567, 1), TRUNCATE(-2.5), MOD(7, 3), MOD(7.5, 2), POWER(2, 10), SQRT(16.0), LOG(EXP(1.0)), LOG10(1000.0), DEGREES(PI()), RADIANS(180.0) FROM cdb_test_adql.obs WHERE n = 1",
             "SELECT 2.5, 2, -2, 2.57::float8, 1200::float8, 2.5::float8, -2::float8, 1, 1.5, 1024, sqrt(16.0), ln(exp(1.0)), log(1000.0), 180, pi()"),
            ("SELECT SIN(0.0), COS(0.0), TAN(0.0), ASIN(1.0) * 2, ACOS(1.0), ATAN(0.0), ATAN2(1.0, 1.0) * 4, COT(PI() / 4) FROM cdb_test_adql.obs WHERE n = 1",
             "SELECT 0::float8, 1::float8, 0::float8, pi(), 0::float8, 0::float8, pi(), 1.0000000000000002::float8"),
            ("SELECT CAST(2.7 AS INTEGER), CAST(n AS VARCHAR(3)) || 'x', CAST('2021-01-14T11:25:00' AS TIMESTAMP), CAST(1 AS DOUBLE PRECISION) / 4, 0x10 + 1, 1.5E2 FROM cdb_test_adql.obs WHERE n = 12",
             "SELECT 3, '12x', '2021-01-14 11:25:00'::timestamp, 0.25::float8, 17, 150"),
            ("SELECT 'it''s' || ' ok', LOWER('ABC'), 'back\\slash''s' FROM cdb_test_adql.obs WHERE n = 1",
             "SELECT 'it''s ok', 'abc', E'back\\\\slash\\'s'"),
            ("SELECT (SELECT MAX(n) FROM cdb_test_adql.obs) - n FROM cdb_test_adql.obs WHERE n = 30",
             "SELECT 5"),
        ]
        try await Self.withTable { connection in
            for (adql, sql) in cases {
                let got = try await Self.run(connection, adql)
                let expected = try await Self.rows(connection, sql: sql)
                #expect(got == expected, "\(adql)")
            }
        }
    }

    @Test func geometryValuesAreInDegrees() async throws {
        try await Self.withTable { connection in
            let got = try await Self.run(connection, """
                SELECT DISTANCE(POINT(0, 0), POINT(0, 1)), DISTANCE(10, 0, 11, 0),
                       COORD1(POINT(350.5, -20.25)), COORD2(POINT('ICRS', 350.5, -20.25)),
                       AREA(CIRCLE(0, 0, 1)), COORDSYS(POINT(1, 2)),
                       CONTAINS(POINT(1, 1), BOX(0, 0, 4, 4)), CONTAINS(POINT(1, 3), BOX(POINT(0, 0), 4, 4)),
                       CONTAINS(POINT(0.2, 0.2), POLYGON(POINT(0, 0), POINT(1, 0), POINT(0, 1))),
                       INTERSECTS(CIRCLE(0, 0, 1), CIRCLE(1.5, 0, 1)), INTERSECTS(CIRCLE(0, 0, 1), CIRCLE(3, 0, 1)),
                       COORD1(CENTROID(CIRCLE(20, 30, 1))), CONTAINS(POINT(359.9, 0), BOX(0, 0, 1, 1))
                FROM cdb_test_adql.obs WHERE n = 1
                """)[0]
            func number(_ i: Int) -> Double { Double(got[i] ?? "nan") ?? .nan }
            #expect(abs(number(0) - 1) < 1e-9)
            #expect(abs(number(1) - 1) < 1e-9)
            #expect(abs(number(2) - 350.5) < 1e-9)
            #expect(abs(number(3) + 20.25) < 1e-9)
            // A cap of 1° radius: 2π(1 − cos 1°) steradians, in square degrees.
            let cap = 2 * Double.pi * (1 - cos(Double.pi / 180)) * pow(180 / Double.pi, 2)
            #expect(abs(number(4) - cap) < 1e-6)
            #expect(Array(got[5...]) == ["ICRS", "1", "0", "1", "1", "0", got[11], "1"])
            #expect(abs(number(11) - 20) < 1e-9)
        }
    }

    /// Random valid queries (seeded) all run: the translator's SQL is always well-formed for PostgreSQL.
    @Test func randomQueriesRun() async throws {
        var queries = RandomQueries(random: TestSeed.generator(default: 4242))
        try await Self.withTable { connection in
            for _ in 0..<300 {
                let adql = queries.query()
                _ = try await Self.run(connection, adql)
            }
        }
    }
}
