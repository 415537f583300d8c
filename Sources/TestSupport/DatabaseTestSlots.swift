import Foundation

/// A counting semaphore bounding how many tests use the test cluster at once (Swift Testing starts every
/// test at once; each holds up to a dozen connections, and the throwaway cluster allows 200).
///
/// `CONSDB_TEST_PARALLEL` sets the limit (default 6). A task that holds a slot (and its child tasks) may
/// enter again without waiting, so nested fresh databases cannot deadlock.
public actor DatabaseTestSlots {
    public static let shared = DatabaseTestSlots(
        limit: ProcessInfo.processInfo.environment["CONSDB_TEST_PARALLEL"].flatMap { Int($0) }.map { max(1, $0) } ?? 6
    )

    @TaskLocal private static var holdsSlot = false

    public let limit: Int
    private var used = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) { self.limit = limit }

    /// Runs `body` holding a slot, released on every path.
    public nonisolated func withSlot<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if Self.holdsSlot { return try await body() }
        await acquire()
        do {
            let value = try await Self.$holdsSlot.withValue(true) { try await body() }
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if used < limit {
            used += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            used -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
