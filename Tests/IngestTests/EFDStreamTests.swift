import Avro
import DevServices
import EFD
import Felis
import Foundation
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport

/// `consdb efd stream` end to end: telemetry on librdkafka's mock cluster (Avro, registry), exposures in
/// ConsDB, summary rows in efd_latiss.
@Suite("EFD stream: telemetry -> exposure_efd / visit1_efd rows", .serialized)
struct EFDStreamTests {
    static let config = """
        version: 1.0.0
        columns:
        - name: temp_mean
          tables: [exposure_efd, visit1_efd]
          function: mean
          datatype: float
          subset_field: salIndex
          subset_value: 110
          topics: [{name: lsst.sal.ESS.temperature, fields: [{name: salIndex}, {name: temperatureItem0}]}]
        - name: temp_max
          tables: [exposure_efd]
          function: max
          datatype: float
          topics: [{name: lsst.sal.ESS.temperature, fields: [{name: temperatureItem1}]}]
        - name: hexapod_u
          tables: [exposure_efd, visit1_efd]
          function: most_recent_value
          start_offset: -1
          datatype: float
          topics: [{name: lsst.sal.MTHexapod.application, fields: [{name: u}]}]
        - name: temp_stddev
          tables: [exposure_efd_unpivoted]
          store_unpivoted: true
          function: stddev
          datatype: float
          topics: [{name: lsst.sal.ESS.temperature, fields: [{name: temperatureItem0}, {name: temperatureItem1}]}]
        """

    static let temperatureSchema = """
        {"type": "record", "name": "temperature", "namespace": "lsst.sal.ESS", "fields": [
          {"name": "salIndex", "type": "int"}, {"name": "private_sndStamp", "type": "double"},
          {"name": "private_efdStamp", "type": "double"}, {"name": "temperatureItem", "type": {"type": "array", "items": "float"}}]}
        """
    static let hexapodSchema = """
        {"type": "record", "name": "application", "namespace": "lsst.sal.MTHexapod", "fields": [
          {"name": "private_efdStamp", "type": "double"}, {"name": "u", "type": "double"}, {"name": "v", "type": "double"}]}
        """

    @Test func summarizesExposuresAndVisitsAndTakesLateData() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4))
            let config = try EFDConfig.parse(Self.config)
            try await pool.withConnection { connection in
                _ = try await SchemaApplier.apply(felisFile: TestFiles.reference("felis/cdb_latiss.yaml"), on: connection)
                _ = try await SchemaApplier.apply(EFDSchema.felis(for: config, instrument: "latiss"), on: connection)
            }
            let cluster = try KafkaMockCluster.start(logger: ingestTestLogger)
            let registry = SchemaRegistryServer(logger: ingestTestLogger)
            _ = try await registry.start()
            var producerConfiguration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
            producerConfiguration.linger = .milliseconds(1)
            let producer = try KafkaProducer.make(configuration: producerConfiguration, logger: ingestTestLogger)
            for topic in config.topicNames { try await cluster.createTopic(topic) }
            let temperatureID = try registry.register(subject: "lsst.sal.ESS.temperature-value", schemaText: Self.temperatureSchema)
            let hexapodID = try registry.register(subject: "lsst.sal.MTHexapod.application-value", schemaText: Self.hexapodSchema)
            let temperature = try AvroSchema(parsing: Self.temperatureSchema)
            let hexapod = try AvroSchema(parsing: Self.hexapodSchema)

            // An exposure from now-100 s to now-70 s (UTC), stored as TAI in ConsDB.
            let now = Date().timeIntervalSince1970.rounded()
            let begin = now - 100, end = now - 70
            func tai(_ utc: Double) -> String { TAITimestamp(taiUnixSeconds: utc + 37)!.isoTextMilliseconds }
            try await pool.query("""
                INSERT INTO cdb_latiss.exposure (exposure_id, exposure_name, controller, day_obs, seq_num, obs_start, obs_end)
                VALUES (2026112500001, 'AT_O_20261125_000001', 'O', 20261125, 1, \(tai(begin))::timestamp, \(tai(end))::timestamp),
                       (2026112500002, 'AT_O_20261125_000002', 'O', 20261125, 2, \(tai(now - 60))::timestamp, \(tai(now - 50))::timestamp)
                """)
            func send(_ value: AvroValue, _ schema: AvroSchema, id: UInt32, topic: String) async throws {
                try await producer.send(topic: topic, value: try AvroEncoder().encodeFrame(value, as: schema, schemaID: id))
            }
            // Temperature every second from begin-10 to end+10 (salIndex alternating 110/111): item0 = k,
            // item1 = 100 + k where k is the second since begin.
            for k in -10...40 {
                let t = begin + Double(k)
                try await send(.record([
                    ("salIndex", .int(k % 2 == 0 ? 110 : 111)), ("private_sndStamp", .double(t + 37)), ("private_efdStamp", .double(t)),
                    ("temperatureItem", .array([.float(Float(k)), .float(Float(100 + k))])),
                ]), temperature, id: temperatureID, topic: "lsst.sal.ESS.temperature")
            }
            // The hexapod moved 30 min before the exposure, and once during the second exposure.
            try await send(.record([("private_efdStamp", .double(begin - 1800)), ("u", .double(7.5)), ("v", .double(0))]), hexapod, id: hexapodID, topic: "lsst.sal.MTHexapod.application")
            try await send(.record([("private_efdStamp", .double(now - 55)), ("u", .double(9.25)), ("v", .double(0))]), hexapod, id: hexapodID, topic: "lsst.sal.MTHexapod.application")
            // Garbage on a telemetry topic: a dead letter, and the rest flows on.
            try await producer.send(topic: "lsst.sal.ESS.temperature", value: Array("junk".utf8))

            var consumerConfiguration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: "efd-stream-test")
            consumerConfiguration.fetchWaitMax = .milliseconds(10)
            consumerConfiguration.sessionTimeout = .seconds(6)
            consumerConfiguration.heartbeatInterval = .milliseconds(500)
            let consumer = try KafkaConsumer.make(configuration: consumerConfiguration, logger: ingestTestLogger)
            var settings = EFDStreamSettings()
            settings.lateness = .seconds(2)
            settings.maximumWait = .seconds(4)
            settings.pollInterval = .milliseconds(300)
            settings.tick = .milliseconds(50)
            let worker = EFDStreamWorker(
                consumer: consumer,
                registry: SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(url: registry.baseURL!)),
                engine: SummaryEngine(config: config), pool: pool, listenURL: url, instrument: "LATISS",
                cdbSchema: "cdb_latiss", efdSchema: "efd_latiss", settings: settings, metrics: EFDStreamMetrics(instrument: "LATISS"),
                logger: ingestTestLogger
            )
            let run = Task { try await worker.run() }
            func count(_ sql: SQL) async throws -> Int {
                (try await pool.query(sql).rows.first?.first ?? nil).flatMap { Int($0) } ?? 0
            }
            func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    if try await condition() { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("timed out waiting for \(what)")
                throw CancellationError()
            }
            do {
                try await waitUntil("both exposure rows") { try await count("SELECT count(*) FROM efd_latiss.exposure_efd") == 2 }
                try await waitUntil("both visit rows") { try await count("SELECT count(*) FROM efd_latiss.visit1_efd") == 2 }
                let row = try #require(try await pool.query("SELECT temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 1").records.first)
                // Samples k = 0...30 are inside [begin, end]; salIndex 110 is even k: mean of 0, 2, ..., 30 = 15.
                #expect(row["temp_mean"].flatMap(Double.init) == 15)
                // max of item1 = 100 + 30.
                #expect(row["temp_max"].flatMap(Double.init) == 130)
                // Looking back an hour: the hexapod's 7.5 from 30 min before.
                #expect(row["hexapod_u"].flatMap(Double.init) == 7.5)
                let second = try #require(try await pool.query("SELECT temp_mean, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 2").records.first)
                // Temperature stops at end+10 = now-60, exactly the second exposure's start (now-60 ... now-50):
                // that one edge sample (k = 40, salIndex 110) is all it has; the window closes once every
                // topic has been read to its end. The hexapod value during it is 9.25.
                #expect(second["temp_mean"] == "40")
                #expect(second["hexapod_u"].flatMap(Double.init) == 9.25)
                let visit = try await pool.query("SELECT visit_id, temp_mean, hexapod_u FROM efd_latiss.visit1_efd WHERE seq_num = 1").rows
                #expect(visit == [["2026112500001", "15", "7.5"]])
                // Unpivoted: one row per field, stddev (ddof 1) of k = 0...30 is sqrt(82.666...) for both.
                let unpivoted = try await pool.query("SELECT field, value FROM efd_latiss.exposure_efd_unpivoted WHERE seq_num = 1 ORDER BY field").rows
                #expect(unpivoted.map { $0[0] } == ["temperatureItem0", "temperatureItem1"])
                var squares = 0.0
                for k in 0...30 { squares += Double((k - 15) * (k - 15)) }
                let expected = (squares / 30).squareRoot()
                #expect(unpivoted.count == 2 && unpivoted.allSatisfy { row in row[1].flatMap(Double.init).map { abs($0 - expected) < 1e-5 } ?? false })
                #expect(try await count("SELECT count(*) FROM consdb_ingest.rejected WHERE worker = 'efd stream LATISS'") == 1)

                // Late data inside the first exposure: a hotter salIndex-110 sample re-opens and rewrites it.
                try await send(.record([
                    ("salIndex", .int(110)), ("private_sndStamp", .double(begin + 15.5 + 37)), ("private_efdStamp", .double(begin + 15.5)),
                    ("temperatureItem", .array([.float(31), .float(0)])),
                ]), temperature, id: temperatureID, topic: "lsst.sal.ESS.temperature")
                // (0 + 2 + ... + 30 + 31) / 17 = 271 / 17.
                try await waitUntil("the late sample's rewrite") {
                    let value = try await pool.query("SELECT temp_mean FROM efd_latiss.exposure_efd WHERE seq_num = 1").rows.first?.first ?? nil
                    return value.flatMap(Double.init).map { abs($0 - 271.0 / 17) < 1e-5 } ?? false
                }
                // The rewrite recomputed the whole row from the buffered data: nothing else turned NULL.
                let rewritten = try await pool.query("SELECT temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 1").rows
                #expect(rewritten == [["130", "7.5"]])
            } catch {
                worker.stop()
                _ = try? await run.value
                throw error
            }
            worker.stop()
            try await run.value
            await consumer.close()
            await producer.close()
            await registry.stop()
            await cluster.close()
            await pool.shutdown()
        }
    }
}
