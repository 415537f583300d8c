import HeaderFile
import Logging
import Postgres
import Synchronization

/// Which failures are the input's fault (retrying the same input cannot help: it goes to the dead-letter
/// table) and which are the environment's (a service down, a permission or schema problem an operator
/// must fix: the work waits and retries, so nothing is dead-lettered that a fixed environment would take).
enum FailureKind {
    static func isInputFault(_ error: any Error) -> Bool {
        switch error {
        case is HeaderMappingError, is HeaderFileError:
            return true
        case let error as PostgresError:
            switch error.code {
            case .conversion: return true
            // Data exceptions (22: a value too long, out of range, invalid text) and integrity
            // violations (23) come from the row's values; everything else is the database's state.
            case .server: return error.sqlState.map { $0.hasPrefix("22") || $0.hasPrefix("23") } ?? false
            default: return false
            }
        default:
            return false
        }
    }
}

/// Counts the work waiting for a service, so the `paused` gauge stays 1 until the last waiter resumes.
final class PauseTracker: Sendable {
    private let waiting = Mutex(0)
    private let onChange: @Sendable (Bool) -> Void

    init(onChange: @escaping @Sendable (Bool) -> Void) {
        self.onChange = onChange
    }

    var isPaused: Bool { waiting.withLock { $0 > 0 } }

    func begin() {
        let first = waiting.withLock { count -> Bool in
            count += 1
            return count == 1
        }
        if first { onChange(true) }
    }

    func end() {
        let last = waiting.withLock { count -> Bool in
            count -= 1
            return count == 0
        }
        if last { onChange(false) }
    }
}

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

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var delay = Duration.milliseconds(250)
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
                var slept = Duration.zero
                while slept < delay {
                    if stop?.isFired == true { throw CancellationError() }
                    let slice = min(.milliseconds(250), delay - slept)
                    try await Task.sleep(for: slice)
                    slept += slice
                }
                delay = min(delay * 2, maximumDelay)
            }
        }
    }
}
