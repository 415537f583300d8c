import Backoff
import Logging

/// Runs work again, with back-off, while it throws: callers turn the input's own faults into values
/// (dead letters) and throw only what an outage or a broken environment causes, so this waits that out
/// instead of losing the input. Only cancellation ends the wait (`CancellationError`).
struct TransientRetry {
    var service: String
    var maximumDelay: Duration
    var pauses: PauseTracker
    var logger: Logger
    /// Ends the waiting (with `CancellationError`) when fired, within a quarter of a second.
    var stop: StopSignal? = nil

    /// 250 ms before the first retry, doubling up to ``maximumDelay``.
    var backoff: ExponentialBackoff { ExponentialBackoff(initial: .milliseconds(250), maximum: maximumDelay) }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let backoff = self.backoff
        var retry = 0
        var waiting = false
        defer { if waiting { pauses.end() } }
        while true {
            try Task.checkCancellation()
            do {
                let value = try await body()
                if waiting {
                    logger.notice("\(service) is back: resuming", metadata: ["event": "ingest.resume", "service": "\(service)"])
                }
                return value
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if !waiting {
                    waiting = true
                    pauses.begin()
                    logger.warning("\(service) unavailable: pausing", metadata: ["event": "ingest.pause", "service": "\(service)", "error": "\(error)"])
                }
                // Slept in slices so that a fired stop signal ends the wait promptly.
                let delay = backoff.delay(forRetry: retry)
                var slept = Duration.zero
                while slept < delay {
                    if stop?.isFired == true { throw CancellationError() }
                    let slice = min(.milliseconds(250), delay - slept)
                    try await Task.sleep(for: slice)
                    slept += slice
                }
                retry += 1
            }
        }
    }
}
