/// What `consdb efd batch --cron` queues: the aligned intervals (``BatchInterval/aligned(from:through:length:overlap:)``)
/// that ended at least `delay` ago, reaching back `window`. Runs at any time name the same tasks for the
/// same intervals, so a run repeated before the next boundary queues nothing new, and one after it queues
/// only the interval that has just become complete.
public struct BatchCron: Sendable, Equatable {
    /// How far back to look for intervals not done, in seconds (`--cron-window`).
    public var window: Double
    /// How long after an interval's end its telemetry is taken as complete in the EFD, in seconds (`--cron-delay`).
    public var delay: Double
    /// A task's length in seconds (`--interval`); boundaries are its multiples since the epoch.
    public var length: Double
    /// How far each task reaches back into the one before, in seconds (`--overlap`).
    public var overlap: Double

    public init(window: Double, delay: Double, length: Double, overlap: Double) {
        self.window = window
        self.delay = delay
        self.length = length
        self.overlap = overlap
    }

    /// The intervals to queue at `now` (UTC unix seconds).
    public func intervals(at now: Double) -> [BatchInterval] {
        BatchInterval.aligned(from: now - delay - window, through: now - delay, length: length, overlap: overlap)
    }

    /// Which tasks of earlier runs `--cron` queues again: none (it only adds new intervals; a failed one is
    /// the failure monitor's to retry).
    public static let requeue: Set<BatchTask.State> = []
}
