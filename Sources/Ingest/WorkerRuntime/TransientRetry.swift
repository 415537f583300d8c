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
        var outage = Outage(self)
        defer { outage.abandon() }
        while true {
            try Task.checkCancellation()
            do {
                let value = try await body()
                outage.resumed()
                return value
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try await outage.wait(after: error)
            }
        }
    }

    /// The waiting for one piece of work, for callers that cannot hand their work over as a closure
    /// (it mutates their own state): call ``wait(after:)`` after each failure, ``resumed()`` after the
    /// success, and ``abandon()`` on every way out (a `defer`), so that the pause is always ended.
    struct Outage {
        let retry: TransientRetry
        private var attempts = 0
        private var waiting = false

        init(_ retry: TransientRetry) {
            self.retry = retry
        }

        /// Logs the pause the first time, then sleeps the next back-off delay, in slices so that a fired
        /// stop signal or a cancellation ends the wait promptly (with `CancellationError`).
        mutating func wait(after error: any Error) async throws {
            if Task.isCancelled { throw CancellationError() }
            if !waiting {
                waiting = true
                retry.pauses.begin()
                retry.logger.warning("\(retry.service) unavailable: pausing", metadata: [
                    "event": "ingest.pause", "service": "\(retry.service)", "error": "\(error)",
                ])
            }
            let delay = retry.backoff.delay(forRetry: attempts)
            var slept = Duration.zero
            while slept < delay {
                if retry.stop?.isFired == true { throw CancellationError() }
                let slice = min(.milliseconds(250), delay - slept)
                try await Task.sleep(for: slice)
                slept += slice
            }
            attempts += 1
        }

        /// The work succeeded: logs the resumption if it had paused.
        mutating func resumed() {
            guard waiting else { return }
            retry.logger.notice("\(retry.service) is back: resuming", metadata: ["event": "ingest.resume", "service": "\(retry.service)"])
            waiting = false
            attempts = 0
            retry.pauses.end()
        }

        /// Ends a pause still open (the work was cancelled while waiting).
        mutating func abandon() {
            guard waiting else { return }
            waiting = false
            retry.pauses.end()
        }
    }
}
