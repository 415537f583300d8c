import Backoff

/// The decisions of one replica's drain loop, as a value: what happened in a round goes in, what to do
/// next comes out (no I/O, no clock), after postgres-nio's pool state machine.
public struct ReplicaDrainCore: Sendable {
    /// What one round of draining found.
    public enum Outcome: Sendable, Equatable {
        /// A batch went through: `applied` rows reached the replica, `parked` were refused by it;
        /// `full` when the batch had as many rows as asked for (more are probably waiting).
        case drained(applied: Int, parked: Int, full: Bool)
        /// Another process holds this replica's drain lock: it drains, this one waits.
        case lockedElsewhere
        /// The replica or the primary could not be reached or broke off; the batch stays queued.
        case unreachable(reason: String)
    }

    /// What the loop does next.
    public enum Next: Sendable, Equatable {
        /// Drain the next batch at once.
        case drainNow
        /// Sleep this long (or until woken) before the next round.
        case wait(Duration)
    }

    /// What the loop should log, once per change of state (not once per retry).
    public enum Notice: Sendable, Equatable {
        /// The first failure of an outage: `retry` is when the next attempt comes.
        case outageBegan(reason: String, retry: Duration)
        /// The first success after an outage of `failures` attempts.
        case outageEnded(failures: Int)
    }

    public let pollInterval: Duration
    public let backoff: ExponentialBackoff
    /// Failed rounds in a row (0: reachable).
    public private(set) var failures = 0

    public init(pollInterval: Duration, backoff: ExponentialBackoff) {
        self.pollInterval = pollInterval
        self.backoff = backoff
    }

    /// Whether the last round could reach both databases.
    public var isReachable: Bool { failures == 0 }

    /// The next step after `outcome`, and what to log about it.
    public mutating func next(after outcome: Outcome) -> (next: Next, notice: Notice?) {
        switch outcome {
        case .drained(_, _, let full):
            let notice: Notice? = failures > 0 ? .outageEnded(failures: failures) : nil
            failures = 0
            return (full ? .drainNow : .wait(pollInterval), notice)
        case .lockedElsewhere:
            // Not a failure: the replica is in good hands; look again later in case that process stops.
            let notice: Notice? = failures > 0 ? .outageEnded(failures: failures) : nil
            failures = 0
            return (.wait(pollInterval), notice)
        case .unreachable(let reason):
            let delay = backoff.delay(forRetry: failures)
            failures += 1
            return (.wait(delay), failures == 1 ? .outageBegan(reason: reason, retry: delay) : nil)
        }
    }
}
