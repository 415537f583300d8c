import Avro
import DevServices
import EFD
import Felis
import FelisCatalog
import Foundation
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport
import TimeScales

/// What the EFD stream's end-to-end tests share: a fresh ConsDB with `cdb_latiss` and the config's
/// `efd_latiss`, librdkafka's mock cluster with the config's topics, the registry fixture with the
/// temperature and hexapod schemas, and a producer.
struct EFDStreamHarness: Sendable {
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

    static let temperatureTopic = "lsst.sal.ESS.temperature"
    static let hexapodTopic = "lsst.sal.MTHexapod.application"

    static let temperatureSchema = """
        {"type": "record", "name": "temperature", "namespace": "lsst.sal.ESS", "fields": [
          {"name": "salIndex", "type": "int"}, {"name": "private_sndStamp", "type": "double"},
          {"name": "private_efdStamp", "type": "double"}, {"name": "temperatureItem", "type": {"type": "array", "items": "float"}}]}
        """
    static let hexapodSchema = """
        {"type": "record", "name": "application", "namespace": "lsst.sal.MTHexapod", "fields": [
          {"name": "private_efdStamp", "type": "double"}, {"name": "u", "type": "double"}, {"name": "v", "type": "double"}]}
        """

    let url: String
    let pool: ConnectionPool
    let config: EFDConfig
    let cluster: KafkaMockCluster
    let registry: SchemaRegistryServer
    let producer: KafkaProducer
    let temperatureID: UInt32
    let hexapodID: UInt32
    let temperature: AvroSchema
    let hexapod: AvroSchema

    /// Runs `body` with fresh services; `configText` (default `config`) may add columns of other topics
    /// (their topics are created; their schemas are the test's to register).
    static func with(config configText: String = Self.config, _ body: (EFDStreamHarness) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { url in
            // What is started is stopped on every path, also when a later step of the setup throws.
            try await withCleanups { cleanups in
                let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4))
                cleanups.add { await pool.shutdown() }
                let config = try EFDConfig.parse(configText)
                try await pool.withConnection { connection in
                    _ = try await SchemaApplier.apply(felisFile: ReferenceData.felis("cdb_latiss.yaml"), on: connection)
                    _ = try await SchemaApplier.apply(EFDSchema.felis(for: config, instrument: "latiss"), on: connection)
                }
                let cluster = try KafkaMockCluster.start(logger: ingestTestLogger)
                cleanups.add { await cluster.close() }
                let registry = SchemaRegistryServer(logger: ingestTestLogger)
                cleanups.add { await registry.stop() }
                _ = try await registry.start()
                var producerConfiguration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
                producerConfiguration.linger = .milliseconds(1)
                let producer = try KafkaProducer.make(configuration: producerConfiguration, logger: ingestTestLogger)
                cleanups.add { await producer.close() }
                for topic in config.topicNames { try await cluster.createTopic(topic) }
                let harness = EFDStreamHarness(
                    url: url, pool: pool, config: config, cluster: cluster, registry: registry, producer: producer,
                    temperatureID: try registry.register(subject: "\(Self.temperatureTopic)-value", schemaText: Self.temperatureSchema),
                    hexapodID: try registry.register(subject: "\(Self.hexapodTopic)-value", schemaText: Self.hexapodSchema),
                    temperature: try AvroSchema(parsing: Self.temperatureSchema), hexapod: try AvroSchema(parsing: Self.hexapodSchema)
                )
                try await body(harness)
            }
        }
    }

    static func tai(_ utc: Double) -> Double { LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc) }

    /// A temperature sample at `utc` (EFD time).
    func sendTemperature(at utc: Double, salIndex: Int32, items: [Float]) async throws {
        try await send(.record([
            ("salIndex", .int(salIndex)), ("private_sndStamp", .double(Self.tai(utc))), ("private_efdStamp", .double(utc)),
            ("temperatureItem", .array(items.map { .float($0) })),
        ]), temperature, id: temperatureID, topic: Self.temperatureTopic)
    }

    func sendHexapod(at utc: Double, u: Double) async throws {
        try await send(.record([("private_efdStamp", .double(utc)), ("u", .double(u)), ("v", .double(0))]), hexapod, id: hexapodID, topic: Self.hexapodTopic)
    }

    func send(_ value: AvroValue, _ schema: AvroSchema, id: UInt32, topic: String) async throws {
        try await producer.send(topic: topic, value: try AvroEncoder().encodeFrame(value, as: schema, schemaID: id))
    }

    static func exposureID(_ seq: Int) -> Int64 { 2026112500000 + Int64(seq) }

    /// An exposure row as `hinfo` writes it: obs_start/obs_end in TAI.
    func insertExposure(seq: Int, begin: Double, end: Double) async throws {
        func tai(_ utc: Double) -> String { TAITimestamp(taiUnixSeconds: Self.tai(utc))!.isoTextMilliseconds }
        let name = "AT_O_20261125_\(String(format: "%06d", seq))"
        try await pool.query("""
            INSERT INTO cdb_latiss.exposure (exposure_id, exposure_name, controller, day_obs, seq_num, obs_start, obs_end)
            VALUES (\(Self.exposureID(seq)), \(name), 'O', 20261125, \(seq), \(tai(begin))::timestamp, \(tai(end))::timestamp)
            """)
    }

    func consumerConfiguration(group: String, strategy: KafkaConfiguration.AssignmentStrategy = .eager) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group)
        configuration.fetchWaitMax = .milliseconds(10)
        configuration.sessionTimeout = .seconds(6)
        configuration.heartbeatInterval = .milliseconds(500)
        configuration.assignmentStrategy = strategy
        // Topics that disappear are noticed within a second, not five minutes.
        configuration.extraProperties["topic.metadata.refresh.interval.ms"] = "1000"
        return configuration
    }

    static var quickSettings: EFDStreamSettings {
        var settings = EFDStreamSettings()
        settings.lateness = .seconds(2)
        settings.maximumWait = .seconds(4)
        settings.pollInterval = .milliseconds(300)
        settings.tick = .milliseconds(50)
        return settings
    }

    func worker(group: String, strategy: KafkaConfiguration.AssignmentStrategy = .eager, settings: EFDStreamSettings = quickSettings,
                metrics: EFDStreamMetrics = EFDStreamMetrics(instrument: "LATISS")) throws -> (EFDStreamWorker, KafkaConsumer) {
        let consumer = try KafkaConsumer.make(configuration: consumerConfiguration(group: group, strategy: strategy), logger: ingestTestLogger)
        let worker = EFDStreamWorker(
            consumer: consumer,
            registry: SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(url: registry.baseURL!)),
            engine: SummaryEngine(config: config), pool: pool, listenURL: url, instrument: "LATISS",
            cdbSchema: "cdb_latiss", efdSchema: "efd_latiss", settings: settings, metrics: metrics, logger: ingestTestLogger
        )
        return (worker, consumer)
    }

    /// Runs `worker` for the duration of `body`, then stops it and closes its consumer, on every path.
    func running<T: Sendable>(_ worker: EFDStreamWorker, _ consumer: KafkaConsumer, _ body: () async throws -> T) async throws -> T {
        let run = Task { try await worker.run() }
        do {
            let value = try await body()
            worker.stop()
            try await withDeadline(60, "the stream to stop") { try await run.value }
            await consumer.close()
            return value
        } catch {
            worker.stop()
            _ = try? await run.value
            await consumer.close()
            throw error
        }
    }

    func count(_ sql: SQL) async throws -> Int {
        (try await pool.query(sql).rows.first?.first ?? nil).flatMap { Int($0) } ?? 0
    }

    func value(_ sql: SQL) async throws -> String? {
        try await pool.query(sql).rows.first?.first ?? nil
    }

    func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        try await IngestTests.waitUntil(what, timeout: timeout, condition)
    }
}

extension EFDStreamMetrics {
    /// A metric's value from the exposition text (the first series of that name).
    func reading(_ name: String) -> Double? {
        for line in exposition().split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }
}
