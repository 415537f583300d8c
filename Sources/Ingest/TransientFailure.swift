import Avro
import Logging
import Postgres
import Prometheus

/// Whether an error may pass if the same work is tried again later (a service down or restarting), as
/// opposed to a fault of the input, which retrying cannot fix.
enum FailureKind {
    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let error as PostgresError:
            switch error.code {
            case .connectionFailed, .connectionLost, .poolTimeout, .poolClosed: return true
            case .cancelled, .conversion, .protocolViolation: return false
            case .server:
                // Connection exceptions, transaction rollbacks (serialization, deadlock), resources,
                // operator intervention (shutdown), system errors.
                guard let state = error.sqlState else { return false }
                return ["08", "40", "53", "57", "58"].contains(String(state.prefix(2)))
            }
        case let error as AvroError:
            return error.kind == .registryUnavailable
        default:
            return false
        }
    }
}

/// Runs work again, with back-off, while it fails with an error that may pass (a service down), so work
/// waits out an outage instead of being rejected; other errors are thrown at once.
struct TransientRetry {
    var service: String
    var maximumDelay: Duration
    /// Set to 1 while waiting.
    var paused: Gauge
    var logger: Logger

    /// Throws `CancellationError` when cancelled while waiting.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var delay = Duration.milliseconds(250)
        var waiting = false
        defer { if waiting { paused.set(0.0) } }
        while true {
            do {
                let value = try await body()
                if waiting {
                    logger.notice("\(service) is back: resuming", metadata: ["event": "ingest.resume", "service": "\(service)"])
                }
                return value
            } catch where FailureKind.isTransient(error) {
                if !waiting {
                    waiting = true
                    paused.set(1.0)
                    logger.warning("\(service) unavailable: pausing", metadata: ["event": "ingest.pause", "service": "\(service)", "error": "\(error)"])
                }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, maximumDelay)
            }
        }
    }
}
