import Hummingbird
import Logging
import ServiceLifecycle

/// The small HTTP server a worker exposes for Prometheus and for Kubernetes probes.
enum MetricsServer {
    /// `/readyz` answers 503 while `isReady` is false (e.g. while the worker waits for a service); `notes`
    /// are extra lines in its answer (a replica lagging).
    static func application(port: Int, host: String = "0.0.0.0", exposition: @escaping @Sendable () -> String,
                            isReady: @escaping @Sendable () -> Bool = { true }, notes: @escaping @Sendable () -> [String] = { [] },
                            logger: Logger) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: exposition())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        // Notes (e.g. a replica lagging) are told, not failed on: the worker itself still does its work.
        router.get("/readyz") { _, _ in
            let lines = notes().map { $0 + "\n" }.joined()
            return isReady()
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n" + lines)))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "paused: waiting for a service\n" + lines)))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "consdb-worker"), logger: logger)
    }
}
