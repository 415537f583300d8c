import Avro
import Fetch
import Ingest
import Kafka
import Logging
import ServiceLifecycle

/// What the long-running workers (`hinfo`, `efd stream`) set up alike: Kafka and the schema registry from
/// the environment, the metrics port, and running in one ServiceGroup with the pool, the consumer and the
/// metrics server.
enum WorkerSetup {
    /// DESIGN §4's Kafka settings, with a default consumer group (and assignment strategy, when
    /// `KAFKA_ASSIGNMENT_STRATEGY` is not set).
    static func kafka(_ settings: Settings, defaultGroup: String, defaultAssignment: KafkaConfiguration.AssignmentStrategy? = nil) throws -> KafkaConfiguration {
        var kafka: KafkaConfiguration
        do throws(KafkaConfigurationError) { kafka = try KafkaConfiguration.fromEnvironment(settings.values) } catch {
            throw SettingError(error.variable, error.problem)
        }
        if kafka.groupID == nil { kafka.groupID = defaultGroup }
        if let defaultAssignment, settings.string("KAFKA_ASSIGNMENT_STRATEGY") == nil { kafka.assignmentStrategy = defaultAssignment }
        return kafka
    }

    /// The registry client (`SCHEMA_URL`, optional `SCHEMA_USERNAME` / `SCHEMA_PASSWORD`) and its URL
    /// without credentials, for the logs.
    static func registry(_ settings: Settings) throws -> (client: SchemaRegistryClient, redactedURL: String) {
        guard let url = settings.string("SCHEMA_URL") else { throw SettingError("SCHEMA_URL", "is not set (the schema registry's URL)") }
        let client = SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(
            url: url, username: settings.string("SCHEMA_USERNAME"), password: settings.string("SCHEMA_PASSWORD"), maximumRetries: 3
        ))
        return (client, FetchURL.redacted(url))
    }

    /// The flag, else `CONSDB_METRICS_PORT`, else 9090; 0 means no metrics server.
    static func metricsPort(flag: Int?, _ settings: Settings) throws -> Int {
        let port = try flag ?? settings.positiveIntOrZero("CONSDB_METRICS_PORT", default: 9090)
        guard (0...65535).contains(port) else { throw SettingError("--metrics-port", "must be between 0 and 65535; got \(port)") }
        return port
    }

    /// Runs a worker in one `ServiceGroup` until it returns, or until SIGTERM/SIGINT asks it to finish: first
    /// `dependencies` (the database pool, then the Kafka consumer), then the worker, then the metrics server
    /// when `metricsPort` is not 0. Graceful shutdown goes in reverse order, so the metrics server stops
    /// first and the pool closes last; the worker returning, or failing, shuts the group down the same way.
    static func run(dependencies: [any Service], worker: WorkerService, metricsPort: Int,
                    exposition: @escaping @Sendable () -> String, isReady: @escaping @Sendable () -> Bool,
                    replication: ReplicaSetup? = nil, logger: Logger) async throws {
        // The drainer right after the pool: it stops after the worker and the consumer at shutdown.
        var ordered = dependencies
        if let replication { ordered.insert(contentsOf: replication.services, at: min(1, ordered.count)) }
        var services = ordered.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        if metricsPort > 0 {
            let replicaMetrics = replication?.metrics
            let metricsServer = MetricsServer.application(
                port: metricsPort, exposition: { exposition() + (replicaMetrics?.exposition() ?? "") }, isReady: isReady,
                notes: { replicaMetrics?.readinessNotes ?? [] }, logger: logger)
            services.append(.init(service: metricsServer))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
