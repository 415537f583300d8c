import Synchronization

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
