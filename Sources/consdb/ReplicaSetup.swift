import ArgumentParser
import Ingest
import Logging
import Postgres
import Prometheus
import ServiceLifecycle

/// `--replica-url`, shared by the writers (`hinfo`, `efd stream`, `efd batch`) and `consdb replicas`.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .customLong("replica-url"), help: "A replica database (repeatable; else CONSDB_REPLICA_URLS, comma-separated). The primary stays the commit point; replicas catch up from its outbox.")
    var replicaURLs: [String] = []
}

/// The writers' replication: which replicas (flags win over `CONSDB_REPLICA_URLS`), the outbox and the
/// capture triggers prepared in the primary, and the drainer to run in the worker's group.
struct ReplicaSetup {
    let replicas: [ReplicaTarget]
    let drainer: ReplicaDrainer?
    let metrics: ReplicaMetrics

    /// The configured replicas: `--replica-url` values, else `CONSDB_REPLICA_URLS`.
    static func targets(_ options: ReplicaOptions, _ settings: Settings) throws -> [ReplicaTarget] {
        let values = options.replicaURLs.isEmpty ? (settings.string("CONSDB_REPLICA_URLS").map { [$0] } ?? []) : options.replicaURLs
        let setting = options.replicaURLs.isEmpty ? "CONSDB_REPLICA_URLS" : "--replica-url"
        do throws(ReplicaSettingError) { return try ReplicaTarget.parseList(values) } catch {
            throw SettingError(setting, error.problem)
        }
    }

    /// Reads the settings and, with replicas configured, prepares the primary for the tables of `schemas`.
    /// - Parameter registry: where the replica metrics go (the API's own registry, for `consdb serve`).
    static func make(_ options: ReplicaOptions, _ settings: Settings, primary: String, schemas: [String], logger: Logger,
                     registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) async throws -> ReplicaSetup {
        let replicas = try targets(options, settings)
        let threshold = try settings.positiveInt("CONSDB_REPLICA_LAG_THRESHOLD", default: 10_000)
        let metrics = ReplicaMetrics(replicas: replicas, lagThreshold: threshold, registry: registry)
        guard !replicas.isEmpty else { return ReplicaSetup(replicas: [], drainer: nil, metrics: metrics) }
        var drain = ReplicaDrainSettings()
        drain.batchSize = try settings.positiveInt("CONSDB_REPLICA_BATCH", default: 500)
        drain.pollInterval = .seconds(try settings.positiveDouble("CONSDB_REPLICA_POLL_SECONDS", default: 1))
        let connection = try await Connection.connect(primary, logger: logger)
        let tables = try await ReplicaOutbox.prepare(replicas: replicas, schemas: schemas, on: connection)
        logger.info("replicated writes", metadata: [
            "event": "replica.config", "replicas": "\(replicas.map(\.name).joined(separator: ","))",
            "tables": "\(tables.map(\.description).joined(separator: ","))", "lag_threshold": "\(threshold)",
        ])
        let drainer = ReplicaDrainer(primary: primary, replicas: replicas, settings: drain, metrics: metrics, logger: logger)
        return ReplicaSetup(replicas: replicas, drainer: drainer, metrics: metrics)
    }

    /// The drainer as a service, or none without replicas.
    var services: [any Service] { drainer.map { [$0.service] } ?? [] }

    /// Drains each replica once (no retry), for one-shot commands at their end: what cannot be applied now
    /// stays in the outbox for a running worker or `consdb replicas --drain`.
    func drainBeforeExit(logger: Logger) async {
        guard let drainer else { return }
        for replica in replicas {
            let outcome = await drainer.drainOnce(replica)
            logger.info("replica drained before exit", metadata: ["event": "replica.drain", "replica": "\(replica.name)", "outcome": "\(outcome)"])
        }
    }
}
