@testable import Ingest
import Logging
import Synchronization
import Testing
import TestSupport

/// Waiting out an outage: one pause notice however long it lasts, one resume notice, the `paused`
/// state held exactly while waiting, and a stop that ends the wait.
@Suite("transient retry")
struct TransientRetryTests {
    final class PauseLog: Sendable {
        let changes = Mutex<[Bool]>([])
        var tracker: PauseTracker { PauseTracker { paused in self.changes.withLock { $0.append(paused) } } }
    }

    func retry(_ store: RecordingLogHandler.Store, _ pauses: PauseTracker, stop: StopSignal? = nil) -> TransientRetry {
        TransientRetry(service: "registry", maximumDelay: .milliseconds(2), pauses: pauses,
                       logger: Logger(label: "test.retry") { _ in RecordingLogHandler(store: store) }, stop: stop)
    }

    struct Unreachable: Error {}

    @Test func aRunFailingFiveTimesPausesOnceAndResumesOnce() async throws {
        let store = RecordingLogHandler.Store()
        let pauses = PauseLog()
        let attempts = Mutex(0)
        let value = try await retry(store, pauses.tracker).run { () async throws -> String in
            let attempt = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            if attempt <= 5 { throw Unreachable() }
            return "answer"
        }
        #expect(value == "answer")
        #expect(attempts.withLock { $0 } == 6)
        #expect(store.events("ingest.pause").count == 1)
        #expect(store.events("ingest.resume").count == 1)
        #expect(pauses.changes.withLock { $0 } == [true, false])
    }

    @Test func aRunThatSucceedsAtOnceLogsNothing() async throws {
        let store = RecordingLogHandler.Store()
        let pauses = PauseLog()
        #expect(try await retry(store, pauses.tracker).run { 7 } == 7)
        #expect(store.records.withLock { $0 }.isEmpty)
        #expect(pauses.changes.withLock { $0 }.isEmpty)
    }

    /// The form for work that mutates its caller's state (the stream's decoder): same notices, and a
    /// second outage of the same work after a resumption pauses again.
    @Test func anOutageWaitedByHandPausesAndResumesLikeARun() async throws {
        let store = RecordingLogHandler.Store()
        let pauses = PauseLog()
        var outage = TransientRetry.Outage(retry(store, pauses.tracker))
        try await outage.wait(after: Unreachable())
        try await outage.wait(after: Unreachable())
        outage.resumed()
        try await outage.wait(after: Unreachable())
        outage.resumed()
        outage.abandon()
        #expect(store.events("ingest.pause").count == 2)
        #expect(store.events("ingest.resume").count == 2)
        #expect(store.events("ingest.pause").first?.metadata["service"] == "registry")
        #expect(pauses.changes.withLock { $0 } == [true, false, true, false])
    }

    @Test func aFiredStopEndsTheWaitAndThePause() async throws {
        let store = RecordingLogHandler.Store()
        let pauses = PauseLog()
        let stop = StopSignal()
        stop.fire()
        await #expect(throws: CancellationError.self) {
            try await retry(store, pauses.tracker, stop: stop).run { () async throws -> Int in throw Unreachable() }
        }
        #expect(store.events("ingest.resume").isEmpty)
        #expect(pauses.changes.withLock { $0 } == [true, false])
    }
}
