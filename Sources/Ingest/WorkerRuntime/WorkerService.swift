import ServiceLifecycle

/// A worker with `run()` and `stop()` as a service: graceful shutdown calls `stop()`, and the service
/// returns once the worker has finished what it had in hand (each worker's `stop()` says what that is: the
/// events or the task in hand are finished and their offsets or marks committed).
///
/// The workers get theirs from a `service` member (`HeaderEventWorker+Service.swift` and the like).
public struct WorkerService: Service {
    private let work: @Sendable () async throws -> Void
    private let stop: @Sendable () -> Void

    /// `run` works until done or stopped; `stop` asks it to finish and may be called from any thread.
    public init(run: @escaping @Sendable () async throws -> Void, stop: @escaping @Sendable () -> Void) {
        self.work = run
        self.stop = stop
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await work()
        } onGracefulShutdown: {
            stop()
        }
    }
}
