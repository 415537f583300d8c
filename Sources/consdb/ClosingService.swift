import ServiceLifecycle

/// Keeps something open for the life of a command's `ServiceGroup` (a Kafka consumer or producer, the mock
/// cluster, the schema registry): waits for graceful shutdown (or cancellation), then closes it. Listed
/// before the services that use it, it closes after them.
struct ClosingService: Service {
    let close: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
