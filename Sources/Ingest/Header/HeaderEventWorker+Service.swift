extension HeaderEventWorker {
    /// The worker as a service: graceful shutdown is ``stop()`` (events in hand finish and are committed).
    /// List the Kafka consumer's service before it: the consumer must close after the worker.
    public var service: WorkerService {
        WorkerService(run: { try await self.run() }, stop: { self.stop() })
    }
}
