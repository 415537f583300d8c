import Hummingbird
import Logging
import Postgres
import Prometheus
import ServiceLifecycle

/// The TAP service as `consdb serve` mounts it: its settings, the executor shared by sync and async,
/// the TAP_SCHEMA cache, and the routes under ``TAPConfiguration/basePath``.
public struct TAPService: Sendable {
    public let configuration: TAPConfiguration
    public let url: ServiceURL
    public let catalog: TAPCatalogCache
    public let runner: TAPQueryRunner
    /// Async jobs: kept in the writer's database (`consdb_ingest.tap_job`), run by ``jobRunner``.
    public let jobs: TAPJobStore
    /// The service that runs this server's share of the queued async jobs; add it to the server's group.
    public let jobRunner: TAPJobRunner
    let readerPool: ConnectionPool
    let admit: @Sendable () async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - readerPool: the query reader's pool: queries and TAP_SCHEMA are read through it.
    ///   - writerPool: the server's own pool, which owns the async job table (the reader never sees it).
    ///   - registry: where the async jobs' metrics go (the API's `/metrics`).
    ///   - admit: refuses queries while the reader role is privileged; throw ``TAPUnavailable``.
    public init(configuration: TAPConfiguration, publicURL: String? = nil, readerPool: ConnectionPool, writerPool: ConnectionPool,
                registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger,
                admit: @escaping @Sendable () async throws -> Void = {}) {
        self.configuration = configuration
        self.url = ServiceURL(publicURL: publicURL, basePath: configuration.basePath)
        self.catalog = TAPCatalogCache(pool: readerPool)
        self.runner = TAPQueryRunner(configuration: configuration, pool: readerPool, catalog: catalog, logger: logger)
        self.jobs = TAPJobStore(pool: writerPool)
        let runner = self.runner
        let gatedExecutor = GatedExecutor(executor: runner, admit: admit)
        self.jobRunner = TAPJobRunner(store: jobs, executor: gatedExecutor, configuration: configuration,
                                      metrics: TAPJobMetrics(registry: registry), logger: logger)
        self.readerPool = readerPool
        self.admit = admit
        self.logger = logger
    }

    /// Adds every TAP route to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        let group = router.group(RouterPath(url.basePath))
        TAPSyncRoutes(configuration: configuration, executor: runner, logger: logger, admit: admit).register(on: group)
        TAPAsyncRoutes(store: jobs, executor: runner, configuration: configuration, runner: jobRunner,
                       maxBodyBytes: configuration.maxRequestBytes).register(on: group)
        TAPServiceRoutes(configuration: configuration, url: url, catalog: catalog, logger: logger,
                         availability: { await availability() }).register(on: group)
    }

    /// Available when the reader role may run queries and TAP_SCHEMA can be read.
    func availability() async -> (available: Bool, note: String?) {
        do {
            try await admit()
            _ = try await catalog.current()
            return (true, "The service accepts queries")
        } catch let error as TAPUnavailable {
            return (false, error.message)
        } catch {
            return (false, "The database or its TAP_SCHEMA cannot be read: \(error)")
        }
    }
}

/// The executor as async jobs use it: the reader role is checked before each job runs, as for sync.
struct GatedExecutor: TAPQueryExecuting {
    let executor: any TAPQueryPreparing
    let admit: @Sendable () async throws -> Void

    func contentType(for parameters: TAPParameters) throws(TAPRequestError) -> String {
        try executor.contentType(for: parameters)
    }

    func execute(_ parameters: TAPParameters, timeoutSeconds: Double,
                 write: ([UInt8]) async throws -> Void) async throws -> TAPQueryOutcome {
        try await admit()
        return try await executor.execute(parameters, timeoutSeconds: timeoutSeconds, write: write)
    }
}
