import Hummingbird
import Logging

/// `GET` and `POST {base}/sync`: a query answered in the response (TAP 1.1 §2.1, DALI sync).
///
/// Every error the client can cause is answered with a VOTable error document (`QUERY_STATUS` =
/// `ERROR`) and a 400; a database that cannot be reached gives a 503. Once rows are being sent, a
/// failure can only cut the stream short: the document then lacks its closing elements, so no client
/// takes a partial answer for a whole one.
public struct TAPSyncRoutes: Sendable {
    let configuration: TAPConfiguration
    let executor: any TAPQueryPreparing
    /// Refuses queries while the reader role is privileged (the same gate as `POST /consdb/query`).
    let admit: @Sendable () async throws -> Void
    let logger: Logger

    public init(configuration: TAPConfiguration, executor: any TAPQueryPreparing, logger: Logger,
                admit: @escaping @Sendable () async throws -> Void = {}) {
        self.configuration = configuration
        self.executor = executor
        self.admit = admit
        self.logger = logger
    }

    /// Adds the routes under `group`, which is the service's base path.
    public func register(on group: RouterGroup<BasicRequestContext>) {
        group.get("sync") { request, _ in await self.sync(request) }
        group.post("sync") { request, _ in await self.sync(request) }
    }

    func sync(_ request: Request) async -> Response {
        let parameters: TAPParameters
        do {
            parameters = try await TAPParameters.read(from: request, bodyLimit: configuration.maxRequestBytes)
            try Self.checkRequest(parameters)
        } catch {
            return TAPErrorResponse.make(error, logger: logger)
        }
        let prepared: any TAPPreparedQuery
        do {
            try await admit()
            prepared = try await executor.prepare(parameters, timeoutSeconds: configuration.syncTimeoutSeconds)
        } catch {
            return TAPErrorResponse.make(error, logger: logger)
        }
        let logger = self.logger
        let body = ResponseBody { writer in
            do {
                _ = try await prepared.stream { bytes in
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
            } catch {
                logger.warning("TAP sync stream failed", metadata: ["event": "tap.sync_stream_failed", "error": "\(error)"])
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: prepared.contentType], body: body)
    }

    /// `REQUEST`, when given, must be `doQuery` (optional in TAP 1.1; other values were TAP 1.0's
    /// `getCapabilities` and friends, now resources of their own).
    static func checkRequest(_ parameters: TAPParameters) throws(TAPRequestError) {
        if let request = parameters["REQUEST"], request != "doQuery" {
            throw TAPRequestError("Unsupported REQUEST '\(request)': this service accepts REQUEST=doQuery (or none)")
        }
    }
}
