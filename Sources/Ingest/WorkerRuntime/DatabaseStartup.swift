import Logging
import Postgres

/// A worker that starts while its database is down waits for it, with the same back-off and the same
/// pause and resume log lines as an outage in mid-run, instead of exiting: a restart of PostgreSQL (or
/// a pod scheduled before it) must not turn into a crash loop. Only an unreachable database is waited
/// for; any other failure (a missing schema, a refused statement) still ends the start at once.
public enum DatabaseStartup {
    /// Runs `step` (the worker's own set-up: creating its tables, checking its schemas) until it
    /// succeeds or fails for a reason other than the database being unavailable.
    ///
    /// - Parameter maximumDelay: the longest pause between two attempts.
    public static func waitingForDatabase<T: Sendable>(
        service: String = "database", maximumDelay: Duration = .seconds(30), logger: Logger,
        _ step: @Sendable () async throws -> T
    ) async throws -> T {
        let retry = TransientRetry(service: service, maximumDelay: maximumDelay, pauses: PauseTracker(onChange: { _ in }), logger: logger)
        var outage = TransientRetry.Outage(retry)
        defer { outage.abandon() }
        while true {
            try Task.checkCancellation()
            do {
                let value = try await step()
                outage.resumed()
                return value
            } catch let error as PostgresError where error.category == .unavailable {
                try await outage.wait(after: error)
            }
        }
    }
}
