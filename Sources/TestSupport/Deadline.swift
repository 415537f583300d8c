/// A bound on waiting for an event was exceeded.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "deadline exceeded waiting for \(what)" }
}

/// Runs `body`, failing with `DeadlineExceeded` if it takes longer than `seconds` (the body is then
/// cancelled). A bound on waiting for an event (a hang guard), not a sleep standing in for one: choose
/// it generously, far above how long the event takes.
public func withDeadline<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlineExceeded(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
