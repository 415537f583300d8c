import DevServices
import Foundation
import HeaderFile
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport
import TimeScales

/// The header worker's promises about dead letters and offsets (DESIGN §5.5): every input it cannot turn
/// into rows is dead-lettered once with why, and the committed offset never passes an event whose rows are
/// not written.
@Suite("hinfo: dead letters and committed offsets", .needsConsDBReference, .serialized)
struct HeaderDeadLetterTests {
    /// A header the database refuses (a constraint), one without CONTRLLR, and one above the parser's
    /// size limit each become one dead letter with the reason; read again by another run, each is still
    /// one row, with its attempts counted, and nothing else changes.
    @Test func refusedMissingControllerAndTooLargeHeadersAreDeadLetteredOnceEvenWhenReadAgain() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            // The database's own refusal: a constraint of this test's (SQLSTATE 23514, a fault of the row).
            try await harness.pool.query("ALTER TABLE cdb_latiss.exposure ADD CONSTRAINT test_refuses_308 CHECK (seq_num <> 308)")
            let refused = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: [
                "SEQNUM": .int(308), "OBSID": .string("AT_O_20240801_000308"),
            ])), name: "AT_O_20240801_000308")
            let noController = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: [
                "CONTRLLR": nil, "SEQNUM": .int(309), "OBSID": .string("AT_O_20240801_000309"),
            ])), name: "AT_O_20240801_000309")
            // Valid YAML, one byte over HeaderLimits' default 32 MiB (a comment pads it).
            let limit = HeaderLimits().maximumBytes
            var large = Array("PRIMARY:\n- keyword: SEQNUM\n  value: 310\n#".utf8)
            large += [UInt8](repeating: UInt8(ascii: "x"), count: limit + 1 - large.count - 1) + [UInt8(ascii: "\n")]
            #expect(large.count == limit + 1)
            let tooLarge = try await harness.storeHeader(large, name: "AT_O_20240801_000310")
            let good = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")

            try await harness.running(try harness.makeWorker(group: "first")) {
                try await harness.announce(url: refused, id: "AT_O_20240801_000308")
                try await harness.announce(url: noController, id: "AT_O_20240801_000309")
                try await harness.announce(url: tooLarge, id: "AT_O_20240801_000310")
                try await harness.announce(url: good, id: "AT_O_20240801_000302")
                try await harness.waitUntil("every event handled", within: 60) {
                    let rejected = try await harness.count("SELECT count(*) FROM consdb_ingest.rejected")
                    let written = try await harness.count("SELECT count(*) FROM cdb_latiss.exposure")
                    return rejected == 3 && written == 1
                }
                try await harness.waitUntil("all offsets committed") { try await harness.committedOffset(group: "first") == 4 }
            }
            // Handled side by side (different images): in offset order, not necessarily in the table's.
            let rejections = try await harness.rejections().sorted { $0.offset < $1.offset }
            #expect(rejections.map(\.offset) == [0, 1, 2])
            #expect(rejections.map(\.source) == [refused, noController, tooLarge])
            #expect(rejections[0].error.hasPrefix("write:") && rejections[0].error.contains("test_refuses_308") && rejections[0].error.contains("sqlstate 23514"), "\(rejections[0].error)")
            #expect(rejections[1].error == "map: CONTRLLR is missing: the exposure's controller cannot be NULL", "\(rejections[1].error)")
            #expect(rejections[2].error.hasPrefix("parse:") && rejections[2].error.contains("larger than \(limit) bytes"), "\(rejections[2].error)")
            #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure WHERE seq_num IN (308, 309, 310)") == 0)

            // Read again (a new group starts at the beginning, as a restart before the commit would): the
            // dead letters are refreshed, not added (DeadLetters: one row per input, attempts counted).
            let before = try await harness.pool.query("SELECT id, \"offset\", error, payload FROM consdb_ingest.rejected ORDER BY id").rows
            try await harness.running(try harness.makeWorker(group: "again")) {
                try await harness.waitUntil("the events read again", within: 60) { try await harness.committedOffset(group: "again") == 4 }
            }
            #expect(try await harness.pool.query("SELECT id, \"offset\", error, payload FROM consdb_ingest.rejected ORDER BY id").rows == before)
            #expect(try await harness.pool.query("SELECT attempts FROM consdb_ingest.rejected ORDER BY id").rows == [["2"], ["2"], ["2"]])
            #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 1)
        }
    }

    /// A controller whose schema exists for the instrument but was never applied (here ComCam's simulated
    /// images, `cdb_lsstcomcamsim`): its headers are dead-lettered, the instrument's own go on.
    @Test func aControllerWhoseSchemaIsNotAppliedIsDeadLettered() async throws {
        try await HinfoHarness.with(.lsstComCam) { harness in
            var simulated = DemoObservation(instrument: .lsstComCam, dayObs: 20241201, seqNum: 5, begin: TAITimestamp(iso: "2024-12-02T03:10:00")!)
            simulated.controller = .simulatedImages
            var real = DemoObservation(instrument: .lsstComCam, dayObs: 20241201, seqNum: 6, begin: TAITimestamp(iso: "2024-12-02T03:11:00")!)
            real.controller = .ocs
            let simulatedURL = try await harness.storeHeader(Headers.yaml(DemoHeaders.header(simulated)), name: simulated.observationID, day: "2024/12/01")
            let realURL = try await harness.storeHeader(Headers.yaml(DemoHeaders.header(real)), name: real.observationID, day: "2024/12/01")
            try await harness.running(try harness.makeWorker()) {
                try await harness.announce(url: simulatedURL, id: simulated.observationID)
                try await harness.announce(url: realURL, id: real.observationID)
                try await harness.waitUntil("both events handled") {
                    let rejected = try await harness.count("SELECT count(*) FROM consdb_ingest.rejected")
                    let written = try await harness.count("SELECT count(*) FROM cdb_lsstcomcam.exposure")
                    return rejected == 1 && written == 1
                }
            }
            let rejections = try await harness.rejections()
            #expect(rejections.count == 1)
            #expect(rejections.first?.error.hasPrefix("map:") == true && rejections.first?.error.contains("cdb_lsstcomcamsim") == true, "\(rejections)")
            #expect(rejections.first?.source == simulatedURL)
        }
    }

    /// While the database is away the committed offset stays at the last event whose rows are written,
    /// and nothing is dead-lettered; once it is back the rows appear and the offset moves on.
    @Test func theCommittedOffsetWaitsForTheRowsDuringADatabaseOutage() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let worker = try harness.makeWorker(group: "outage")
            let database = String(harness.databaseURL.split(separator: "/").last!)
            let admin = try await Connection.connect(try TestDatabase.adminURL())
            let first = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            var urls: [String] = []
            for seq in 311...313 {
                urls.append(try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: [
                    "SEQNUM": .int(Int64(seq)), "OBSID": .string("AT_O_20240801_000\(seq)"),
                ])), name: "AT_O_20240801_000\(seq)"))
            }
            let partition = [KafkaTopicPartition(topic: harness.instrument.eventTopic, partition: 0)]
            try await harness.running(worker) {
                try await harness.announce(url: first, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the first commit") { try await worker.consumer.committed(partition).values.first == 1 }

                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS false")
                do {
                    try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()")
                    for (index, url) in urls.enumerated() { try await harness.announce(url: url, id: "AT_O_20240801_00031\(index + 1)") }
                    try await harness.waitUntil("the worker to pause") { worker.ingestor.metrics.isPaused }
                    // Every event taken up (consumed) while paused: none of their offsets is committed.
                    try await harness.waitUntil("the events taken up") {
                        worker.ingestor.metrics.exposition().contains("consdb_hinfo_messages_consumed_total{instrument=\"LATISS\"} 4")
                    }
                    #expect(try await worker.consumer.committed(partition).values.first == 1)
                } catch {
                    _ = try? await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS true")
                    throw error
                }
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS true")
                try await harness.waitUntil("the rows after the database came back", within: 60) {
                    (try? await harness.count("SELECT count(*) FROM cdb_latiss.exposure")) == 4
                }
                try await harness.waitUntil("the offsets committed after the rows") { try await worker.consumer.committed(partition).values.first == 4 }
            }
            #expect(try await harness.rejections().isEmpty)
        }
    }
}
