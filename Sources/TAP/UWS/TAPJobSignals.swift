import Synchronization

/// Wakes the runner's loop early: a job was queued or aborted here, a notification came from another
/// server, or a slot became free. Signals while the loop is busy are kept (one is enough).
final class TAPWakeSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next signal (or at once if one is pending), after `timeout` at the latest, or when
    /// the task is cancelled.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}

/// Why a running job stopped before its query finished.
enum TAPJobStopReason: Sendable, Equatable {
    /// Aborted or deleted (here or through another server); the job's row says so already.
    case withdrawn
    /// Its executionduration passed.
    case timeout
    /// The server is shutting down: the job goes back to the queue.
    case shutdown
}

/// Tells one running job to stop, once: the first reason wins.
final class TAPJobStop: Sendable {
    private let state = Mutex<(reason: TAPJobStopReason?, waiter: CheckedContinuation<TAPJobStopReason?, Never>?)>((nil, nil))

    var reason: TAPJobStopReason? { state.withLock { $0.reason } }

    func stop(_ reason: TAPJobStopReason) {
        let waiter = state.withLock { state -> CheckedContinuation<TAPJobStopReason?, Never>? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: reason)
    }

    /// Waits for a stop, or for `seconds` (then stops with ``TAPJobStopReason/timeout``); nil when the
    /// task is cancelled first.
    func wait(seconds: Double) async -> TAPJobStopReason? {
        await withTaskGroup(of: TAPJobStopReason?.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: .seconds(seconds))
                    self.stop(.timeout)
                    return self.reason
                } catch {
                    return nil
                }
            }
            group.addTask { await self.waitForStop() }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? reason
        }
    }

    private func waitForStop() async -> TAPJobStopReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TAPJobStopReason?, Never>) in
                // Cancellation sets the task's flag before the handler runs, so checking it under the
                // lock closes the gap where the handler found no waiter to resume.
                let now = state.withLock { state -> TAPJobStopReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<TAPJobStopReason?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
