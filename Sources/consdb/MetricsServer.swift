import Hummingbird
import Logging
import ServiceLifecycle

/// The small HTTP server a worker exposes for Prometheus and for Kubernetes probes.
enum MetricsServer {
    /// `/readyz` answers 503 while `isReady` is false (e.g. while the worker waits for a service).
    static func application(port: Int, host: String = "0.0.0.0", exposition: @escaping @Sendable () -> String,
                            isReady: @escaping @Sendable () -> Bool = { true }, logger: Logger) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: exposition())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in
            isReady()
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "paused: waiting for a service\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "consdb-worker"), logger: logger)
    }
}
