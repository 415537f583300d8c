import Backoff
import EFD
import FelisCatalog
import Foundation
@testable import Ingest
import Logging
import Postgres
import Testing
import TestSupport

/// Replicated writes against two real PostgreSQL servers: the test cluster holds the primary, and each
/// test starts a replica server of its own (`ThrowawayPostgres`) that it may halt and resume.
@Suite("Replication: outbox, drainer, operations", .serialized)
struct ReplicationTests {
    static let tables = """
        CREATE SCHEMA night;
        CREATE TABLE night.exposure (day_obs int, seq_num int, value float8, note text, taken timestamp, tags text[],
                                     PRIMARY KEY (day_obs, seq_num));
        CREATE TABLE night.detector (exposure_id bigint, detector int, value real, PRIMARY KEY (exposure_id, detector));
        CREATE TABLE night.unkeyed (value int);
        """

    static var fastSettings: ReplicaDrainSettings {
        var settings = ReplicaDrainSettings()
        settings.batchSize = 50
        settings.pollInterval = .milliseconds(50)
        settings.backoff = ExponentialBackoff(initial: .milliseconds(50), maximum: .milliseconds(200))
        return settings
    }

    /// A primary database and a replica database (on a server of the test's own) with `schema` applied to
    /// both, the primary prepared for `night`.
    func withPair<T: Sendable>(replicaSchema: String = Self.tables, _ body: (_ primary: String, _ replica: ReplicaTarget, _ server: ThrowawayPostgres) async throws -> T) async throws -> T {
        try await TestDatabase.withFreshDatabase { primaryURL in
            let server = try await ThrowawayPostgres.start()
            do {
                let admin = try await Connection.connect(server.url)
                try await admin.execute("CREATE DATABASE replica")
                let replicaURL = server.url(forDatabase: "replica")
                try await Connection.connect(replicaURL).execute(replicaSchema)
                let primary = try await Connection.connect(primaryURL)
                try await primary.execute(Self.tables)
                let replica = try ReplicaTarget(conninfo: replicaURL)
                let value = try await body(primaryURL, replica, server)
                await server.stop()
                return value
            } catch {
                await server.stop()
                throw error
            }
        }
    }

    /// Every row of `table` as jsonb text, sorted: equal lists mean equal tables, all columns compared.
    func rows(_ table: String, _ url: String) async throws -> [String] {
        try await Connection.connect(url).query("SELECT to_jsonb(t)::text FROM \(unsafeRaw: table) AS t ORDER BY 1").rows.compactMap { $0[0] }
    }

    func backlog(_ replica: ReplicaTarget, _ primary: String) async throws -> ReplicaBacklog {
        try await ReplicaBacklog.read(replica.name, on: try await Connection.connect(primary))
    }

    func waitUntil(_ what: String, within seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        try await IngestTests.waitUntil(what, timeout: .seconds(seconds), condition)
    }

    /// Random inserts, updates and deletes in transactions of a few statements each.
    func writeNight(_ primary: Connection, rounds: Int, from first: Int, using generator: inout SeededGenerator) async throws {
        for round in first..<(first + rounds) {
            let seq = Int.random(in: 1...40, using: &generator)
            let value = Double.random(in: -1e6...1e6, using: &generator)
            try await primary.withTransaction { connection in
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<6:
                    try await connection.query("""
                        INSERT INTO night.exposure VALUES (20261207, \(seq), \(value), \("round \(round) 'quoted' ünï"), now(), ARRAY['a', \(String(round))])
                        ON CONFLICT (day_obs, seq_num) DO UPDATE SET value = EXCLUDED.value, note = EXCLUDED.note
                        """)
                    try await connection.query("""
                        INSERT INTO night.detector SELECT \(2026120700000 + seq), d, \(value)::float8 / (d + 1) FROM generate_series(0, 8) d
                        ON CONFLICT (exposure_id, detector) DO UPDATE SET value = EXCLUDED.value
                        """)
                case 6..<8:
                    try await connection.query("UPDATE night.exposure SET note = NULL, value = 'NaN' WHERE seq_num = \(seq)")
                case 8:
                    // A key change: the old key must disappear from the replica.
                    try await connection.query("UPDATE night.exposure SET seq_num = seq_num + 100 WHERE seq_num = \(seq) AND NOT EXISTS (SELECT 1 FROM night.exposure WHERE seq_num = \(seq + 100))")
                default:
                    try await connection.query("DELETE FROM night.detector WHERE exposure_id = \(2026120700000 + seq) AND detector > 4")
                    try await connection.query("DELETE FROM night.exposure WHERE seq_num = \(seq)")
                }
            }
        }
    }

    @Test func aReplicaHaltedMidNightEndsWithExactlyThePrimarysRows() async throws {
        var generator = TestSeed.generator()
        try await withPair { primaryURL, replica, server in
            let primary = try await Connection.connect(primaryURL)
            let tables = try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["night"], on: primary)
            #expect(tables.map(\.description) == ["night.detector", "night.exposure"])  // no key, not replicated
            let metrics = ReplicaMetrics(replicas: [replica], lagThreshold: 5)
            let drainer = ReplicaDrainer(primary: primaryURL, replicas: [replica], settings: Self.fastSettings, metrics: metrics, logger: ingestTestLogger)
            let task = Task { await drainer.run() }
            defer { task.cancel() }

            try await writeNight(primary, rounds: 60, from: 0, using: &generator)
            try await waitUntil("the first rows on the replica") { try await !rows("night.exposure", replica.conninfo).isEmpty }
            try await server.halt()
            try await writeNight(primary, rounds: 120, from: 60, using: &generator)
            // Down: the backlog waits in the primary, the metric and the readiness note say so.
            try await waitUntil("the drainer to see the replica down") { metrics.exposition().contains("consdb_replica_reachable{replica=\"\(replica.name)\"} 0.0\n") }
            try await waitUntil("the lag metric") {
                let pending = try await backlog(replica, primaryURL).pending
                return pending > 5 && metrics.exposition().contains("consdb_replica_lag_rows{replica=\"\(replica.name)\"} \(Double(pending))\n")
            }
            #expect(metrics.readinessNotes.first?.hasPrefix("replica \(replica.name) lags: ") == true)
            #expect(!metrics.exposition().contains("password"))

            try await server.resume()
            try await writeNight(primary, rounds: 40, from: 180, using: &generator)
            try await waitUntil("the backlog to drain") { try await backlog(replica, primaryURL).pending == 0 }
            #expect(try await backlog(replica, primaryURL).parked == 0)
            for table in ["night.exposure", "night.detector"] {
                let expected = try await rows(table, primaryURL)
                #expect(!expected.isEmpty)
                #expect(try await rows(table, replica.conninfo) == expected, "\(table)")
            }
            try await waitUntil("the note to clear") { metrics.readinessNotes.isEmpty }
        }
    }

    @Test func aRefusedRowIsParkedTheRestFlowsAndRequeueBringsItOver() async throws {
        let refusing = Self.tables.replacingOccurrences(of: "value float8,", with: "value float8 CHECK (value < 1000),")
            .replacingOccurrences(of: "CREATE TABLE night.detector", with: "CREATE TABLE night.detector_elsewhere")
        try await withPair(replicaSchema: refusing) { primaryURL, replica, _ in
            let primary = try await Connection.connect(primaryURL)
            try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["night"], on: primary)
            try await primary.execute("""
                INSERT INTO night.exposure (day_obs, seq_num, value) VALUES (1, 1, 1), (1, 2, 5000), (1, 3, 3);
                INSERT INTO night.detector VALUES (1, 0, 0.5);
                """)
            let drainer = ReplicaDrainer(primary: primaryURL, replicas: [replica], settings: Self.fastSettings,
                                         metrics: ReplicaMetrics(replicas: [replica]), logger: ingestTestLogger)
            let outcome = await drainer.drainOnce(replica)
            #expect(outcome == .drained(applied: 2, parked: 2, full: false))
            #expect(try await rows("night.exposure", replica.conninfo).count == 2)
            let status = try #require(try await ReplicaOperations.status(configured: [replica], on: primary).first)
            #expect(status.backlog.parked == 2 && status.backlog.pending == 0 && status.reachable == true)
            let errors = status.parkedErrors.map(\.error).joined(separator: "\n")
            #expect(errors.contains("night.exposure") && errors.contains("check constraint"), "\(errors)")
            #expect(errors.contains("night.detector") && errors.contains("does not exist"), "\(errors)")

            // Parked rows stay parked: later rows do not wait behind them.
            try await primary.execute("INSERT INTO night.exposure (day_obs, seq_num, value) VALUES (1, 4, 4)")
            #expect(await drainer.drainOnce(replica) == .drained(applied: 1, parked: 0, full: false))

            let replicaConnection = try await Connection.connect(replica.conninfo)
            try await replicaConnection.execute("""
                ALTER TABLE night.exposure DROP CONSTRAINT exposure_value_check;
                CREATE TABLE night.detector (exposure_id bigint, detector int, value real, PRIMARY KEY (exposure_id, detector));
                """)
            #expect(try await ReplicaOperations.requeue(replica.name, on: primary) == 2)
            #expect(await drainer.drainOnce(replica) == .drained(applied: 2, parked: 0, full: false))
            #expect(try await rows("night.exposure", replica.conninfo) == rows("night.exposure", primaryURL))
            #expect(try await rows("night.detector", replica.conninfo) == rows("night.detector", primaryURL))
        }
    }

    @Test func aMissingColumnOnTheReplicaIsRefusedNotDropped() async throws {
        let narrow = Self.tables.replacingOccurrences(of: "note text, ", with: "")
        try await withPair(replicaSchema: narrow) { primaryURL, replica, _ in
            let primary = try await Connection.connect(primaryURL)
            try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["night"], on: primary)
            try await primary.execute("INSERT INTO night.exposure (day_obs, seq_num, note) VALUES (1, 1, 'kept')")
            let drainer = ReplicaDrainer(primary: primaryURL, replicas: [replica], settings: Self.fastSettings,
                                         metrics: ReplicaMetrics(replicas: [replica]), logger: ingestTestLogger)
            #expect(await drainer.drainOnce(replica) == .drained(applied: 0, parked: 1, full: false))
            let status = try #require(try await ReplicaOperations.status(configured: [replica], on: primary).first)
            #expect(status.parkedErrors.first?.error.contains("note") == true, "\(status.parkedErrors)")
        }
    }

    /// A role with no privilege on consdb_ingest (the API's writer, say) writes a replicated table: the
    /// capture trigger still queues the row, under its owner's rights.
    @Test func aWriterWithoutRightsOnTheOutboxStillQueuesItsRows() async throws {
        try await withPair { primaryURL, replica, _ in
            let primary = try await Connection.connect(primaryURL)
            try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["night"], on: primary)
            let writer = "t_writer_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try await primary.execute("CREATE ROLE \(writer) LOGIN")
            do {
                try await primary.execute("GRANT USAGE ON SCHEMA night TO \(writer); GRANT INSERT, SELECT ON night.exposure TO \(writer)")
                let asWriter = try await Connection.connect(TestRoles.url(primaryURL, user: writer))
                await #expect(throws: PostgresError.self) { try await asWriter.query("SELECT count(*) FROM consdb_ingest.replica_outbox") }
                try await asWriter.execute("INSERT INTO night.exposure (day_obs, seq_num, note) VALUES (2, 5, 'from the API')")
                #expect(try await backlog(replica, primaryURL).pending == 1)
                let drainer = ReplicaDrainer(primary: primaryURL, replicas: [replica], settings: Self.fastSettings,
                                             metrics: ReplicaMetrics(replicas: [replica]), logger: ingestTestLogger)
                #expect(await drainer.drainOnce(replica) == .drained(applied: 1, parked: 0, full: false))
                #expect(try await rows("night.exposure", replica.conninfo) == rows("night.exposure", primaryURL))
            } catch {
                _ = try? await primary.execute("DROP OWNED BY \(writer); DROP ROLE \(writer)")
                throw error
            }
            try await primary.execute("DROP OWNED BY \(writer); DROP ROLE \(writer)")
        }
    }

    @Test func seedCopiesEveryRowWrittenBeforeTheReplicaExistedAndCanRunAgain() async throws {
        var generator = TestSeed.generator()
        try await withPair { primaryURL, replica, _ in
            let primary = try await Connection.connect(primaryURL)
            // Rows written while no replica was registered: captured for nobody.
            try await ReplicaOutbox.prepare(replicas: [], schemas: ["night"], on: primary)
            try await writeNight(primary, rounds: 80, from: 0, using: &generator)
            try await primary.execute("INSERT INTO night.exposure (day_obs, seq_num, value) SELECT 1, g, g FROM generate_series(1, 2500) g")
            #expect(try await backlog(replica, primaryURL).pending == 0)

            let copied = try await ReplicaOperations.seed(replica, primary: primary, chunk: 700, logger: ingestTestLogger)
            #expect(copied.map(\.table.description) == ["night.detector", "night.exposure"])
            // Registered by the seed: later writes are queued for it.
            try await primary.execute("UPDATE night.exposure SET value = -1 WHERE day_obs = 1 AND seq_num = 7")
            #expect(try await backlog(replica, primaryURL).pending == 1)
            _ = try await ReplicaOperations.seed(replica, primary: primary, logger: ingestTestLogger)
            for table in ["night.exposure", "night.detector"] {
                #expect(try await rows(table, replica.conninfo) == rows(table, primaryURL), "\(table)")
            }
            #expect(try await Connection.connect(replica.conninfo).query("SELECT count(*) FROM night.unkeyed").rows.first?.first == "0")
        }
    }

    @Test func twoDrainersOneReplicaOnlyOneDrains() async throws {
        try await withPair { primaryURL, replica, _ in
            let primary = try await Connection.connect(primaryURL)
            try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["night"], on: primary)
            try await primary.execute("INSERT INTO night.exposure (day_obs, seq_num) SELECT 1, g FROM generate_series(1, 120) g")
            let first = ReplicaDrainer(primary: primaryURL, replicas: [replica], settings: Self.fastSettings,
                                       metrics: ReplicaMetrics(replicas: [replica]), logger: ingestTestLogger)
            let second = ReplicaDrainer(primary: primaryURL, replicas: [replica], settings: Self.fastSettings,
                                        metrics: ReplicaMetrics(replicas: [replica]), logger: ingestTestLogger)
            let held = ReplicaDrainer.Session()
            #expect(await first.round(replica, session: held) == .drained(applied: 50, parked: 0, full: true))
            let other = ReplicaDrainer.Session()
            #expect(await second.round(replica, session: other) == .lockedElsewhere)
            #expect(try await backlog(replica, primaryURL).pending == 70)
            // The holder's session ends (its process stopped): the other takes over.
            held.primary = nil
            held.replica = nil
            try await waitUntil("the lock to be free") { await second.round(replica, session: other) != .lockedElsewhere }
            while case .drained(_, _, true) = await second.round(replica, session: other) {}
            #expect(try await rows("night.exposure", replica.conninfo) == rows("night.exposure", primaryURL))
        }
    }
}

/// `hinfo` with a replica: the worker writes, the drainer copies, the replica goes down mid-night.
@Suite("Replication: hinfo with a replica", .needsConsDBReference, .serialized)
struct HinfoReplicationTests {
    @Test func aReplicaHaltedBetweenHeadersEndsWithExactlyThePrimarysExposures() async throws {
        try await HinfoHarness.with(.latiss) { harness in
            let server = try await ThrowawayPostgres.start()
            do {
                try await Connection.connect(server.url).execute("CREATE DATABASE replica")
                let replica = try ReplicaTarget(conninfo: server.url(forDatabase: "replica"))
                _ = try await SchemaApplier.apply(felisFile: ReferenceData.felis("cdb_latiss.yaml"), on: try await Connection.connect(replica.conninfo))
                let primary = try await Connection.connect(harness.databaseURL)
                try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["cdb_latiss"], on: primary)
                let metrics = ReplicaMetrics(replicas: [replica], lagThreshold: 0)
                let drainer = ReplicaDrainer(primary: harness.databaseURL, replicas: [replica], settings: ReplicationTests.fastSettings,
                                             metrics: metrics, logger: ingestTestLogger)
                let drain = Task { await drainer.run() }
                defer { drain.cancel() }

                func announce(_ seq: Int) async throws {
                    let name = String(format: "AT_O_20240801_%06d", seq)
                    let url = try await harness.storeHeader(Headers.yaml(try Headers.realLATISS(replacing: ["SEQNUM": .int(Int64(seq)), "OBSID": .string(name)])), name: name)
                    try await harness.announce(url: url, id: name)
                }
                func replicaCount() async throws -> Int {
                    Int(try await Connection.connect(replica.conninfo).query("SELECT count(*) FROM cdb_latiss.exposure").rows.first?.first.flatMap { $0 } ?? "0") ?? 0
                }
                let worker = try harness.makeWorker()
                try await harness.running(worker) {
                    for seq in 400..<403 { try await announce(seq) }
                    try await harness.waitUntil("three exposures on the replica", within: 60) { try await replicaCount() == 3 }
                    try await server.halt()
                    for seq in 403..<408 { try await announce(seq) }
                    try await harness.waitUntil("eight exposures on the primary", within: 60) {
                        try await harness.count("SELECT count(*) FROM cdb_latiss.exposure") == 8
                    }
                    // The worker went on while the replica was down; the backlog is there to drain.
                    try await harness.waitUntil("the lag note") { !metrics.readinessNotes.isEmpty }
                    try await server.resume()
                    try await harness.waitUntil("the backlog to drain", within: 60) {
                        try await ReplicaBacklog.read(replica.name, on: primary).pending == 0
                    }
                }
                for table in ["cdb_latiss.exposure", "cdb_latiss.ccdexposure"] {
                    let query: SQL = "SELECT to_jsonb(t)::text FROM \(unsafeRaw: table) AS t ORDER BY 1"
                    let expected = try await primary.query(query).rows
                    #expect(expected.count >= 8)
                    #expect(try await Connection.connect(replica.conninfo).query(query).rows == expected, "\(table)")
                }
                await server.stop()
            } catch {
                await server.stop()
                throw error
            }
        }
    }
}

/// `efd batch` with a replica that is down while the tasks run: the tasks are done (the primary is the
/// commit point), and the replica catches up with every EFD row once it is back.
@Suite("Replication: efd batch with a replica", .needsConsDBReference, .serialized)
struct EFDBatchReplicationTests {
    @Test func tasksFinishWhileTheReplicaIsDownAndItCatchesUpAfter() async throws {
        try await EFDStreamHarness.with(config: BatchTelemetry.config) { harness in
            try await TestInflux.withFreshDatabase { influx in
                let server = try await ThrowawayPostgres.start()
                do {
                    try await Connection.connect(server.url).execute("CREATE DATABASE replica")
                    let replica = try ReplicaTarget(conninfo: server.url(forDatabase: "replica"))
                    let replicaConnection = try await Connection.connect(replica.conninfo)
                    _ = try await SchemaApplier.apply(felisFile: ReferenceData.felis("cdb_latiss.yaml"), on: replicaConnection)
                    _ = try await SchemaApplier.apply(EFDSchema.felis(for: harness.config, instrument: "latiss"), on: replicaConnection)
                    let primary = try await Connection.connect(harness.url)
                    try await ReplicaOutbox.prepare(replicas: [replica], schemas: ["efd_latiss"], on: primary)

                    let telemetry = BatchTelemetry()
                    try await influx.write(lineProtocol: telemetry.lineProtocol)
                    try await telemetry.insertExposures(harness)
                    try await server.halt()
                    let drainer = ReplicaDrainer(primary: harness.url, replicas: [replica], settings: ReplicationTests.fastSettings,
                                                 metrics: ReplicaMetrics(replicas: [replica]), logger: ingestTestLogger)
                    let drain = Task { await drainer.run() }
                    defer { drain.cancel() }

                    let queue = BatchTaskQueue(pool: harness.pool, worker: "test")
                    try await queue.create()
                    try await queue.enqueue(BatchInterval.split(start: telemetry.now - 3600, end: telemetry.now, length: 300, overlap: 60),
                                            instrument: "latiss", maxAttempts: 3)
                    let report = try await EFDBatchTests.worker(harness, influx: influx, queue: queue).drain()
                    #expect(report.tasksDone == 12 && report.tasksFailed == 0)
                    #expect(try await ReplicaBacklog.read(replica.name, on: primary).pending > 0)

                    try await server.resume()
                    try await harness.waitUntil("the backlog to drain") { try await ReplicaBacklog.read(replica.name, on: primary).pending == 0 }
                    let back = try await Connection.connect(replica.conninfo)
                    for table in ["exposure_efd", "visit1_efd", "exposure_efd_unpivoted", "visit1_efd_unpivoted"] {
                        let query: SQL = "SELECT to_jsonb(t)::text FROM efd_latiss.\(unsafeRaw: table) AS t ORDER BY 1"
                        let expected = try await primary.query(query).rows
                        if !table.hasSuffix("unpivoted") { #expect(!expected.isEmpty, "\(table)") }
                        #expect(try await back.query(query).rows == expected, "\(table)")
                    }
                    await server.stop()
                } catch {
                    await server.stop()
                    throw error
                }
            }
        }
    }
}
