import Hummingbird
import Postgres

/// The root document, health and readiness probes, metrics and the OpenAPI document.
struct OperationsRoutes {
    let service: APIService
    let metrics: APIMetrics
    /// Refreshes gauges read from the database, just before /metrics is answered.
    var beforeMetrics: @Sendable () async -> Void = {}

    func registerRoot(on router: Router<BasicRequestContext>, prefixGroup: RouterGroup<BasicRequestContext>) {
        router.get("/") { _, _ in try await root() }
        prefixGroup.get("/") { _, _ in try await root() }
        router.get("healthz") { _, _ in JSONResponse.make(.object([("status", .string("ok"))])) }
        router.get("readyz") { _, _ in try await ready() }
        router.get("metrics") { _, _ in await metricsText() }
        prefixGroup.get("openapi.json") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeString(OpenAPIDocument.json(prefix: service.configuration.prefix))
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: buffer))
        }
    }

    private func root() async throws -> Response {
        JSONResponse.make(.object([
            ("name", .string("pqserver")),
            ("version", .string(service.configuration.version)),
            ("description", .string("A web interface to the Rubin Observatory Consolidated Database (consdb, Swift).")),
            ("repository_url", .string("https://github.com/lsst-dm/consdb")),
            ("documentation_url", .string("https://consdb.lsst.io/index.html")),
            ("instruments", .strings(try await service.schemas.instruments())),
            ("obs_types", .strings(ObservationType.allCases.map(\.rawValue))),
            ("dtypes", .strings(FlexKeyRules.dtypes)),
        ]))
    }

    /// Ready when the database answers a trivial query within two seconds.
    private func ready() async throws -> Response {
        do {
            _ = try await service.pool.withConnection { connection in
                try await connection.withTransaction(readOnly: true, statementTimeoutMilliseconds: 2000) { try await $0.query("SELECT 1") }
            }
            return JSONResponse.make(.object([("status", .string("ready"))]))
        } catch {
            return JSONResponse.make(.object([("status", .string("database unreachable"))]), status: .serviceUnavailable)
        }
    }

    private func metricsText() async -> Response {
        await beforeMetrics()
        await metrics.recordPool(service.pool.statistics, maxConnections: service.pool.configuration.maxConnections)
        var buffer = ByteBuffer()
        buffer.writeBytes(metrics.registry.emitToBuffer())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: buffer))
    }
}
