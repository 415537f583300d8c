import Fetch
import Foundation
import HeaderFile
import DevServices
import Ingest
import Postgres
import Testing
import TestSupport
import TimeScales

/// The whole path against real services: an event on Kafka (Avro, Confluent framing, registry) points at
/// a header in S3 (moto_server), and rows appear in PostgreSQL.
@Suite("hinfo: Kafka event -> S3 header -> rows", .needsConsDBReference, .serialized)
struct HeaderEventWorkerTests {
    @Test func realHeaderThroughTheWholePath() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let url = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            let worker = try harness.makeWorker()
            try await harness.running(worker) {
                try await harness.announce(url: url, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the exposure row") {
                    try await harness.count("SELECT count(*) FROM cdb_latiss.ccdexposure") == 1
                }
                // The offset is committed: a new member of the group would have nothing left to read.
                try await harness.waitUntil("the commit") {
                    try await worker.consumer.committed([.init(topic: harness.instrument.eventTopic, partition: 0)]).values.first == 1
                }
            }
            let row = try #require(try await harness.pool.query("""
                SELECT exposure_id, exposure_name, controller, day_obs, seq_num, physical_filter, band, s_ra, s_dec, sky_rotation,
                       azimuth_start, azimuth_end, azimuth, altitude_start, altitude_end, altitude,
                       zenith_distance_start, zenith_distance_end, zenith_distance, airmass,
                       exp_midpt, exp_midpt_mjd, obs_start, obs_start_mjd, obs_end, obs_end_mjd,
                       exp_time, shut_time, dark_time, group_id, cur_index, max_index, img_type, emulated,
                       science_program, observation_reason, target_name, air_temp, pressure, humidity, wind_speed, wind_dir,
                       dimm_seeing, shut_lower, shut_upper, focus_z, dome_azimuth, simulated, vignette, vignette_min,
                       scheduler_note, s_region, can_see_sky
                FROM cdb_latiss.exposure
                """).records.first)
            func text(_ name: String) -> String? { row[name] }
            func number(_ name: String) -> Double? { row[name].flatMap(Double.init) }
            #expect(text("exposure_id") == "2024080100302")
            #expect(text("exposure_name") == "AT_O_20240801_000302")
            #expect(text("controller") == "O")
            #expect(text("day_obs") == "20240801")
            #expect(text("seq_num") == "302")
            #expect(text("physical_filter") == "SDSSr_65mm~empty")
            #expect(text("band") == "r")
            #expect(text("s_ra") == nil && text("s_dec") == nil && text("airmass") == nil && text("s_region") == nil)
            #expect(number("sky_rotation") == 2.4620564838684063)
            // `float` columns are real (single precision): compare at that precision.
            let reals: [String: Double] = [
                "azimuth_start": 188.76149903304022, "azimuth_end": 188.76144577649436, "azimuth": 188.76147240477508,
                "altitude_start": 38.960695248799894, "altitude_end": 38.960736728966296, "altitude": 38.96071598888612,
                "zenith_distance_start": 51.039304751200106, "zenith_distance_end": 51.039263271033704, "zenith_distance": 51.03928401111388,
                "exp_time": 0.93, "shut_time": 0.93, "dark_time": 1.1633970737457275, "air_temp": 8.95, "pressure": 73580,
                "humidity": 28, "wind_speed": 18.59819984436035, "wind_dir": 13.384214401245117, "shut_lower": 0, "shut_upper": 0,
                "focus_z": 0, "dome_azimuth": 2.58,
            ]
            for (name, expected) in reals {
                let actual = try #require(number(name), "\(name) is NULL")
                #expect(abs(actual - expected) <= abs(expected) * 1e-6 + 1e-6, "\(name): \(actual) vs \(expected)")
            }
            #expect(text("exp_midpt") == "2024-08-01 17:20:54.552")
            #expect(text("obs_start") == "2024-08-01 17:20:53.97")
            #expect(text("obs_end") == "2024-08-01 17:20:55.134")
            #expect(abs(number("obs_start_mjd")! - 60523.72284687701) < 1e-9)
            #expect(abs(number("obs_end_mjd")! - 60523.722860347225) < 1e-9)
            #expect(abs(number("exp_midpt_mjd")! - 60523.72285361212) < 1e-9)
            #expect(text("group_id") == "BL271_O_20240801_000001")
            #expect(text("cur_index") == "1" && text("max_index") == "1")
            #expect(text("img_type") == "flat")
            #expect(text("emulated") == "f")
            #expect(text("simulated") == "f")
            #expect(text("can_see_sky") == "f")
            #expect(text("science_program") == "BLOCK-271")
            #expect(text("observation_reason") == "block-271_1")
            #expect(text("target_name") == "FlatField position")
            #expect(text("dimm_seeing") == nil)
            #expect(text("vignette") == "FULLY" && text("vignette_min") == "FULLY")
            #expect(text("scheduler_note") == "here is a test OBSANNOT string")
            let detector = try await harness.pool.query("SELECT ccdexposure_id, exposure_id, day_obs, seq_num, detector FROM cdb_latiss.ccdexposure").rows
            #expect(detector == [["44677803520", "2024080100302", "20240801", "302", "0"]])
            #expect(try await harness.rejections().isEmpty)
        }
    }

    @Test func lsstCamHeaderWithEveryDetector() async throws {
        try await HinfoHarness.with(.lsstCam) { harness in
            var observation = DemoObservation(instrument: .lsstCam, dayObs: 20261124, seqNum: 12, begin: TAITimestamp(iso: "2026-11-25T03:10:00")!)
            observation.declination = -35
            let header = DemoHeaders.header(observation)
            let url = try await harness.storeHeader(Headers.yaml(header), name: observation.observationID, day: "2026/11/24")
            try await harness.running(try harness.makeWorker()) {
                try await harness.announce(url: url, id: observation.observationID)
                try await harness.waitUntil("205 detector rows") {
                    try await harness.count("SELECT count(*) FROM cdb_lsstcam.ccdexposure") == 205
                }
            }
            let ids = try await harness.pool.query("SELECT detector, ccdexposure_id FROM cdb_lsstcam.ccdexposure ORDER BY detector").rows
            #expect(ids.map { Int($0[0]!)! } == Array(0...204))
            #expect(ids[94][1] == String(try DetectorExposureID.make(exposureID: 2026112400012, detector: 94)))
            let exposure = try #require(try await harness.pool.query("SELECT s_ra, s_dec, altitude, azimuth, altitude_start, airmass, pressure, simulated, can_see_sky FROM cdb_lsstcam.exposure").records.first)
            #expect(Double(exposure["s_ra"]!) == observation.rightAscension)
            #expect(Double(exposure["pressure"]!) == 74450)  // 744.5 hPa in the header
            #expect(exposure["simulated"] == "f")
            #expect(exposure["can_see_sky"] == "t")
            // Mid-exposure alt/az is between start and end for a tracked field.
            #expect(abs(Double(exposure["altitude"]!)! - Double(exposure["altitude_start"]!)!) < 0.2)
        }
    }

    @Test func badInputsGoToTheDeadLetterTableAndTheRestFlowsOn() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            var settings = HeaderEventSettings()
            settings.headerWait = .milliseconds(600)
            settings.headerPollInterval = .milliseconds(50)
            settings.concurrency = 2
            let worker = try harness.makeWorker(settings: settings)
            let good = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            let malformed = try await harness.storeHeader(Array("PRIMARY:\n- keyword: OBSID\n  value: 'unterminated\n".utf8), name: "AT_O_20240801_000303")
            let noSeqNum = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: ["SEQNUM": nil])), name: "AT_O_20240801_000304")
            let neverWritten = harness.headerURL(name: "AT_O_20240801_000305")
            let ccsHeader = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: ["CONTRLLR": .string("C"), "SEQNUM": .int(306)])), name: "AT_C_20240801_000306")
            let laterGood = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: ["SEQNUM": .int(307), "OBSID": .string("AT_O_20240801_000307")])), name: "AT_O_20240801_000307")
            try await harness.running(worker) {
                try await harness.announce(url: neverWritten, id: "AT_O_20240801_000305")
                try await harness.announce(url: malformed, id: "AT_O_20240801_000303")
                try await harness.producer.send(topic: harness.instrument.eventTopic, value: [0, 0, 0, 0, 99, 1, 2, 3])  // unknown schema id
                try await harness.producer.send(topic: harness.instrument.eventTopic, value: Array("not avro".utf8))
                try await harness.announce(url: noSeqNum, id: "AT_O_20240801_000304")
                try await harness.announce(url: good, id: "AT_O_20240801_000302")
                try await harness.announce(url: good, id: "AT_O_20240801_000302")  // a duplicate event
                try await harness.announce(url: ccsHeader, id: "AT_C_20240801_000306")
                try await harness.announce(url: "ftp://elsewhere/x.yaml", id: "x")
                try await harness.announce(url: laterGood, id: "AT_O_20240801_000307")
                try await harness.waitUntil("every event handled") {
                    let exposures = try await harness.count("SELECT count(*) FROM cdb_latiss.exposure")
                    let rejected = try await harness.count("SELECT count(*) FROM consdb_ingest.rejected")
                    return exposures == 2 && rejected == 6
                }
                try await harness.waitUntil("all offsets committed") {
                    let committed = try await worker.consumer.committed([.init(topic: harness.instrument.eventTopic, partition: 0)])
                    return committed.values.first == 10
                }
            }
            let rejections = try await harness.rejections()
            let errors = rejections.map(\.error)
            #expect(errors.contains { $0.hasPrefix("fetch:") && $0.contains("not readable within") })
            #expect(errors.contains { $0.hasPrefix("parse:") && $0.contains("not valid YAML") }, "\(errors)")
            #expect(errors.contains { $0.hasPrefix("decode:") && $0.lowercased().contains("schema") })
            #expect(errors.contains { $0.hasPrefix("decode:") && $0.contains("magic") })
            #expect(errors.contains { $0.hasPrefix("map:") && $0.contains("SEQNUM is missing") })
            #expect(errors.contains { $0.hasPrefix("url:") && $0.contains("ftp://") && $0.contains("scheme 'ftp'") }, "\(errors)")
            #expect(rejections.allSatisfy { $0.offset >= 0 })
            // The dead letter keeps the message itself, to replay once fixed.
            #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.rejected WHERE payload IS NOT NULL AND worker = 'hinfo LATISS'") == 6)
            #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure WHERE seq_num IN (302, 307)") == 2)
        }
    }

    @Test func databaseDownThenUpPausesAndResumes() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let worker = try harness.makeWorker()
            let database = String(harness.databaseURL.split(separator: "/").last!)
            let admin = try await Connection.connect(try TestDatabase.adminURL())
            let url = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            try await harness.running(worker) {
                // Once the worker consumes (its partition assigned), take the database away.
                try await harness.waitUntil("the partition assigned") { !worker.consumer.assignment.isEmpty }
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS false")
                try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()")
                try await harness.announce(url: url, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the worker to pause") {
                    worker.ingestor.metrics.exposition().contains("consdb_hinfo_paused{instrument=\"LATISS\"} 1")
                }
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) WITH ALLOW_CONNECTIONS true")
                try await harness.waitUntil("the row after the database came back") {
                    (try? await harness.count("SELECT count(*) FROM cdb_latiss.exposure")) == 1
                }
            }
            #expect(try await harness.rejections().isEmpty)
            #expect(worker.ingestor.metrics.exposition().contains("consdb_hinfo_paused{instrument=\"LATISS\"} 0"))
        }
    }

    @Test func registryDownThenUp() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let worker = try harness.makeWorker(registryRetries: 1)
            let url = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            harness.registry.available = false
            try await harness.running(worker) {
                try await harness.announce(url: url, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the worker to pause") {
                    worker.ingestor.metrics.exposition().contains("consdb_hinfo_paused{instrument=\"LATISS\"} 1")
                }
                #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 0)
                harness.registry.available = true
                try await harness.waitUntil("the row after the registry came back") {
                    try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 1
                }
            }
            #expect(try await harness.rejections().isEmpty)
        }
    }

    @Test func updatePolicyRewritesOnlyTheNamedColumns() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let url = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            try await harness.running(try harness.makeWorker()) {
                try await harness.announce(url: url, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the first row") { try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 1 }
            }
            try await harness.pool.query("UPDATE cdb_latiss.exposure SET band = 'x', target_name = 'edited', air_temp = -1")
            let changed = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: ["FILTBAND": .string("g"), "OBJECT": .string("new")])), name: "AT_O_20240801_000302_v2")
            // Default policy: the existing row is left alone.
            let second = try harness.makeWorker(group: "again")
            try await harness.running(second) {
                try await harness.announce(url: changed, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the second event") {
                    second.ingestor.metrics.exposition().contains("consdb_hinfo_headers_unchanged_total{instrument=\"LATISS\"} 2")
                }
            }
            #expect(try await harness.pool.query("SELECT band, target_name FROM cdb_latiss.exposure").rows == [["x", "edited"]])
            // --update with EXP_COLUMNS_TO_UPDATE=band: only band changes.
            let policy = ExistingRowPolicy.from(update: true, exposureColumns: "band", detectorColumns: "@skip")
            try await harness.running(try harness.makeWorker(group: "update", policy: policy)) {
                try await harness.waitUntil("the update") {
                    try await harness.pool.query("SELECT band FROM cdb_latiss.exposure").rows == [["g"]]
                }
            }
            #expect(try await harness.pool.query("SELECT band, target_name, air_temp FROM cdb_latiss.exposure").rows == [["g", "edited", "-1"]])
        }
    }

    /// SIGTERM (stop) while an event waits for its header: the worker stops within the grace period,
    /// nothing is dead-lettered and the event's offset is not committed, so it is read again.
    @Test func stopWhileAnEventIsInHandAbandonsItUncommitted() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            var settings = HeaderEventSettings()
            settings.headerWait = .seconds(60)
            settings.headerPollInterval = .milliseconds(50)
            settings.shutdownGrace = .milliseconds(500)
            let worker = try harness.makeWorker(settings: settings)
            let good = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            try await harness.runningStoppable(worker) { stop in
                try await harness.announce(url: good, id: "AT_O_20240801_000302")
                try await harness.announce(url: harness.headerURL(name: "AT_O_20240801_000399"), id: "AT_O_20240801_000399")
                try await harness.waitUntil("the first row") { try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 1 }
                try await harness.waitUntil("the first commit") {
                    try await worker.consumer.committed([.init(topic: harness.instrument.eventTopic, partition: 0)]).values.first == 1
                }
                // The stop returns once the grace period abandons the event that waits (up to 60 s) for its
                // header; the deadline only guards against a hang.
                try await stop()
                let committed = try await worker.consumer.committed([.init(topic: harness.instrument.eventTopic, partition: 0)])
                #expect(committed.values.first == 1)
            }
            #expect(try await harness.rejections().isEmpty)
        }
    }

    /// A header store the worker cannot use (here: S3 not configured) pauses the work instead of
    /// dead-lettering every event.
    @Test func unusableHeaderStorePausesInsteadOfRejecting() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let worker = try harness.makeWorker(withoutS3: true)
            let url = try await harness.storeHeader(try Headers.realLATISSBytes(), name: "AT_O_20240801_000302")
            try await harness.running(worker) {
                try await harness.announce(url: url, id: "AT_O_20240801_000302")
                try await harness.waitUntil("the worker to pause") { worker.ingestor.metrics.isPaused }
                #expect(try await harness.rejections().isEmpty)
                #expect(try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 0)
            }
            // Stopped while paused: the event was still waited for, so it is neither rejected nor committed
            // past (nothing, or offset 0: the next run reads it again).
            #expect(try await harness.rejections().isEmpty)
            #expect(try await harness.committedOffset(group: "hinfo-test") ?? 0 == 0)
        }
    }
}

/// Announced URLs outside `HEADER_URL_PREFIXES` are dead-lettered with the reason and never fetched.
@Suite("hinfo: announced URLs must match an allowed prefix", .serialized)
struct HeaderURLPrefixTests {
    @Test func urlsOutsideThePrefixesAreDeadLetteredUnfetched() async throws {
        let service = try ConnectionCounter()
        defer { service.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hinfo-prefix-\(UUID().uuidString)")
        let allowed = folder.appendingPathComponent("allowed")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = allowed.appendingPathComponent("AT_O_20240801_000302.yaml")
        try Data(try Headers.realLATISSBytes()).write(to: good)
        let outside = folder.appendingPathComponent("outside.yaml")
        try Data(try Headers.realLATISSBytes()).write(to: outside)

        try await HinfoHarness.with(.latiss, s3: false) { harness in
            var settings = HeaderEventSettings()
            settings.headerWait = .seconds(5)
            settings.headerPollInterval = .milliseconds(50)
            settings.allowedURLs = try URLPrefixAllowList.parse("file://\(allowed.path)/,http://127.0.0.1:1")
            let worker = try harness.makeWorker(settings: settings, withoutS3: true)
            let refused = [
                "file:///etc/hostname",
                "http://127.0.0.1:\(service.port)/header.yaml",
                "https://s3.cp.lsst.org@127.0.0.1:\(service.port)/rubinobs-lfa-cp/header.yaml",
                "file://\(allowed.path)/../outside.yaml",
                "file://\(allowed.path)/%2e%2e/outside.yaml",
                "file://\(allowed.path)-not/outside.yaml",
            ]
            try await harness.running(worker) {
                for url in refused { try await harness.announce(url: url, id: "x") }
                try await harness.announce(url: "file:\(good.path)", id: "AT_O_20240801_000302")
                try await harness.waitUntil("every event handled") {
                    let rejected = try await harness.count("SELECT count(*) FROM consdb_ingest.rejected")
                    let written = try await harness.count("SELECT count(*) FROM cdb_latiss.exposure")
                    return rejected == refused.count && written == 1
                }
            }
            let rejections = try await harness.rejections()
            #expect(rejections.count == refused.count)
            for (url, rejection) in zip(refused, rejections) {
                #expect(rejection.error.hasPrefix("url: refused to fetch"), "\(rejection.error)")
                #expect(rejection.source == url)
            }
            #expect(rejections[0].error.contains("not under an allowed prefix"))
            #expect(rejections[2].error.contains("user information"))
            #expect(rejections[3].error.contains("'..' segment"))
            #expect(service.count == 0, "the loopback service was contacted")
        }
    }
}
