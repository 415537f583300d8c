extension EFDStreamWorker {
    /// The worker as a service: graceful shutdown is ``stop()`` (the stream commits what is done and
    /// returns). List the pool and the Kafka consumer before it: both must close after the worker.
    public var service: WorkerService {
        WorkerService(run: { try await self.run() }, stop: { self.stop() })
    }
}
