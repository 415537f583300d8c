import Dispatch

/// Runs blocking or CPU-heavy work away from Swift's cooperative thread pool.
///
/// Each call gets a serial dispatch queue of its own: serial queues overcommit (libdispatch starts a
/// thread for them when all are busy), whereas a concurrent queue on Linux shares the width-limited pool
/// async tasks run on, and blocked work there would starve them.
enum OffPool {
    static func run<T: Sendable, E: Error>(_ label: String, _ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue(label: label).async {
                continuation.resume(returning: Result { () throws(E) -> T in try work() })
            }
        }
        return try result.get()
    }
}
