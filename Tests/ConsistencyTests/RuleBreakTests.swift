import Consistency
import Foundation
import Ingest
import Postgres
import Testing
import TestSupport

/// Correct days pass every shipped rule; a day broken in one way fails exactly the rule about that.
@Suite("consistency rules on correct and broken days", .needsConsDBReference, .serialized)
struct RuleBreakTests {
    typealias DB = ConsistencyDatabase

    /// A break: the SQL that makes it (on a correct LSSTCam day) and the rule and seq_num it must fail.
    struct Break: Sendable, CustomStringConvertible {
        var rule: String
        var seqNum: Int?
        var sql: [String]
        var description: String { rule }
    }

    static let day = DB.day.value
    static let lsstcamBreaks: [Break] = [
        Break(rule: "ccdexposure_completeness", seqNum: 3, sql: ["DELETE FROM cdb_lsstcam.ccdexposure WHERE seq_num = 3 AND detector = 189"]),
        Break(rule: "exposure_id_encoding", seqNum: 1, sql: [
            "UPDATE cdb_lsstcam.exposure SET exposure_id = exposure_id + 50000 WHERE seq_num = 1",
            "UPDATE cdb_lsstcam.ccdexposure SET exposure_id = exposure_id + 50000 WHERE seq_num = 1",
            "UPDATE cdb_lsstcam.exposure_quicklook SET exposure_id = exposure_id + 50000 WHERE seq_num = 1",
            "UPDATE cdb_lsstcam.visit1_quicklook SET visit_id = visit_id + 50000 WHERE seq_num = 1",
            "UPDATE efd_lsstcam.exposure_efd SET exposure_id = exposure_id + 50000 WHERE seq_num = 1",
            "UPDATE efd_lsstcam.visit1_efd SET visit_id = visit_id + 50000 WHERE seq_num = 1",
        ]),
        Break(rule: "ccdexposure_key_agreement", seqNum: 1, sql: ["UPDATE cdb_lsstcam.ccdexposure SET seq_num = 1001 WHERE seq_num = 1 AND detector = 5"]),
        Break(rule: "no_guider_products", seqNum: 1, sql: [
            "INSERT INTO cdb_lsstcam.ccdexposure_quicklook (ccdexposure_id, day_obs, seq_num, detector) VALUES (\(DB.ccdID(1, 190)), \(day), 1, 190)",
        ]),
        Break(rule: "exposure_quicklook_coverage", seqNum: 2, sql: ["DELETE FROM cdb_lsstcam.exposure_quicklook WHERE seq_num = 2"]),
        Break(rule: "visit1_quicklook_coverage", seqNum: 6, sql: ["DELETE FROM cdb_lsstcam.visit1_quicklook WHERE seq_num = 6"]),
        Break(rule: "ccdexposure_quicklook_coverage", seqNum: 3, sql: ["DELETE FROM cdb_lsstcam.ccdexposure_quicklook WHERE seq_num = 3 AND detector = 7"]),
        Break(rule: "ccdvisit1_quicklook_coverage", seqNum: 2, sql: ["DELETE FROM cdb_lsstcam.ccdvisit1_quicklook WHERE seq_num = 2 AND detector = 7"]),
        Break(rule: "no_calibration_science_products", seqNum: 4, sql: [
            "INSERT INTO cdb_lsstcam.ccdvisit1_quicklook (ccdvisit_id, day_obs, seq_num, detector) VALUES (\(DB.ccdID(4, 0)), \(day), 4, 0)",
        ]),
        Break(rule: "exposure_efd_coverage", seqNum: 5, sql: ["DELETE FROM efd_lsstcam.exposure_efd WHERE seq_num = 5"]),
        Break(rule: "visit1_efd_coverage", seqNum: 5, sql: ["DELETE FROM efd_lsstcam.visit1_efd WHERE seq_num = 5"]),
        Break(rule: "dead_letters", seqNum: nil, sql: [
            "INSERT INTO consdb_ingest.rejected (worker, error, rejected_at) VALUES ('hinfo LSSTCam', 'bad header', '2024-08-02 01:00:00+00')",
        ]),
        Break(rule: "efd_batch_failures", seqNum: nil, sql: [
            "INSERT INTO consdb_ingest.efd_batch_task (instrument, interval_start, interval_end, state, attempts, error) VALUES ('lsstcam', '2024-08-02 02:00+00', '2024-08-02 03:00+00', 'failed', 3, 'InfluxDB said 500')",
        ]),
    ]

    /// What a correct day also holds, none of which is a violation: dead letters and failed tasks of other
    /// days and other instruments, done tasks of the day, and the next day's exposures.
    static let noise = [
        "INSERT INTO consdb_ingest.rejected (worker, source, error, rejected_at) VALUES ('hinfo LSSTCam', 'a', 'old', '2024-08-01 11:59:59+00'), ('hinfo LSSTCam', 'b', 'next day', '2024-08-02 12:00:00+00'), ('hinfo LSSTComCam', 'c', 'other instrument', '2024-08-02 01:00:00+00')",
        "INSERT INTO consdb_ingest.efd_batch_task (instrument, interval_start, interval_end, state) VALUES ('lsstcam', '2024-08-02 00:00+00', '2024-08-02 01:00+00', 'done')",
        "INSERT INTO consdb_ingest.efd_batch_task (instrument, interval_start, interval_end, state, error) VALUES ('lsstcam', '2024-08-03 00:00+00', '2024-08-03 01:00+00', 'failed', 'another day'), ('lsstcomcam', '2024-08-02 00:00+00', '2024-08-02 01:00+00', 'failed', 'another instrument')",
    ]

    @Test func correctDaysPassEveryRule() async throws {
        try await DB.with { db in
            try await db.writeLSSTCamDay()
            try await db.writeLSSTCamDay(day: DayObs("20240802")!)
            try await db.writeLATISSDay()
            for sql in Self.noise { _ = try await db.connection.execute(sql) }
            for instrument in ["lsstcam", "latiss"] {
                let report = try await db.check(instrument)
                #expect(report.violations == [], "\(instrument)")
                #expect(report.notChecked.isEmpty, "\(instrument): \(report.notChecked)")
                #expect(report.outcomes.count == (try DB.rules(instrument)).rules.count)
            }
        }
    }

    @Test(arguments: lsstcamBreaks)
    func eachBreakFailsExactlyItsRule(_ broken: Break) async throws {
        try await DB.with { db in
            try await db.writeLSSTCamDay()
            for sql in Self.noise + broken.sql { _ = try await db.connection.execute(sql) }
            let report = try await db.check("lsstcam")
            #expect(Set(report.violations.map(\.rule)) == [broken.rule], "\(report.violations)")
            #expect(report.violations.map(\.seqNum) == [broken.seqNum])
            #expect(report.violations.allSatisfy { $0.dayObs == Self.day && !$0.detail.isEmpty })
            #expect(report.notChecked.isEmpty)
        }
    }

    @Test func latissBreaks() async throws {
        try await DB.with { db in
            try await db.writeLATISSDay()
            _ = try await db.connection.execute("INSERT INTO cdb_latiss.ccdexposure (ccdexposure_id, exposure_id, day_obs, seq_num, detector) VALUES (\(DB.ccdID(2, 1)), \(DB.exposureID(2)), \(Self.day), 2, 1)")
            _ = try await db.connection.execute("DELETE FROM cdb_latiss.exposure_quicklook WHERE seq_num = 1")
            let report = try await db.check("latiss")
            #expect(report.violations.map(\.rule) == ["ccdexposure_completeness", "exposure_quicklook_coverage"])
            #expect(report.violations.map(\.seqNum) == [2, 1])
            #expect(report.violations[0].detail.contains("outside the set: 1"), "\(report.violations[0].detail)")
        }
    }

    @Test func efdCoverageWaitsForTheStreamsMaximumWait() async throws {
        try await DB.with { db in
            // An exposure that ended just now has no EFD row yet: not a violation within the wait.
            try await db.writeLSSTCamDay([.init(seq: 1, imgType: "science")], obsEnd: "now() AT TIME ZONE 'UTC'")
            _ = try await db.connection.execute("DELETE FROM efd_lsstcam.exposure_efd")
            #expect(try await db.check("lsstcam").violations.isEmpty)
            _ = try await db.connection.execute("UPDATE cdb_lsstcam.exposure SET obs_end = obs_end - interval '2 hours'")
            #expect(try await db.check("lsstcam").violations.map(\.rule) == ["exposure_efd_coverage"])
        }
    }

    @Test func alertMessageCollapsesRuns() async throws {
        try await DB.with { db in
            try await db.writeLSSTCamDay()
            _ = try await db.connection.execute("DELETE FROM cdb_lsstcam.visit1_quicklook WHERE seq_num IN (1, 2, 3, 6)")
            _ = try await db.connection.execute(Self.lsstcamBreaks.first { $0.rule == "dead_letters" }!.sql[0])
            let report = try await db.check("lsstcam")
            #expect(report.alertMessage == "dead_letters failed 1 time; visit1_quicklook_coverage failed for seq_num 1-3,6")
        }
    }

    @Test func missingTablesAndUnreadableSchemasAreReportedNotFatal() async throws {
        try await DB.with { db in
            try await db.writeLSSTCamDay()
            _ = try await db.connection.execute("DROP TABLE cdb_lsstcam.ccdvisit1_quicklook")
            let report = try await ConsistencyChecker.run(try DB.rules("lsstcam"), day: DB.day, on: db.connection, ingestUnavailable: "not checked: needs CONSDB_CONSISTENCY_DATABASE_URL")
            let reasons = Dictionary(uniqueKeysWithValues: report.notChecked.map { ($0.rule, $0.reason) })
            #expect(reasons["ccdvisit1_quicklook_coverage"] == "table cdb_lsstcam.ccdvisit1_quicklook does not exist")
            #expect(reasons["no_guider_products"] == "table cdb_lsstcam.ccdvisit1_quicklook does not exist")
            #expect(reasons["dead_letters"] == "not checked: needs CONSDB_CONSISTENCY_DATABASE_URL")
            #expect(reasons["efd_batch_failures"] != nil)
            #expect(report.violations.isEmpty)
            // A column a site's schema lacks: that rule only is refused by the database.
            _ = try await db.connection.execute("ALTER TABLE cdb_lsstcam.exposure RENAME COLUMN img_type TO image_type")
            let again = try await db.check("lsstcam")
            #expect(again.notChecked.contains { $0.rule == "exposure_quicklook_coverage" && $0.reason.contains("img_type") })
            #expect(again.outcomes.contains { $0.rule.name == "exposure_id_encoding" && $0.notChecked == nil })
        }
    }

    @Test func runsAreRecorded() async throws {
        try await DB.with { db in
            try await db.writeLSSTCamDay()
            _ = try await db.connection.execute("DELETE FROM cdb_lsstcam.visit1_quicklook WHERE seq_num = 6")
            try await CheckLog.record(try await db.check("lsstcam"), on: db.connection)
            try await CheckLog.record(try await db.check("latiss"), on: db.connection)
            let latest = try await CheckLog.latestRuns(on: db.connection)
            #expect(latest.map(\.instrument) == ["latiss", "lsstcam"])
            #expect(latest.map(\.count) == [0, 1])
            let stored = try await db.connection.query("SELECT violations->0->>'rule', violations->0->>'seq_num' FROM consdb_ingest.consistency_check WHERE instrument = 'lsstcam'").rows
            #expect(stored == [["visit1_quicklook_coverage", "6"]])
        }
    }
}
