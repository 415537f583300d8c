import Avro
import DevServices
import Fetch
import Felis
import FelisCatalog
import Foundation
import Ingest
import Kafka
import Logging
import Postgres
import Testing
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
import TimeScales
#endif

let ingestTestLogger: Logger = {
    var logger = Logger(label: "ingest-tests")
    logger.logLevel = ProcessInfo.processInfo.environment["INGEST_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

/// Every real service the header worker talks to, started for one test: a fresh database with the
/// instrument's Felis schema, librdkafka's mock cluster, the registry fixture, and moto_server for S3.
final class HinfoHarness: Sendable {
    let instrument: Instrument
    let databaseURL: String
    let pool: ConnectionPool
    let cluster: KafkaMockCluster
    let registry: SchemaRegistryServer
    let moto: ExternalServer?
    let producer: KafkaProducer
    let announcer: HeaderAnnouncer
    let bucket = "rubinobs-lfa-cp"

    private init(instrument: Instrument, databaseURL: String, pool: ConnectionPool, cluster: KafkaMockCluster, registry: SchemaRegistryServer,
                 moto: ExternalServer?, producer: KafkaProducer, announcer: HeaderAnnouncer) {
        self.instrument = instrument
        self.databaseURL = databaseURL
        self.pool = pool
        self.cluster = cluster
        self.registry = registry
        self.moto = moto
        self.producer = producer
        self.announcer = announcer
    }

    /// Runs `body` with everything started, and stops it all afterwards (also what was started when a
    /// later step of the setup throws).
    static func with<T: Sendable>(_ instrument: Instrument, felis: String? = nil, s3: Bool = true, _ body: (HinfoHarness) async throws -> T) async throws -> T {
        try await TestDatabase.withFreshDatabase { url in
            try await withCleanups { cleanups in
                let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 4))
                cleanups.add { await pool.shutdown() }
                try await pool.withConnection { connection in
                    let file = felis ?? "cdb_\(instrument.rawValue.lowercased())"
                    _ = try await SchemaApplier.apply(felisFile: ReferenceData.felis("\(file).yaml"), on: connection)
                }
                let cluster = try KafkaMockCluster.start(logger: ingestTestLogger)
                cleanups.add { await cluster.close() }
                try await cluster.createTopic(instrument.eventTopic)
                let registry = SchemaRegistryServer(logger: ingestTestLogger)
                cleanups.add { await registry.stop() }
                _ = try await registry.start()
                let moto = s3 ? try await ExternalServer.motoServer() : nil
                if let moto { cleanups.add { moto.stop() } }
                var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
                configuration.linger = .milliseconds(1)
                let producer = try KafkaProducer.make(configuration: configuration, logger: ingestTestLogger)
                cleanups.add { await producer.close() }
                let schemaID = try await HeaderAnnouncer.registerSchema(for: instrument, registryURL: registry.baseURL!)
                let harness = HinfoHarness(
                    instrument: instrument, databaseURL: url, pool: pool, cluster: cluster, registry: registry, moto: moto, producer: producer,
                    announcer: try HeaderAnnouncer(instrument: instrument, producer: producer, schemaID: schemaID)
                )
                if let moto { try await harness.put(moto.baseURL + "/" + harness.bucket, body: nil) }
                return try await body(harness)
            }
        }
    }

    // MARK: S3

    var s3Settings: S3Settings? {
        moto.map { S3Settings(endpoint: $0.baseURL, region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing") }
    }

    /// Stores a header in the bucket under HeaderService's key layout and returns the URL HeaderService
    /// would announce (the site S3 host, which the worker rewrites to s3://).
    func storeHeader(_ bytes: [UInt8], name: String, day: String = "2024/08/01") async throws -> String {
        let key = "\(instrument.headerService)/header/\(day)/\(instrument.headerService)_header_\(name).yaml"
        try await put(moto!.baseURL + "/\(bucket)/" + key, body: Data(bytes))
        return "https://s3.cp.lsst.org/\(bucket)/\(key)"
    }

    /// The announced URL of a header that is not (yet) stored.
    func headerURL(name: String, day: String = "2024/08/01") -> String {
        "https://s3.cp.lsst.org/\(bucket)/\(instrument.headerService)/header/\(day)/\(instrument.headerService)_header_\(name).yaml"
    }

    func put(_ url: String, body: Data?) async throws {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "PUT"
        request.httpBody = body
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200, "PUT \(url)")
    }

    // MARK: The worker

    func makeWorker(group: String = "hinfo-test", settings: HeaderEventSettings? = nil, policy: ExistingRowPolicy = .keep,
                    registryRetries: Int = 2, withoutS3: Bool = false) throws -> HeaderEventWorker {
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group)
        configuration.fetchWaitMax = .milliseconds(10)
        configuration.sessionTimeout = .seconds(6)
        configuration.heartbeatInterval = .milliseconds(500)
        let consumer = try KafkaConsumer.make(configuration: configuration, logger: ingestTestLogger)
        let registryClient = SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(
            url: registry.baseURL!, maximumRetries: registryRetries, retryBaseDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(100)
        ))
        let fetcher = Fetcher(s3: withoutS3 ? nil : s3Settings, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)), rewrite: URLRewrite(), logger: ingestTestLogger)
        let ingestor = HeaderIngestor(instrument: instrument, pool: pool, policy: policy, metrics: HinfoMetrics(instrument: instrument), logger: ingestTestLogger)
        var eventSettings = settings ?? HeaderEventSettings()
        if settings == nil {
            eventSettings.headerWait = .seconds(10)
            eventSettings.headerPollInterval = .milliseconds(50)
            eventSettings.maximumRetryDelay = .milliseconds(300)
            eventSettings.shutdownGrace = .seconds(5)
        }
        return HeaderEventWorker(consumer: consumer, registry: registryClient, fetcher: fetcher, ingestor: ingestor, settings: eventSettings, logger: ingestTestLogger)
    }

    /// Runs the worker for the duration of `body`, then stops it and closes its consumer.
    func running<T: Sendable>(_ worker: HeaderEventWorker, _ body: () async throws -> T) async throws -> T {
        try await runningStoppable(worker) { _ in try await body() }
    }

    /// Runs the worker for the duration of `body`, which may stop it early by calling `stop` (it returns
    /// when `run()` has, and fails after 30 s: a hang guard); then stops it (on every path) and closes its
    /// consumer.
    func runningStoppable<T: Sendable>(_ worker: HeaderEventWorker, _ body: (_ stop: @Sendable () async throws -> Void) async throws -> T) async throws -> T {
        try await worker.ingestor.prepare()
        let task = Task { try await worker.run() }
        let stop: @Sendable () async throws -> Void = {
            worker.stop()
            try await withDeadline(30, "the worker to stop") { try await task.value }
        }
        do {
            let value = try await body(stop)
            try await stop()
            await worker.consumer.close()
            return value
        } catch {
            worker.stop()
            _ = try? await task.value
            await worker.consumer.close()
            throw error
        }
    }

    /// The offset `group` committed on the event topic (partition 0), nil when none, read by a consumer
    /// that does not join the group.
    func committedOffset(group: String) async throws -> Int64? {
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: group)
        configuration.fetchWaitMax = .milliseconds(10)
        let observer = try KafkaConsumer.make(configuration: configuration, logger: ingestTestLogger)
        do {
            let committed = try await observer.committed([.init(topic: instrument.eventTopic, partition: 0)])
            await observer.close()
            return committed.values.first
        } catch {
            await observer.close()
            throw error
        }
    }

    func announce(url: String, id: String) async throws {
        try await announcer.announce(LargeFileAnnouncement(url: url, id: id, sentTAI: TAITimestamp.now().taiUnixSeconds))
    }

    // MARK: Looking at the database

    func count(_ sql: SQL) async throws -> Int {
        let cell = try await pool.query(sql).rows.first?.first ?? nil
        return cell.flatMap { Int($0) } ?? 0
    }

    /// Waits (polling) until `condition` holds, failing after `seconds`.
    func waitUntil(_ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
        try await IngestTests.waitUntil(what, timeout: .seconds(seconds), condition)
    }

    func rejections() async throws -> [(error: String, offset: Int64, source: String)] {
        try await pool.query("SELECT error, \"offset\", source FROM consdb_ingest.rejected ORDER BY id").rows.map {
            ($0[0] ?? "", Int64($0[1] ?? "") ?? -1, $0[2] ?? "")
        }
    }
}
