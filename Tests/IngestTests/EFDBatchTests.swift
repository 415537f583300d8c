import Avro
import EFD
import Foundation
import InfluxDB
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport

/// One night of synthetic telemetry, sent the same to Kafka (for the stream) and to InfluxDB (for the
/// batch runs), with exposures whose summaries are worked out by hand.
struct BatchTelemetry {
    static let config = EFDStreamPackedTests.config
    let begin: Double
    let now: Double

    init() {
        now = Date().timeIntervalSince1970.rounded()
        begin = now - 100
    }

    /// Temperatures each second from begin-10 to begin+40 (salIndex 110/111 alternating; items k, 100+k);
    /// the hexapod at begin-1800 (7.5) and now-55 (9.25); packed encoder rows each second from begin-5 to
    /// begin+45, 4 samples a row (10k + i).
    var temperatures: [(time: Double, salIndex: Int32, items: [Float])] {
        (-10...40).map { (k: Int) -> (time: Double, salIndex: Int32, items: [Float]) in
            let salIndex: Int32 = k % 2 == 0 ? 110 : 111
            return (begin + Double(k), salIndex, [Float(k), Float(100 + k)])
        }
    }
    var hexapod: [(time: Double, u: Double)] { [(begin - 1800, 7.5), (now - 55, 9.25)] }
    var encoderRows: [(time: Double, values: [Double])] {
        (-5...45).map { k in (begin + Double(k), (0..<4).map { Double(10 * k + $0) }) }
    }

    func insertExposures(_ harness: EFDStreamHarness) async throws {
        try await harness.insertExposure(seq: 1, begin: begin, end: begin + 30)
        try await harness.insertExposure(seq: 2, begin: now - 60, end: now - 50)
    }

    func sendToKafka(_ harness: EFDStreamHarness, encoderSchemaID: UInt32) async throws {
        for t in temperatures { try await harness.sendTemperature(at: t.time, salIndex: t.salIndex, items: t.items) }
        for h in hexapod { try await harness.sendHexapod(at: h.time, u: h.u) }
        let schema = try AvroSchema(parsing: EFDStreamPackedTests.schema)
        for row in encoderRows {
            try await harness.send(.record([
                ("private_efdStamp", .double(row.time + 0.01)), ("cRIO_timestamp", .double(EFDStreamHarness.tai(row.time))),
                ("azimuthCalculatedAngle", .array(row.values.map { .double($0) })),
            ]), schema, id: encoderSchemaID, topic: EFDStreamPackedTests.topic)
        }
    }

    /// The same telemetry as InfluxDB line protocol (measurement = topic, time = private_efdStamp in ns;
    /// arrays flattened as the EFD's Telegraf does, salIndex an integer field).
    var lineProtocol: String {
        func ns(_ t: Double) -> String { String(Int64((t * 1e9).rounded())) }
        var lines: [String] = []
        for t in temperatures {
            lines.append("\(EFDStreamHarness.temperatureTopic) salIndex=\(t.salIndex)i,temperatureItem0=\(t.items[0]),temperatureItem1=\(t.items[1]) \(ns(t.time))")
        }
        for h in hexapod { lines.append("\(EFDStreamHarness.hexapodTopic) u=\(h.u),v=0 \(ns(h.time))") }
        for row in encoderRows {
            let elements = row.values.enumerated().map { "azimuthCalculatedAngle\($0.offset)=\($0.element)" }.joined(separator: ",")
            lines.append("\(EFDStreamPackedTests.topic) cRIO_timestamp=\(String(format: "%.6f", EFDStreamHarness.tai(row.time))),\(elements) \(ns(row.time + 0.01))")
        }
        return lines.joined(separator: "\n")
    }
}

/// `consdb efd batch` against real PostgreSQL and InfluxDB: rows, the queue, faults.
@Suite("EFD batch: InfluxDB history -> exposure_efd / visit1_efd rows", .serialized)
struct EFDBatchTests {
    static func worker(_ harness: EFDStreamHarness, influx: InfluxClient, queue: BatchTaskQueue,
                       settings: EFDBatchSettings = EFDBatchSettings()) -> EFDBatchWorker {
        EFDBatchWorker(engine: SummaryEngine(config: harness.config), queue: queue, pool: harness.pool, history: InfluxHistory(client: influx),
                       instrument: "latiss", cdbSchema: "cdb_latiss", efdSchema: "efd_latiss", settings: settings, logger: ingestTestLogger)
    }

    /// Every EFD row, as text, keyed by table, without created_at.
    static func rows(_ pool: ConnectionPool) async throws -> [String: [[String?]]] {
        var all: [String: [[String?]]] = [:]
        for (table, key) in [("exposure_efd", "seq_num"), ("visit1_efd", "seq_num"), ("exposure_efd_unpivoted", "seq_num, property, field"),
                             ("visit1_efd_unpivoted", "seq_num, property, field")] {
            let columns = try await pool.query("""
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = 'efd_latiss' AND table_name = \(table) AND column_name <> 'created_at' ORDER BY ordinal_position
                """).rows.compactMap { $0[0] }
            let list = columns.map { SQL.quoteIdentifier($0) }.joined(separator: ", ")
            all[table] = try await pool.query(SQL(unsafeSQL: "SELECT \(list) FROM efd_latiss.\(table) ORDER BY \(key)")).rows
        }
        return all
    }

    @Test func writesExactlyTheRowsTheStreamWrites() async throws {
        try await EFDStreamHarness.with(config: BatchTelemetry.config) { harness in
            try await TestInflux.withFreshDatabase { influx in
                let telemetry = BatchTelemetry()
                try await influx.write(lineProtocol: telemetry.lineProtocol)
                try await telemetry.insertExposures(harness)
                let encoderID = try harness.registry.register(subject: "\(EFDStreamPackedTests.topic)-value", schemaText: EFDStreamPackedTests.schema)
                try await telemetry.sendToKafka(harness, encoderSchemaID: encoderID)

                // The stream first.
                let (stream, consumer) = try harness.worker(group: "efd-batch-vs-stream")
                let run = Task { try await stream.run() }
                do {
                    try await harness.waitUntil("the stream's rows") {
                        let packed = try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE az_mean IS NOT NULL")
                        let visits = try await harness.count("SELECT count(*) FROM efd_latiss.visit1_efd")
                        let exposures = try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd")
                        return packed == 2 && visits == 2 && exposures == 2
                    }
                } catch {
                    stream.stop()
                    _ = try? await run.value
                    await consumer.close()
                    throw error
                }
                stream.stop()
                try await run.value
                await consumer.close()
                let streamed = try await Self.rows(harness.pool)
                // Worked out by hand (EFDStreamTests, EFDStreamPackedTests): the first exposure's temperature
                // mean over salIndex 110 is 15, its max 130, the hexapod an hour back 7.5; the encoder's rows k = 0…29
                // whole (Σ 40k + 6 = 17,580) and row 30's first sample (300) give 17,880 / 121.
                #expect(streamed["exposure_efd"]?.count == 2)
                let first = try #require(try await harness.pool.query("SELECT temp_mean, temp_max, hexapod_u, az_mean FROM efd_latiss.exposure_efd WHERE seq_num = 1").records.first)
                #expect(first.double("temp_mean") == 15 && first.double("temp_max") == 130 && first.double("hexapod_u") == 7.5)
                #expect(first.double("az_mean").map { abs($0 - 17880.0 / 121) < 1e-4 } == true)
                // The second exposure ends after the encoder stopped (row 45, the last, is written when the window
                // closes): rows 40…45 whole, mean 10·42.5 + 1.5.
                #expect(try await harness.value("SELECT az_mean FROM efd_latiss.exposure_efd WHERE seq_num = 2") == "426.5")

                // The batch over the rows the stream wrote (as a cron run after the stream does): the same rows.
                let queue = BatchTaskQueue(pool: harness.pool, worker: "test")
                try await queue.create()
                let intervals = BatchInterval.split(start: telemetry.now - 3600, end: telemetry.now, length: 300, overlap: 60)
                try await queue.enqueue(intervals, instrument: "latiss", maxAttempts: 3)
                let overStream = try await Self.worker(harness, influx: influx, queue: queue).drain()
                #expect(overStream.tasksDone == 12 && overStream.tasksFailed == 0)
                #expect(overStream.exposures == 2 && overStream.visits == 2)
                #expect(try await Self.rows(harness.pool) == streamed)

                // Then the batch, over the hour, into emptied tables.
                for table in ["exposure_efd", "visit1_efd", "exposure_efd_unpivoted", "visit1_efd_unpivoted"] {
                    _ = try await harness.pool.query(SQL(unsafeSQL: "DELETE FROM efd_latiss.\(table)"))
                }
                try await queue.enqueue(intervals, instrument: "latiss", maxAttempts: 3)
                let report = try await Self.worker(harness, influx: influx, queue: queue).drain()
                #expect(report.tasksDone == 12 && report.tasksFailed == 0)
                #expect(report.exposures == 2 && report.visits == 2)
                #expect(try await queue.counts(instrument: "latiss") == [.done: 12])
                let batched = try await Self.rows(harness.pool)
                #expect(batched == streamed)
                // Each task counted the windows that begin in it: their sum is every window once.
                let tasks = try await queue.tasks(instrument: "latiss")
                #expect(tasks.reduce(0) { $0 + $1.exposures } == 2)

                // And replayed from Kafka by time (the mock cluster has no offsets-for-times: bisection).
                for table in ["exposure_efd", "visit1_efd", "exposure_efd_unpivoted", "visit1_efd_unpivoted"] {
                    _ = try await harness.pool.query(SQL(unsafeSQL: "DELETE FROM efd_latiss.\(table)"))
                }
                try await queue.enqueue(intervals, instrument: "latiss", maxAttempts: 3)
                let replayConsumer = try KafkaConsumer.make(configuration: harness.consumerConfiguration(group: "efd-batch-replay"), logger: ingestTestLogger)
                let replay = KafkaHistory(consumer: replayConsumer,
                                          registry: SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(url: harness.registry.baseURL!)))
                let replayWorker = EFDBatchWorker(engine: SummaryEngine(config: harness.config), queue: queue, pool: harness.pool, history: replay,
                                                  instrument: "latiss", cdbSchema: "cdb_latiss", efdSchema: "efd_latiss", logger: ingestTestLogger)
                let replayed = try await replayWorker.drain()
                await replayConsumer.close()
                #expect(replayed.tasksDone == 12 && replayed.tasksFailed == 0)
                #expect(try await Self.rows(harness.pool) == streamed)
            }
        }
    }

    @Test func anUnreachableEFDFailsTheTasksAfterTheirAttemptsAndKeepsTheError() async throws {
        try await EFDStreamHarness.with { harness in
            let telemetry = BatchTelemetry()
            try await telemetry.insertExposures(harness)
            // A port of ours that refuses connections.
            let closed = try RefusingPort()
            defer { withExtendedLifetime(closed) {} }
            let influx = try InfluxClient(settings: InfluxSettings(url: "http://127.0.0.1:\(closed.port)", database: "efd", timeout: .seconds(5)))
            let queue = BatchTaskQueue(pool: harness.pool, worker: "test")
            try await queue.create()
            try await queue.enqueue([BatchInterval(start: telemetry.begin - 10, end: telemetry.begin + 10)], instrument: "latiss", maxAttempts: 2)
            var settings = EFDBatchSettings()
            settings.retryDelay = .milliseconds(10)
            settings.idlePoll = .milliseconds(20)
            let report = try await Self.worker(harness, influx: influx, queue: queue, settings: settings).drain()
            #expect(report.tasksDone == 0 && report.tasksFailed == 1 && report.attemptsFailed == 2)
            let task = try #require(try await queue.tasks(instrument: "latiss").first)
            #expect(task.state == .failed && task.attempts == 2)
            #expect(task.error?.lowercased().contains("connect") == true, "error: \(task.error ?? "nil")")
            #expect(try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd") == 0)
        }
    }

    @Test func anIntervalWithoutExposuresOrTelemetryIsDoneWithNothingWritten() async throws {
        try await EFDStreamHarness.with { harness in
            try await TestInflux.withFreshDatabase { influx in
                let telemetry = BatchTelemetry()
                try await telemetry.insertExposures(harness)
                let queue = BatchTaskQueue(pool: harness.pool, worker: "test")
                try await queue.create()
                // Empty: no exposure begins in the first; the second has exposure 1 and no telemetry at all
                // (a topic missing from the EFD is no error: NULL columns).
                try await queue.enqueue([BatchInterval(start: telemetry.begin - 600, end: telemetry.begin - 300),
                                         BatchInterval(start: telemetry.begin, end: telemetry.begin + 1)], instrument: "latiss", maxAttempts: 1)
                let report = try await Self.worker(harness, influx: influx, queue: queue).drain()
                #expect(report.tasksDone == 2 && report.tasksFailed == 0 && report.exposures == 1 && report.visits == 1)
                let row = try await harness.pool.query("SELECT temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd").rows
                #expect(row == [[nil, nil, nil]])
            }
        }
    }
}
