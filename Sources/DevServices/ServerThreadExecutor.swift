import Foundation

/// Runs the dev servers' tasks on one thread of their own instead of Swift's cooperative pool.
///
/// On Linux, the cooperative pool and `DispatchQueue`s share libdispatch's worker threads, about one per
/// core. Clients that block those threads while waiting for this server (`Fetcher`'s libcurl transfers,
/// tests' sockets) then leave no thread to answer them until libdispatch's once-a-second starvation
/// check adds one: eight parallel registry tests took 6 s instead of 50 ms. On its own thread the server
/// answers however busy the pool is. Its handlers never block, so one thread serves every instance.
final class ServerThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` is only touched with `condition` locked.
    static let shared = ServerThreadExecutor(name: "consdb.dev-services")

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(name: String) {
        // The thread lives as long as the process: jobs may still arrive after a server stopped (late
        // continuations), and they must run somewhere.
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
