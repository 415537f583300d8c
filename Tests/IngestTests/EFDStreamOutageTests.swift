import Foundation
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport

/// The stream's promise when ConsDB goes away: a Kafka offset is committed only after the rows that
/// depend on it, so a window whose write cannot happen keeps its data's offsets uncommitted, through a
/// stop, until a later run writes it.
@Suite("EFD stream during a database outage", .serialized)
struct EFDStreamOutageTests {
    /// Readiness is driven by data (samples past the window's end plus the lateness), not by the wall
    /// clock, so the window lies a minute ahead (the stream takes samples up to five minutes ahead) and
    /// closes exactly when the test sends its data. Windows are read from ConsDB only at the start (the
    /// poll interval is longer than the test), so the write, not a window read, is what meets the outage.
    /// Horizons of two and four seconds make data outside the window committable at once: a window
    /// wrongly let go would let the commit pass its data, which these tests would see.
    static var settings: EFDStreamSettings {
        var settings = EFDStreamHarness.quickSettings
        settings.lateness = .seconds(1)
        settings.discoveryHorizon = .seconds(2)
        settings.reopenHorizon = .seconds(4)
        settings.pollInterval = .seconds(600)
        settings.maximumRetryDelay = .milliseconds(500)
        return settings
    }

    @Test func theCommittedOffsetWaitsForTheWindowsRowsThroughAnOutageAndAStop() async throws {
        try await EFDStreamHarness.with { harness in
            let t0 = Date().timeIntervalSince1970.rounded()
            let partition = KafkaTopicPartition(topic: EFDStreamHarness.temperatureTopic, partition: 0)
            // The window, a minute ahead; three samples before it that no window needs (offsets 0-2).
            try await harness.insertExposure(seq: 2, begin: t0 + 60, end: t0 + 62)
            for k in (1...3).reversed() { try await harness.sendTemperature(at: t0 - Double(k), salIndex: 110, items: [0, 0]) }

            let metrics = EFDStreamMetrics(instrument: "LATISS")
            let (worker, consumer) = try harness.worker(group: "outage", settings: Self.settings, metrics: metrics)
            try await withDatabaseAccess(harness) { access in
                try await harness.running(worker, consumer) {
                    try await harness.waitUntil("the window learned and the samples before it committed") {
                        let committed = try await consumer.committed([partition])[partition]
                        // The exposure's window and its visit's.
                        return metrics.reading("consdb_efd_open_windows") == 2 && committed == 0
                    }
                    try await access.block()
                    // The window's data (offsets 3-5, item0 = 1, 2, 3) and samples of both topics past its
                    // end plus the lateness (temperature offset 6): the window is complete, its write fails.
                    for k in 0...2 { try await harness.sendTemperature(at: t0 + 60 + Double(k), salIndex: 110, items: [Float(k + 1), Float(k + 11)]) }
                    try await harness.sendTemperature(at: t0 + 70, salIndex: 110, items: [100, 100])
                    try await harness.sendHexapod(at: t0 + 70, u: 1.5)
                    try await harness.waitUntil("every message taken up") { metrics.reading("consdb_efd_messages_total") == 8 }
                    try await harness.waitUntil("the worker to pause") { metrics.reading("consdb_efd_paused") == 1 }
                    // Committed: at most everything before the window's first sample (offset 3).
                    let committed = try #require(try await consumer.committed([partition])[partition])
                    #expect(committed <= 3)
                }
                // Stopped during the outage, the worker committed what it could: everything before the
                // window's first sample (offset 3), nothing of the window's data.
                let (restarted, restartedConsumer) = try harness.worker(group: "outage", settings: Self.settings)
                #expect(try await restartedConsumer.committed([partition])[partition] == 3)
                try await access.restore()
                #expect(try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd") == 0)
                // A new run reads the window's data again from the commit and writes its row.
                try await harness.running(restarted, restartedConsumer) {
                    try await harness.waitUntil("the window's row") {
                        try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd") == 1
                    }
                }
            }
            let row = try await harness.pool.query("SELECT temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 2").rows
            // Mean of item0 = 1, 2, 3; max of item1 = 11, 12, 13; the hexapod's sample comes after the window.
            #expect(row == [["2", "13", nil]])
            #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.rejected") == 0)
        }
    }

    /// Takes the test database away from everyone (new connections refused, open ones ended) and gives it
    /// back; it is given back on every way out of `body`.
    struct DatabaseAccess {
        let admin: Connection
        let database: String

        func block() async throws {
            try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS false")
            try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()")
        }

        func restore() async throws {
            try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS true")
        }
    }

    func withDatabaseAccess(_ harness: EFDStreamHarness, _ body: (DatabaseAccess) async throws -> Void) async throws {
        let admin = try await Connection.connect(try TestDatabase.adminURL())
        let access = DatabaseAccess(admin: admin, database: String(harness.url.split(separator: "/").last!))
        do {
            try await body(access)
        } catch {
            _ = try? await access.restore()
            throw error
        }
        try await access.restore()
    }
}
