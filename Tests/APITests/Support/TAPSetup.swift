import Foundation
import Postgres
import TAP

/// What the TAP tests query: 60 LATISS exposures of 2025-01-01 spread over a 5° × 3° patch of sky
/// around RA 150°, Dec 2° (some without coordinates, some of each band), written as plain SQL.
enum TAPTestData {
    static let exposures = 60

    static func seed(_ connection: Connection) async throws {
        try await connection.execute("""
            INSERT INTO cdb_latiss.exposure (exposure_id, exposure_name, controller, day_obs, seq_num, s_ra, s_dec,
                obs_start, band, airmass, emulated, img_type)
            SELECT 2025010100000 + i, 'AT_O_20250101_' || lpad(i::text, 6, '0'), 'O', 20250101, i,
                CASE WHEN i % 17 = 0 THEN NULL ELSE 148 + (i % 10) * 0.5 END,
                CASE WHEN i % 17 = 0 THEN NULL ELSE 1 + (i / 10) * 0.5 END,
                TIMESTAMP '2025-01-02 01:00:00' + i * INTERVAL '37.25 seconds',
                (ARRAY['g', 'r', 'i', NULL])[1 + i % 4], 1.0 + i / 100.0, i % 3 = 0,
                CASE WHEN i % 5 = 0 THEN 'bias' ELSE 'science' END
            FROM generate_series(1, \(exposures)) AS i
            """)
    }

    /// The service's settings in tests: small limits, so that overflow is easy to reach.
    static func configuration(basePath: String = "/consdb/tap") -> TAPConfiguration {
        var configuration = TAPConfiguration()
        configuration.basePath = basePath
        configuration.defaultMaxRec = 50
        configuration.maxMaxRec = 1000
        configuration.fetchSize = 7
        configuration.resultsDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("consdb-tap-test-\(UUID().uuidString)").path
        return configuration
    }
}
