import ServiceLifecycle

/// The pool as a service, listed first in a command's `ServiceGroup` so that it closes last: the group
/// shuts its services down in reverse order, so every worker has finished its last transaction (and the
/// HTTP server its last request) before the connections go.
extension ConnectionPool: Service {
    /// Waits for graceful shutdown (or cancellation), then closes the pool. The pool lends connections
    /// before and while this runs; it does not need to be running to be used.
    public nonisolated func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
