/// What `consdb efd batch --failure-monitor` queues: the aligned interval each exposure or visit without
/// EFD rows begins in (the same task `--cron` names for it), once per interval.
public struct BatchFailureMonitor: Sendable, Equatable {
    /// How many days back to look (`--days`).
    public var days: Double
    /// A task's length in seconds (`--interval`).
    public var length: Double
    /// How far each task reaches back into the one before, in seconds (`--overlap`).
    public var overlap: Double

    public init(days: Double, length: Double, overlap: Double) {
        self.days = days
        self.length = length
        self.overlap = overlap
    }

    /// The earliest end, in UTC unix seconds, of the windows looked at when run at `now`.
    public func since(now: Double) -> Double {
        now - days * 86400
    }

    /// The intervals to queue for windows that have no EFD rows, in time order.
    public func intervals(missing: [ObservationWindow]) -> [BatchInterval] {
        let starts = Set(missing.map { ($0.span.begin / length).rounded(.down) })
        return starts.sorted().map { BatchInterval(start: $0 * length - overlap, end: ($0 + 1) * length) }
    }

    /// Which tasks of earlier runs the monitor queues again: all of them (its intervals lack rows whatever
    /// their task's state says).
    public static let requeue = Set(BatchTask.State.allCases)
}
