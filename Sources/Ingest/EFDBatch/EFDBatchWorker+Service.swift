extension EFDBatchWorker {
    /// The queue's drain as a service: graceful shutdown is ``stop()`` (the task in hand is finished, the
    /// rest stays queued). `finished` gets the run's report while the services listed before this one (the
    /// pool) still run, so it can read the queue's final state.
    public func service(progress: ProgressReporter? = nil,
                        finished: @escaping @Sendable (EFDBatchReport) async throws -> Void) -> WorkerService {
        WorkerService(run: { try await finished(try await self.drain(progress: progress)) }, stop: { self.stop() })
    }
}
