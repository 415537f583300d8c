import API
import ArgumentParser
import Consistency
import Foundation
import FelisCatalog
import Hummingbird
import Ingest
import Logging
import Postgres
import Prometheus
import ServiceLifecycle
import TAP

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the ConsDB HTTP API (flexible metadata, inserts, queries, schema).",
        discussion: """
            Environment: CONSDB_DATABASE_URL (or POSTGRES_URL / CONSDB_URL, or DB_HOST, DB_PORT, DB_USER, DB_PASS, \
            DB_NAME), CONSDB_HOST, CONSDB_PORT, URL_PREFIX (/consdb), CONSDB_API_TOKEN (tokens for write endpoints, \
            comma-separated; Bearer or Basic password), CONSDB_API_TOKEN_FILE (one token per line), CONSDB_AUTH_READS \
            (false; true: reads and queries need a token too), LOG_CONFIG (levels per logger), STATEMENT_TIMEOUT_SECONDS \
            (600), MAX_ROWS (1000000), FETCH_SIZE (10000), CONSDB_MAX_BODY_BYTES (16 MiB), CONSDB_POOL_SIZE (10), \
            CONSDB_QUERY_DATABASE_URL (the unprivileged reader login role POST /consdb/query runs as; see \
            `consdb roles`), CONSDB_ALLOW_PRIVILEGED_QUERY_ROLE (false; development only: serve queries even \
            when that role is a superuser or similar, which otherwise answer 503), CONSDB_DOCS_ASSETS (the Swagger UI \
            and Redoc files of /consdb/docs and /consdb/redoc; default: PyPI's fastapi-offline as python3 finds it), \
            CONSISTENCY_RULES_DIR (config/consistency: the rules of GET /consdb/table_consistency), \
            CONSDB_CONSISTENCY_DATABASE_URL (the consistency login role those checks run as; see `consdb roles \
            --consistency-login`; unset: the query reader, without the rules on consdb_ingest). \
            The IVOA TAP service: CONSDB_TAP (true; false leaves it out), CONSDB_TAP_PATH (<URL_PREFIX>/tap), \
            CONSDB_TAP_PUBLIC_URL (the service's URL as clients reach it; default: from the request's Host), \
            CONSDB_TAP_MAXREC (rows when MAXREC is not given, 100000), CONSDB_TAP_MAX_MAXREC (hard row limit, \
            MAX_ROWS), CONSDB_TAP_RESULTS_DIR (where async results are written; default a directory under the \
            system's temporary directory), CONSDB_TAP_MAX_JOBS (async jobs executing at once, 4), \
            CONSDB_TAP_MAX_EXECUTION_SECONDS (3600), CONSDB_TAP_DESTRUCTION_DAYS (7). \
            CONSDB_REPLICA_URLS (or --replica-url): replicas that receive the API's writes (flexible metadata, \
            inserts) to the cdb_* schemas, through the primary's outbox, as the workers' writes do.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var replicaOptions: ReplicaOptions

    @Option(name: .long, help: "Address to listen on (else CONSDB_HOST; default 0.0.0.0).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (else CONSDB_PORT; default 8080).")
    var port: Int?

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            _ = try common.bootstrapLogging(settings)
            // The reference's `consdb.pqserver` in LOG_CONFIG sets this logger's level.
            let logger = Logger(label: "consdb.api")
            let url = try settings.databaseURL(flag: common.databaseURL)
            let listenPort = try port ?? settings.positiveInt("CONSDB_PORT", default: 8080)
            guard (1...65535).contains(listenPort) else { throw SettingError("--port", "must be between 1 and 65535; got \(listenPort)") }
            let listenHost = host ?? settings.string("CONSDB_HOST") ?? "0.0.0.0"

            var configuration = APIConfiguration()
            configuration.prefix = settings.string("URL_PREFIX") ?? configuration.prefix
            guard configuration.prefix.hasPrefix("/") else { throw SettingError("URL_PREFIX", "must start with '/'; got '\(configuration.prefix)'") }
            configuration.writeTokens = try settings.apiTokens()
            configuration.authenticateReads = try settings.authenticateReads(hasTokens: !configuration.writeTokens.isEmpty)
            configuration.queryTimeoutSeconds = try settings.positiveDouble("STATEMENT_TIMEOUT_SECONDS", default: configuration.queryTimeoutSeconds)
            configuration.queryRowCap = try settings.positiveInt("MAX_ROWS", default: configuration.queryRowCap)
            configuration.queryFetchSize = try settings.positiveInt("FETCH_SIZE", default: configuration.queryFetchSize)
            configuration.maxBodyBytes = try settings.positiveInt("CONSDB_MAX_BODY_BYTES", default: configuration.maxBodyBytes)
            let poolSize = try settings.positiveInt("CONSDB_POOL_SIZE", default: 10)
            configuration.docsAssetsDirectory = settings.string("CONSDB_DOCS_ASSETS")
            if configuration.docsAssetsDirectory == nil {
                configuration.docsAssetsDirectory = await DocsAssets.search()
                if configuration.docsAssetsDirectory == nil {
                    logger.warning("API docs pages disabled: no Swagger UI/Redoc files found; \(DocsAssets.installHint)", metadata: ["event": "serve.docs_assets_missing"])
                }
            }

            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: poolSize), logger: logger)
            let queryPool = settings.string("CONSDB_QUERY_DATABASE_URL").map {
                ConnectionPool(configuration: .init(conninfo: $0, maxConnections: poolSize), logger: logger)
            }
            // The query role is checked at start (one log line says what was found) without holding up the
            // server if the database is slow to answer; a privileged role closes POST /consdb/query only.
            let roleGate = QueryRoleGate(
                pool: queryPool ?? pool, allowPrivileged: try settings.flag("CONSDB_ALLOW_PRIVILEGED_QUERY_ROLE"), logger: logger
            )
            Task { await roleGate.check() }
            let consistencyPool = settings.string("CONSDB_CONSISTENCY_DATABASE_URL").map {
                ConnectionPool(configuration: .init(conninfo: $0, maxConnections: 2), logger: logger)
            }
            let consistency = try consistencyService(settings, consistencyPool: consistencyPool, queryPool: queryPool,
                                                     timeoutSeconds: configuration.queryTimeoutSeconds, logger: logger)
            if let consistency { Task { await consistency.checkRole() } }
            let service = APIService(pool: pool, configuration: configuration, logger: logger)
            let metrics = APIMetrics()
            let replication = try await replicaSetup(settings, primary: url, metrics: metrics, logger: logger)
            let tap = try tapService(settings, api: configuration, readerPool: queryPool ?? pool, writerPool: pool, metrics: metrics,
                                     roleGate: roleGate, logger: logger)
            let router = ConsDBAPI.router(service: service, metrics: metrics, queryPool: queryPool, queryRoleGate: roleGate,
                                          consistency: consistency, tap: tap)
            let app = Application(
                router: router,
                configuration: .init(address: .hostname(listenHost, port: listenPort), serverName: "consdb"),
                logger: logger
            )
            logger.info("serving the ConsDB API", metadata: [
                "event": "serve.start", "address": "\(listenHost):\(listenPort)", "prefix": "\(configuration.prefix)",
                "database": "\(DatabaseURL.redacted(url))", "write_auth": "\(!configuration.writeTokens.isEmpty)",
                "tokens": "\(configuration.writeTokens.count)", "read_auth": "\(configuration.authenticateReads)",
            ])
            // The pools first, so that they close after the server has answered its last request.
            let services: [any Service] = [pool] + (queryPool.map { [$0] } ?? []) + (consistencyPool.map { [$0] } ?? [])
                + replication.services + (tap.map { [$0.jobRunner] } ?? []) + [app]
            let group = ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await group.run()
            logger.info("stopped", metadata: ["event": "serve.stop"])
        }
    }

    /// With replicas configured, the capture triggers on every `cdb_*` schema the primary holds now (the
    /// API writes only there) and the drainer, whose metrics join the API's on /metrics. Without, nothing
    /// touches the database here.
    private func replicaSetup(_ settings: Settings, primary: String, metrics: APIMetrics, logger: Logger) async throws -> ReplicaSetup {
        guard !(try ReplicaSetup.targets(replicaOptions, settings)).isEmpty else {
            return try await ReplicaSetup.make(replicaOptions, settings, primary: primary, schemas: [], logger: logger, registry: metrics.registry)
        }
        let connection = try await Connection.connect(primary, logger: logger)
        let schemas = try await ReaderRole.publishedSchemas(on: connection).filter { $0.hasPrefix("cdb_") }
        return try await ReplicaSetup.make(replicaOptions, settings, primary: primary, schemas: schemas, logger: logger, registry: metrics.registry)
    }

    /// The TAP service's settings; nil when CONSDB_TAP is false. Its queries run on the same reader
    /// pool, behind the same role gate, as `POST /consdb/query`.
    private func tapService(
        _ settings: Settings, api: APIConfiguration, readerPool: ConnectionPool, writerPool: ConnectionPool, metrics: APIMetrics,
        roleGate: QueryRoleGate, logger: Logger
    ) throws -> TAPService? {
        guard try settings.flag("CONSDB_TAP", default: true) else { return nil }
        var tap = TAPConfiguration()
        var prefix = api.prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        tap.basePath = settings.string("CONSDB_TAP_PATH") ?? prefix + "/tap"
        tap.maxMaxRec = try settings.positiveInt("CONSDB_TAP_MAX_MAXREC", default: api.queryRowCap)
        tap.defaultMaxRec = min(try settings.positiveInt("CONSDB_TAP_MAXREC", default: tap.defaultMaxRec), tap.maxMaxRec)
        tap.syncTimeoutSeconds = api.queryTimeoutSeconds
        tap.fetchSize = api.queryFetchSize
        tap.maxExecutingJobs = try settings.positiveInt("CONSDB_TAP_MAX_JOBS", default: tap.maxExecutingJobs)
        tap.maxExecutionSeconds = try settings.positiveDouble("CONSDB_TAP_MAX_EXECUTION_SECONDS", default: tap.maxExecutionSeconds)
        tap.defaultDestructionSeconds = try settings.positiveDouble("CONSDB_TAP_DESTRUCTION_DAYS", default: 7) * 86_400
        tap.maxDestructionSeconds = max(tap.maxDestructionSeconds, tap.defaultDestructionSeconds)
        tap.resultsDirectory = settings.string("CONSDB_TAP_RESULTS_DIR")
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("consdb-tap-results").path
        return TAPService(configuration: tap, publicURL: settings.string("CONSDB_TAP_PUBLIC_URL"), readerPool: readerPool,
                          writerPool: writerPool, registry: metrics.registry, logger: Logger(label: "consdb.tap"),
                          admit: { try await roleGate.admitTAP() })
    }

    /// The table-consistency endpoint's rules and pool. Without CONSISTENCY_RULES_DIR and without the
    /// default directory the endpoint is left out (one warning); a bad rules file is a setting error.
    private func consistencyService(
        _ settings: Settings, consistencyPool: ConnectionPool?, queryPool: ConnectionPool?, timeoutSeconds: Double, logger: Logger
    ) throws -> ConsistencyService? {
        let explicit = settings.string("CONSISTENCY_RULES_DIR")
        let directory = explicit ?? "config/consistency"
        if explicit == nil, !FileManager.default.fileExists(atPath: directory) {
            logger.warning("table consistency disabled: no rules directory \(directory); set CONSISTENCY_RULES_DIR", metadata: ["event": "serve.consistency_rules_missing"])
            return nil
        }
        let rules: [String: RuleSet]
        do {
            rules = try RuleFileLoader.loadDirectory(directory)
        } catch let error as RuleFileError {
            throw SettingError("CONSISTENCY_RULES_DIR", "has a bad rules file: \(error)")
        }
        let access: ConsistencyService.Access = consistencyPool.map { .consistencyLogin($0) } ?? queryPool.map { .queryReader($0) } ?? .none
        if case .queryReader = access {
            logger.warning("table consistency runs as the query reader: the rules on consdb_ingest are not checked; set CONSDB_CONSISTENCY_DATABASE_URL", metadata: ["event": "serve.consistency_reader"])
        } else if case .none = access {
            logger.warning("table consistency disabled (it never runs on the writer pool): set CONSDB_CONSISTENCY_DATABASE_URL", metadata: ["event": "serve.consistency_disabled"])
        }
        return ConsistencyService(rules: rules, access: access, statementTimeoutMilliseconds: Int(timeoutSeconds * 1000), logger: logger)
    }
}
