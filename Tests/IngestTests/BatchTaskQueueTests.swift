import Foundation
import Ingest
import Postgres
import Testing
import TestSupport

@Suite("batch intervals")
struct BatchIntervalTests {
    @Test func splitTilesTheRangeEachIntervalReachingBackByTheOverlap() {
        let intervals = BatchInterval.split(start: 1000, end: 2000, length: 300, overlap: 60)
        #expect(intervals == [
            BatchInterval(start: 1000, end: 1300), BatchInterval(start: 1240, end: 1600),
            BatchInterval(start: 1540, end: 1900), BatchInterval(start: 1840, end: 2000),
        ])
        #expect(BatchInterval.split(start: 5, end: 5, length: 300, overlap: 0).isEmpty)
        #expect(BatchInterval.split(start: 0, end: 600, length: 300, overlap: 0) == [BatchInterval(start: 0, end: 300), BatchInterval(start: 300, end: 600)])
    }

    @Test func alignedIntervalsAreTheSameWhateverTheTimeOfTheRun() {
        // From 10:02 to 10:16 (seconds of the day): the finished 5-minute intervals touching it are 10:00-10:05,
        // 10:05-10:10 and 10:10-10:15 (each reaching a minute back); 10:15-10:20 is not finished.
        let a = BatchInterval.aligned(from: 36_120, through: 36_960, length: 300, overlap: 60)
        #expect(a == [BatchInterval(start: 35_940, end: 36_300), BatchInterval(start: 36_240, end: 36_600), BatchInterval(start: 36_540, end: 36_900)])
        let b = BatchInterval.aligned(from: 36_000, through: 36_901, length: 300, overlap: 60)
        #expect(b == a)
        #expect(BatchInterval.aligned(from: 36_120, through: 36_130, length: 300, overlap: 0).isEmpty)
    }

    @Test func intervalsPrintInUTC() {
        #expect(BatchInterval(start: 1_764_028_800, end: 1_764_029_100.5).description == "[2025-11-25T00:00:00.000Z, 2025-11-25T00:05:00.500Z)")
    }
}

/// The task queue against a real PostgreSQL: claims, leases, retries, several workers.
@Suite("batch task queue", .serialized)
struct BatchTaskQueueTests {
    static func withQueue(_ body: (ConnectionPool) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 6))
            do {
                try await BatchTaskQueue(pool: pool, worker: "setup").create()
                try await body(pool)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    static let intervals = BatchInterval.split(start: 1_764_028_800, end: 1_764_028_800 + 3000, length: 300, overlap: 0)

    @Test func tasksAreClaimedInIntervalOrderAndDoneInTheWritersTransaction() async throws {
        try await Self.withQueue { pool in
            let queue = BatchTaskQueue(pool: pool, worker: "a")
            try await queue.create()  // idempotent
            let ids = try await queue.enqueue(Self.intervals, instrument: "latiss", maxAttempts: 3)
            #expect(ids.count == 10)
            let first = try #require(try await queue.claim(instrument: "latiss", lease: .seconds(60)))
            #expect(first.interval == Self.intervals[0])
            #expect(first.state == .running && first.attempts == 1)
            // Nothing of another instrument.
            #expect(try await queue.claim(instrument: "lsstcam", lease: .seconds(60)) == nil)
            // A transaction that rolls back leaves the task running.
            await #expect(throws: (any Error).self) {
                try await pool.withTransaction { connection in
                    try await queue.complete(first, exposures: 2, visits: 1, on: connection)
                    throw CancellationError()
                }
            }
            #expect(try await queue.counts(instrument: "latiss")[.running] == 1)
            try await pool.withTransaction { try await queue.complete(first, exposures: 2, visits: 1, on: $0) }
            let done = try await queue.tasks(instrument: "latiss", ids: [first.id])
            #expect(done.map(\.state) == [.done] && done.first?.exposures == 2 && done.first?.visits == 1)
            #expect(try await queue.claim(instrument: "latiss", lease: .seconds(60))?.interval == Self.intervals[1])
            #expect(try await queue.counts(instrument: "latiss") == [.done: 1, .running: 1, .pending: 8])
        }
    }

    @Test func failedAttemptsAreRetriedUntilTheLimitKeepingTheError() async throws {
        try await Self.withQueue { pool in
            let queue = BatchTaskQueue(pool: pool, worker: "a")
            try await queue.enqueue([Self.intervals[0]], instrument: "latiss", maxAttempts: 2)
            let attempt1 = try #require(try await queue.claim(instrument: "latiss", lease: .seconds(60)))
            #expect(try await queue.fail(attempt1, error: "influxdb: connection refused", retryDelay: .seconds(3600)) == .pending)
            // Not before its retry time.
            #expect(try await queue.claim(instrument: "latiss", lease: .seconds(60)) == nil)
            let due = try #require(try await queue.nextDue(instrument: "latiss"))
            #expect(due > Date().timeIntervalSince1970 + 3000)
            _ = try await pool.query("UPDATE consdb_ingest.efd_batch_task SET not_before = now()")
            let attempt2 = try #require(try await queue.claim(instrument: "latiss", lease: .seconds(60)))
            #expect(attempt2.attempts == 2 && attempt2.error == "influxdb: connection refused")
            #expect(try await queue.fail(attempt2, error: "influxdb: bad JSON at byte 17", retryDelay: .zero) == .failed)
            #expect(try await queue.claim(instrument: "latiss", lease: .seconds(60)) == nil)
            #expect(try await queue.nextDue(instrument: "latiss") == nil)
            let failed = try await queue.tasks(instrument: "latiss")
            #expect(failed.map(\.state) == [.failed] && failed.first?.error == "influxdb: bad JSON at byte 17")
            // Queued again (a new run over the range): attempts start over.
            try await queue.enqueue([Self.intervals[0]], instrument: "latiss", maxAttempts: 3)
            #expect(try await queue.claim(instrument: "latiss", lease: .seconds(60))?.attempts == 1)
        }
    }

    @Test func anExpiredLeaseHandsTheTaskToAnotherWorkerAndTheFirstCannotFinishIt() async throws {
        try await Self.withQueue { pool in
            let a = BatchTaskQueue(pool: pool, worker: "a")
            let b = BatchTaskQueue(pool: pool, worker: "b")
            try await a.enqueue([Self.intervals[0]], instrument: "latiss", maxAttempts: 3)
            // A zero lease has expired as soon as it is granted: as if worker a had died.
            let held = try #require(try await a.claim(instrument: "latiss", lease: .zero))
            let taken = try #require(try await b.claim(instrument: "latiss", lease: .seconds(60)))
            #expect(taken.id == held.id && taken.attempts == 2)
            #expect(try await a.renew(held, lease: .seconds(60)) == false)
            await #expect(throws: BatchTaskQueue.LostLease.self) {
                try await pool.withTransaction { try await a.complete(held, exposures: 0, visits: 0, on: $0) }
            }
            #expect(try await a.fail(held, error: "late", retryDelay: .zero) == nil)
            #expect(try await b.renew(taken, lease: .seconds(60)))
            try await pool.withTransaction { try await b.complete(taken, exposures: 0, visits: 0, on: $0) }
            #expect(try await a.counts(instrument: "latiss") == [.done: 1])
            // A live lease is not reset by queueing the interval again; a done task is.
            try await a.enqueue([Self.intervals[1]], instrument: "latiss", maxAttempts: 3)
            _ = try #require(try await a.claim(instrument: "latiss", lease: .seconds(60)))
            let requeued = try await b.enqueue([Self.intervals[0], Self.intervals[1]], instrument: "latiss", maxAttempts: 3)
            #expect(requeued.count == 1)
            #expect(try await a.counts(instrument: "latiss") == [.pending: 1, .running: 1])
        }
    }

    @Test func aLeaseThatExpiresOnTheLastAttemptFailsTheTask() async throws {
        try await Self.withQueue { pool in
            let queue = BatchTaskQueue(pool: pool, worker: "a")
            try await queue.enqueue([Self.intervals[0]], instrument: "latiss", maxAttempts: 1)
            _ = try #require(try await queue.claim(instrument: "latiss", lease: .zero))
            #expect(try await queue.claim(instrument: "latiss", lease: .seconds(60)) == nil)
            let task = try #require(try await queue.tasks(instrument: "latiss").first)
            #expect(task.state == .failed)
            #expect(task.error?.contains("lease of a expired") == true)
        }
    }

    @Test func workersDrainingOneQueueNeverShareATask() async throws {
        try await Self.withQueue { pool in
            let intervals = BatchInterval.split(start: 0, end: 200 * 60, length: 60, overlap: 0)
            try await BatchTaskQueue(pool: pool, worker: "setup").enqueue(intervals, instrument: "latiss", maxAttempts: 3)
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in ["a", "b", "c", "d"] {
                    group.addTask {
                        let queue = BatchTaskQueue(pool: pool, worker: worker)
                        var mine: [Int64] = []
                        while let task = try await queue.claim(instrument: "latiss", lease: .seconds(60)) {
                            try await pool.withTransaction { try await queue.complete(task, exposures: 0, visits: 0, on: $0) }
                            mine.append(task.id)
                        }
                        return mine
                    }
                }
                var all: [[Int64]] = []
                for try await ids in group { all.append(ids) }
                return all
            }
            let ids = claimed.flatMap { $0 }
            #expect(ids.count == 200)
            #expect(Set(ids).count == 200)
            #expect(try await BatchTaskQueue(pool: pool, worker: "x").counts(instrument: "latiss") == [.done: 200])
        }
    }
}
