import Backoff
import Ingest
import Testing

/// The drain loop's decisions, without I/O: when to drain again, wait, back off, and what to log.
@Suite("Replication: drain decisions")
struct ReplicaDrainCoreTests {
    let backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .milliseconds(400))

    @Test func aFullBatchDrainsAgainAtOnceAndAShortOneWaitsForThePoll() {
        var core = ReplicaDrainCore(pollInterval: .seconds(1), backoff: backoff)
        #expect(core.next(after: .drained(applied: 500, parked: 0, full: true)) == (.drainNow, nil))
        #expect(core.next(after: .drained(applied: 3, parked: 1, full: false)) == (.wait(.seconds(1)), nil))
        #expect(core.isReachable)
    }

    @Test func anOutageBacksOffDoublingToTheCapAndIsLoggedOnceAtEachEnd() {
        var core = ReplicaDrainCore(pollInterval: .seconds(1), backoff: backoff)
        let first = core.next(after: .unreachable(reason: "replica: connection refused"))
        #expect(first.next == .wait(.milliseconds(100)))
        #expect(first.notice == .outageBegan(reason: "replica: connection refused", retry: .milliseconds(100)))
        #expect(!core.isReachable)
        let delays = (0..<4).map { _ in core.next(after: .unreachable(reason: "again")) }
        #expect(delays.map(\.next) == [.wait(.milliseconds(200)), .wait(.milliseconds(400)), .wait(.milliseconds(400)), .wait(.milliseconds(400))])
        #expect(delays.allSatisfy { $0.notice == nil })
        let back = core.next(after: .drained(applied: 10, parked: 0, full: true))
        #expect(back.next == .drainNow)
        #expect(back.notice == .outageEnded(failures: 5))
        #expect(core.isReachable)
        // The next outage starts from the first delay again.
        #expect(core.next(after: .unreachable(reason: "x")).next == .wait(.milliseconds(100)))
    }

    @Test func anotherProcessHoldingTheLockIsNoOutage() {
        var core = ReplicaDrainCore(pollInterval: .milliseconds(300), backoff: backoff)
        #expect(core.next(after: .lockedElsewhere) == (.wait(.milliseconds(300)), nil))
        #expect(core.isReachable)
    }
}

@Suite("Replication: replica settings")
struct ReplicaTargetTests {
    @Test func urisAndConninfosAreNamedHostPortDatabaseWithoutPasswords() throws {
        let targets = try ReplicaTarget.parseList([
            "postgresql://writer:s3cret@db-a.example:6432/consdb postgres://db-b/exposures?sslmode=require",
            "host=db-c port=5433 dbname=consdb user=u password=hunter2, postgresql://u@[::1]:7000",
        ])
        #expect(targets.map(\.name) == ["db-a.example:6432/consdb", "db-b:5432/exposures", "db-c:5433/consdb", "[::1]:7000/u"])
        #expect(!targets.map(\.name).joined().contains("s3cret") && !targets.map(\.name).joined().contains("hunter2"))
        #expect(targets[0].conninfo == "postgresql://writer:s3cret@db-a.example:6432/consdb")
        #expect(try ReplicaTarget.parseList(["", " , "]).isEmpty)
    }

    @Test func malformedOrDuplicateEntriesAreRefusedWithoutTheirPasswords() {
        for bad in ["mysql://u:pw@h/db", "just-a-hostname", "postgresql://u:pw@h:port/db",
                    "postgresql://a:pw@h/db,postgresql://b:pw@h:5432/db"] {
            do {
                _ = try ReplicaTarget.parseList([bad])
                Issue.record("accepted \(bad)")
            } catch {
                #expect(!error.problem.contains("pw"), "\(error.problem)")
            }
        }
    }
}
