import Hummingbird
import Logging
import Postgres

/// The TAP service as `consdb serve` mounts it: its settings, the executor shared by sync and async,
/// the TAP_SCHEMA cache, and the routes under ``TAPConfiguration/basePath``.
public struct TAPService: Sendable {
    public let configuration: TAPConfiguration
    public let url: ServiceURL
    public let catalog: TAPCatalogCache
    public let runner: TAPQueryRunner
    let readerPool: ConnectionPool
    let admit: @Sendable () async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - readerPool: the query reader's pool: queries and TAP_SCHEMA are read through it.
    ///   - admit: refuses queries while the reader role is privileged; throw ``TAPUnavailable``.
    public init(configuration: TAPConfiguration, publicURL: String? = nil, readerPool: ConnectionPool, logger: Logger,
                admit: @escaping @Sendable () async throws -> Void = {}) {
        self.configuration = configuration
        self.url = ServiceURL(publicURL: publicURL, basePath: configuration.basePath)
        self.catalog = TAPCatalogCache(pool: readerPool)
        self.runner = TAPQueryRunner(configuration: configuration, pool: readerPool, catalog: catalog, logger: logger)
        self.readerPool = readerPool
        self.admit = admit
        self.logger = logger
    }

    /// Adds every TAP route to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        let group = router.group(RouterPath(url.basePath))
        TAPSyncRoutes(configuration: configuration, executor: runner, logger: logger, admit: admit).register(on: group)
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
