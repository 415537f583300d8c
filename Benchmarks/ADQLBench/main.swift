import ADQL
import Foundation

// Time to parse and translate typical ADQL queries (what every TAP request pays before PostgreSQL sees
// it). Run: swift run -c release adql-bench [iterations]
// Prints, per query, the median of 7 rounds of `iterations` parse+translate calls, in microseconds per call.

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
let catalog = ADQLCatalog(tables: [
    ADQLTableName(schema: "cdb_lsstcam", table: "exposure"),
    ADQLTableName(schema: "cdb_lsstcam", table: "visit1_quicklook"),
    ADQLTableName(schema: "cdb_lsstcam", table: "ccdexposure"),
    ADQLTableName(schema: "tap_schema", table: "columns"),
])
let translator = ADQLTranslator(catalog: catalog)
let queries: [(String, String)] = [
    ("simple", "SELECT TOP 10 exposure_id, day_obs, seq_num, band FROM cdb_lsstcam.exposure WHERE day_obs = 20250601 ORDER BY seq_num"),
    ("cone", """
        SELECT exposure_id, s_ra, s_dec, DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 150.1, 2.2)) AS dist
        FROM cdb_lsstcam.exposure WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 150.1, 2.2, 1.75)) = 1
        ORDER BY dist
        """),
    ("join + aggregate", """
        SELECT e.band, COUNT(*) AS n, AVG(q.psf_sigma_median) AS psf, MAX(e.airmass) AS worst
        FROM cdb_lsstcam.exposure AS e JOIN cdb_lsstcam.visit1_quicklook AS q ON q.visit_id = e.exposure_id
        WHERE e.day_obs BETWEEN 20250601 AND 20250630 AND e.img_type IN ('science', 'acq')
        GROUP BY e.band HAVING COUNT(*) > 10 ORDER BY n DESC
        """),
    ("subquery + case", """
        SELECT exposure_id, CASE WHEN airmass < 1.2 THEN 'good' WHEN airmass < 1.5 THEN 'fair' ELSE 'poor' END AS grade,
               COALESCE(target_name, 'none') AS target, ROUND(exp_time, 1) AS t
        FROM cdb_lsstcam.exposure
        WHERE exposure_id IN (SELECT exposure_id FROM cdb_lsstcam.ccdexposure WHERE detector = 94)
          AND LOWER(science_program) LIKE 'block-%' OFFSET 5
        """),
    ("TAP_SCHEMA", "SELECT column_name, datatype, unit, ucd FROM TAP_SCHEMA.columns WHERE table_name = 'cdb_lsstcam.exposure'"),
]

print("ADQL parse + translate, \(iterations) calls per round, median of 7 rounds (release build)")
for (name, query) in queries {
    _ = try translator.translate(query)
    var rounds: [Double] = []
    for _ in 0..<7 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { _ = try translator.translate(query) }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        rounds.append(seconds / Double(iterations) * 1e6)
    }
    rounds.sort()
    print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%8.1f µs per query (%d characters)", rounds[3], query.count))
}
