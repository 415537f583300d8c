import Hummingbird
import Logging
import Postgres
import TAP

/// Builds the HTTP API: every route of DESIGN §6 under the configured prefix, plus probes and metrics.
public enum ConsDBAPI {
    /// The router, ready for an `Application` (or for tests without a socket).
    ///
    /// - Parameter queryPool: pool for `POST /consdb/query`; pass one that connects as a read-only role
    ///   to add the database's own guarantee to the read-only transaction. Defaults to the main pool.
    /// - Parameter queryRoleGate: keeps `POST /consdb/query` closed while the query pool's role is
    ///   privileged (`consdb serve` always sets one); nil runs queries unchecked.
    /// - Parameter consistency: the daily table checks' endpoint and page, and their gauges on /metrics;
    ///   nil leaves them out.
    /// - Parameter tap: the IVOA TAP service, mounted at its own base path; nil leaves it out.
    public static func router(
        service: APIService, metrics: APIMetrics, queryPool: ConnectionPool? = nil, queryRoleGate: QueryRoleGate? = nil,
        consistency: ConsistencyService? = nil, tap: TAPService? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: GzipMiddleware())
        let routeTable = RouteTable()
        router.add(middleware: ErrorBodyMiddleware(routes: routeTable))
        let tokens = service.configuration.writeTokens.filter { !$0.isEmpty }
        if !tokens.isEmpty {
            router.add(middleware: WriteTokenMiddleware(
                tokens: tokens, authenticateReads: service.configuration.authenticateReads, prefix: service.configuration.prefix,
                anonymousPaths: tap.map { tap in Set(["/capabilities", "/availability"].map { tap.url.basePath + $0 }) } ?? []
            ))
        }
        let prefix = service.configuration.prefix.trimmingCharacters(in: ["/"])
        let group = router.group(RouterPath(prefix))
        let consistencyMetrics = consistency.map { ConsistencyMetrics(registry: metrics.registry, instruments: $0.instruments) }
        OperationsRoutes(service: service, metrics: metrics, beforeMetrics: { [consistency] in
            guard let consistency, let consistencyMetrics else { return }
            // The run log is internal: read with the consistency login when there is one, else by the
            // server's own role (a fixed query; only numbers leave).
            if case .consistencyLogin(let pool) = consistency.access {
                await consistencyMetrics.refresh(from: pool)
            } else {
                await consistencyMetrics.refresh(from: service.pool)
            }
        }).registerRoot(on: router, prefixGroup: group)
        FlexRoutes(service: service).register(on: group)
        InsertRoutes(service: service).register(on: group)
        QueryRoutes(service: service, queryPool: queryPool ?? service.pool, roleGate: queryRoleGate).register(on: group)
        SchemaRoutes(service: service).register(on: group)
        if let consistency { ConsistencyRoutes(consistency: consistency, prefix: service.configuration.prefix).register(on: group) }
        DocsRoutes(prefix: service.configuration.prefix, assets: docsAssets(service)).register(on: group)
        tap?.register(on: router)
        routeTable.set(router.routes.map { ($0.method.rawValue, $0.path.description) })
        return router
    }

    /// The docs pages' files, read once; a directory without them is logged (the pages then say what
    /// to install).
    private static func docsAssets(_ service: APIService) -> DocsAssets? {
        guard let directory = service.configuration.docsAssetsDirectory else { return nil }
        do {
            return try DocsAssets.load(directory: directory)
        } catch {
            service.logger.warning("API docs pages disabled", metadata: ["event": "api.docs_assets_missing", "error": "\(error)"])
            return nil
        }
    }
}

extension QueryRoleGate {
    /// The gate as the TAP service asks it: a refusal is the service being unavailable.
    public func admitTAP() async throws {
        do {
            try await admit()
        } catch let error as APIError {
            throw TAPUnavailable(error.message)
        }
    }
}
