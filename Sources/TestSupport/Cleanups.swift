/// What a test harness started, to stop in reverse order on every path: also when its own setup throws
/// half-way, which would otherwise leave the first services running.
public struct Cleanups: Sendable {
    private var actions: [@Sendable () async -> Void] = []

    public init() {}

    /// Adds the action that stops what was just started.
    public mutating func add(_ action: @escaping @Sendable () async -> Void) { actions.append(action) }

    /// Runs the actions, last added first.
    public func run() async {
        for action in actions.reversed() { await action() }
    }
}

/// Runs `body`, which starts things and adds their stopping to the `Cleanups` it is given; the cleanups
/// run when `body` returns or throws.
public func withCleanups<T>(_ body: (inout Cleanups) async throws -> T) async throws -> T {
    var cleanups = Cleanups()
    do {
        let value = try await body(&cleanups)
        await cleanups.run()
        return value
    } catch {
        await cleanups.run()
        throw error
    }
}
