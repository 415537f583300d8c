import Foundation
import Logging
import Synchronization
import TimeScales

/// Reports progress of a long run: a bar with rate and ETA redrawn in place on a terminal, or one
/// logfmt line every few seconds otherwise (logs, CI).
public final class ProgressReporter: Sendable {
    public let total: Int
    public let label: String
    private let interactive: Bool
    private let logger: Logger
    private let started = ContinuousClock.now
    private struct State {
        var done = 0
        var failed = 0
        var lastReport = ContinuousClock.now
    }
    private let state = Mutex(State())
    private let output: @Sendable (String) -> Void

    /// - Parameters:
    ///   - interactive: draw a bar (default: when standard error is a terminal).
    public init(total: Int, label: String, interactive: Bool = isatty(STDERR_FILENO) == 1, logger: Logger,
                output: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = total
        self.label = label
        self.interactive = interactive
        self.logger = logger
        self.output = output
    }

    /// Counts one finished item (`failed` when it was rejected).
    public func advance(failed: Bool = false) {
        let snapshot: State? = state.withLock { state in
            state.done += 1
            if failed { state.failed += 1 }
            let now = ContinuousClock.now
            let every: Duration = interactive ? .milliseconds(100) : .seconds(5)
            guard now - state.lastReport >= every || state.done == total else { return nil }
            state.lastReport = now
            return state
        }
        if let snapshot { report(done: snapshot.done, failed: snapshot.failed) }
    }

    /// Ends the bar's line.
    public func finish() {
        if interactive { output("\n") }
    }

    /// Items per second so far.
    public var rate: Double {
        let seconds = (ContinuousClock.now - started).seconds
        return seconds > 0 ? Double(state.withLock { $0.done }) / seconds : 0
    }

    private func report(done: Int, failed: Int) {
        let elapsed = (ContinuousClock.now - started).seconds
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        if interactive {
            let width = 30
            let filled = total > 0 ? min(width, done * width / total) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let percent = total > 0 ? done * 100 / total : 100
            output("\r\(label) [\(bar)] \(done)/\(total) \(percent)% \(String(format: "%.1f", rate))/s ETA \(Self.clock(remaining))" + (failed > 0 ? " rejected \(failed)" : "") + "  ")
        } else {
            logger.info("progress", metadata: [
                "event": "progress", "task": "\(label)", "done": "\(done)", "total": "\(total)", "rejected": "\(failed)",
                "rate_per_s": "\(String(format: "%.1f", rate))", "eta_s": "\(Int(remaining))",
            ])
        }
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
    }
}

