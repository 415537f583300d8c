import Synchronization

/// A one-shot signal any number of tasks can wait for: fired once, it stays fired. A waiting task that is
/// cancelled stops waiting (unlike iterating a finished-or-cancelled AsyncStream, it can wait again).
public final class StopSignal: Sendable {
    private struct State {
        var fired = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isFired: Bool { state.withLock { $0.fired } }

    /// Fires the signal; returns false if it had fired already.
    @discardableResult
    public func fire() -> Bool {
        let waiters: [CheckedContinuation<Void, Never>]? = state.withLock { state in
            guard !state.fired else { return nil }
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters?.forEach { $0.resume() }
        return waiters != nil
    }

    /// Returns once the signal has fired or `duration` has passed (or the task is cancelled); true if it fired.
    @discardableResult
    public func wait(atMost duration: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await Task.sleep(for: duration) }
            await group.next()
            group.cancelAll()
        }
        return isFired
    }

    /// Returns once the signal has fired, or the task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
