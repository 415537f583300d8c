import EFD
@testable import Ingest
import Kafka
import Testing

/// The stream's decisions without Kafka or PostgreSQL: events in, actions out, time passed in. Times are
/// EFD/wall-clock seconds chosen small; expected values are worked out by hand in the comments, with the
/// default settings (lateness 5 s, maximum wait 60 s, discovery and re-open horizons 600 s).
@Suite("stream core")
struct StreamCoreTests {
    typealias F = StreamCoreFixture

    // MARK: Offsets and their promise

    /// Samples of A at 1000, 1100, ..., 3000 (offset i at time 1000 + 100 i, value i), and window 1 over
    /// [1500, 1530]: the lowest offset the window needs is 5 (time 1500); windows not known yet need data
    /// from the watermark less the discovery horizon, 3000 − 600 = 2400 (offset 14).
    private func hundredSecondSamples() throws -> StreamCore {
        var core = try F.core()
        core.take([F.a0], counts: ["lsst.sal.A.t": 1])
        for i in 0...20 {
            let outcome = core.sample(F.a0, offset: Int64(i), time: 1000 + 100 * Double(i), value: Double(i), now: 3000)
            #expect(outcome == .buffered(values: 1))
        }
        let learned = core.windowsLearned([F.exposure(1, 1500, 1530)], now: 3000)
        #expect(learned == 1)
        return core
    }

    @Test func commitsTheLowestOffsetAWindowStillNeedsWithItsPromise() throws {
        var core = try hundredSecondSamples()
        let plan = core.commitDue(now: 3000, uptime: .zero, assignment: [F.a0])
        #expect(plan.offsets == [F.a0: 5])
        // Data before 1500 is dropped: the promise is raised to it.
        #expect(plan.metadata == [F.a0: "efd-covered-from=1500.0"])
        // The broker did not answer: the same commit is asked again.
        let planned = core.commitDue(now: 3000, uptime: .zero, assignment: [F.a0])
        #expect(planned.offsets == [F.a0: 5])
        core.offsetsCommitted(plan.offsets)
        let planned2 = core.commitDue(now: 3000, uptime: .zero, assignment: [F.a0])
        #expect(planned2.offsets.isEmpty)
        // A partition the consumer no longer holds is left to its next owner.
        var other = try hundredSecondSamples()
        let planned3 = other.commitDue(now: 3000, uptime: .zero, assignment: [])
        #expect(planned3.offsets.isEmpty)
    }

    @Test func noCommitPassesAWindowWhoseWriteFailed() throws {
        var core = try hundredSecondSamples()
        core.offsetsCommitted(core.commitDue(now: 3000, uptime: .zero, assignment: [F.a0]).offsets)
        let ready = core.readyWindows(now: 3000, backlog: nil)
        #expect(ready.map(\.window.id) == [1])
        guard case .upsert = core.summarize(try #require(ready.first), now: 3000) else {
            Issue.record("window 1 has A's column to write")
            return
        }
        core.windowWriteFailed(F.exposure(1, 1500, 1530).key)
        // Long past the re-open horizon, the window is still pending and still holds offset 5.
        let learned = core.windowsLearned([], now: 10_000)
        #expect(learned == 0)
        #expect(core.windows.entries[F.exposure(1, 1500, 1530).key]?.closedAt == nil)
        #expect(core.readyWindows(now: 10_000, backlog: nil).map(\.window.id) == [1])
        let planned = core.commitDue(now: 10_000, uptime: .zero, assignment: [F.a0])
        #expect(planned.offsets.isEmpty)
        #expect(core.samples.committable(F.a0, neededFrom: 1500) == 5)
        // Written at last: closed, forgotten past the re-open horizon (10000 − 600 > 1530), and the commit
        // moves on to what windows not known yet need: offset 14 (time 2400).
        core.windowWritten(F.exposure(1, 1500, 1530).key, now: 10_000)
        _ = core.windowsLearned([], now: 10_000)
        #expect(core.windows.entries.isEmpty)
        let plan = core.commitDue(now: 10_000, uptime: .zero, assignment: [F.a0])
        #expect(plan.offsets == [F.a0: 14])
        #expect(plan.metadata == [F.a0: "efd-covered-from=2400.0"])
    }

    @Test func aClosedWindowKeepsItsOffsetsUntilTheReopenHorizon() throws {
        var core = try hundredSecondSamples()
        core.windowWritten(F.exposure(1, 1500, 1530).key, now: 3000)
        // Closed at 3000 but kept for late data while 1530 ≥ now − 600, i.e. until now = 2130: already past,
        // so it goes at the next refresh; before it, the commit still stops at 5.
        let planned = core.commitDue(now: 3000, uptime: .zero, assignment: [F.a0])
        #expect(planned.offsets == [F.a0: 5])
        _ = core.windowsLearned([], now: 3000)
        let planned2 = core.commitDue(now: 3000, uptime: .zero, assignment: [F.a0])
        #expect(planned2.offsets == [F.a0: 14])
    }

    @Test func refusedRowsCloseTheWindow() throws {
        var core = try hundredSecondSamples()
        core.windowRefused(F.exposure(1, 1500, 1530).key, now: 3000)
        #expect(core.readyWindows(now: 3000, backlog: nil).isEmpty)
        #expect(core.windows.entries[F.exposure(1, 1500, 1530).key]?.closedAt == 3000)
    }

    @Test func restartsFromTheCommitMetadata() throws {
        var first = try hundredSecondSamples()
        let plan = first.commitDue(now: 3000, uptime: .zero, assignment: [F.a0])
        let commit = KafkaCommittedOffset(offset: try #require(plan.offsets[F.a0]), metadata: try #require(plan.metadata[F.a0]))

        var core = try F.core()
        let change = core.assignmentChanged(to: [F.a0])
        #expect(change == StreamCore.Reassignment(revoked: [], reread: [], added: [F.a0], topics: ["lsst.sal.A.t"]))
        let resume = core.resumePoint(F.a0, committed: commit, reread: false, now: 3000)
        #expect(resume == .committed(offset: 5, coveredFrom: 1500, seek: false))
        core.partitionResumed(F.a0, coveredFrom: resume.coveredFrom, offset: 5)
        let ownership = core.partitionCountsLearned(["lsst.sal.A.t": 1])
        #expect(ownership == StreamCore.Ownership(owned: ["lsst.sal.A.t"], split: []))
        // Offsets below the committed one were read by the previous run (handed out again: skipped).
        #expect(!core.admits(F.a0, offset: 4))
        for i in 5...20 {
            let outcome = core.sample(F.a0, offset: Int64(i), time: 1000 + 100 * Double(i), value: Double(i), now: 3000)
            #expect(outcome == .buffered(values: 1))
        }
        // Window 1 [1500, 1530] holds one sample (value 5); window 2 [1400, 1430] begins before the promise
        // (1500): its data may be partial, so it is left to the batch runs, not overwritten.
        _ = core.windowsLearned([F.exposure(1, 1500, 1530), F.exposure(2, 1400, 1430)], now: 3000)
        let ready = core.readyWindows(now: 3000, backlog: nil).sorted { $0.window.id < $1.window.id }
        #expect(ready.map(\.window.id) == [1, 2])
        let rows = core.rows(ready[0], now: 3000)
        #expect(rows == ["a_mean": 5])
        let rows2 = core.rows(ready[1], now: 3000)
        #expect(rows2 == nil)
        #expect(core.windows.entries[F.exposure(2, 1400, 1430).key]?.closedAt == 3000)
    }

    @Test func resumePointsWithoutAPromise() throws {
        let core = try F.core()
        #expect(core.resumePoint(F.a0, committed: KafkaCommittedOffset(offset: 42, metadata: "efd-covered-from=1234.5"), reread: true, now: 5000)
            == .committed(offset: 42, coveredFrom: 1234.5, seek: true))
        // Committed by another program: it promises nothing older than now.
        for metadata in ["", "efd-covered-from=", "efd-covered-from=inf", "efd-covered-from=nan", "covered=12"] {
            #expect(core.resumePoint(F.a0, committed: KafkaCommittedOffset(offset: 42, metadata: metadata), reread: false, now: 5000)
                == .committed(offset: 42, coveredFrom: 5000, seek: false))
        }
        // Never committed: now − re-open horizon (600) − discovery horizon (600) − the topic's look-back.
        #expect(core.resumePoint(F.a0, committed: nil, reread: false, now: 5000) == .time(coveredFrom: 3800))
        let d = core.resumePoint(F.d0, committed: nil, reread: false, now: 5000)
        #expect(d == .time(coveredFrom: 200))
        #expect(d.lookupMilliseconds == 200_000)
    }

    // MARK: Rebalances and partial topics

    @Test func rebalanceMidWindow() throws {
        var core = try F.core()
        let ownership = core.take([F.a0, F.a1, F.b0], coveredFrom: 900, counts: ["lsst.sal.A.t": 2, "lsst.sal.B.t": 1])
        #expect(ownership
            == StreamCore.Ownership(owned: ["lsst.sal.A.t", "lsst.sal.B.t"], split: []))
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1010)
        core.sample(F.a0, offset: 0, time: 1000, value: 1, now: 1010)
        core.sample(F.a0, offset: 1, time: 1010, value: 3, now: 1010)
        core.sample(F.a1, offset: 0, time: 1020, value: 5, now: 1020)
        core.sample(F.b0, offset: 0, time: 1005, value: 2, now: 1020)
        core.sample(F.b0, offset: 1, time: 1025, value: 4, now: 1025)

        // A1 goes to another replica mid-window: A's buffer holds both partitions' samples, so it is
        // dropped and A0 read again from its committed offset; B is untouched.
        let change = core.assignmentChanged(to: [F.a0, F.b0])
        #expect(change.revoked == [F.a1])
        #expect(change.reread == [F.a0])
        #expect(change.added == [F.a0])
        #expect(Set(change.topics) == ["lsst.sal.A.t", "lsst.sal.B.t"])
        #expect(!core.admits(F.a0, offset: 5))
        #expect(!core.admits(F.a1, offset: 5))
        #expect(core.resumePoint(F.a0, committed: KafkaCommittedOffset(offset: 0, metadata: "efd-covered-from=900.0"), reread: true, now: 1030)
            == .committed(offset: 0, coveredFrom: 900, seek: true))
        core.partitionResumed(F.a0, coveredFrom: 900, offset: 0)
        #expect(core.admits(F.a0, offset: 0))
        let ownership2 = core.partitionCountsLearned(["lsst.sal.A.t": 2, "lsst.sal.B.t": 1])
        #expect(ownership2
            == StreamCore.Ownership(owned: ["lsst.sal.B.t"], split: ["lsst.sal.A.t"]))

        // B past 1035 completes the window for this replica; it writes B's column only: (2 + 4) / 2.
        core.sample(F.b0, offset: 2, time: 1040, value: 9, now: 1040)
        let ready = core.readyWindows(now: 1040, backlog: nil)
        #expect(ready == [StreamCore.ReadyWindow(window: F.exposure(1, 1000, 1030), dataComplete: true, rewrite: false)])
        let rows = core.rows(try #require(ready.first), now: 1040)
        #expect(rows == ["b_mean": 3])
    }

    @Test func aReplicaOwningSomeTopicsWritesOnlyTheirColumns() throws {
        var core = try F.core()
        // B has two partitions and this replica holds one: only A is owned.
        let ownership = core.take([F.a0, F.b0], counts: ["lsst.sal.A.t": 1, "lsst.sal.B.t": 2])
        #expect(ownership
            == StreamCore.Ownership(owned: ["lsst.sal.A.t"], split: ["lsst.sal.B.t"]))
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1000)
        core.sample(F.a0, offset: 0, time: 1010, value: 4, now: 1010)
        core.sample(F.b0, offset: 0, time: 1010, value: 8, now: 1010)
        // A at 1034 is short of 1030 + 5; B is not waited for.
        core.sample(F.a0, offset: 1, time: 1034, value: 0, now: 1034)
        #expect(core.readyWindows(now: 1034, backlog: nil).isEmpty)
        core.sample(F.a0, offset: 2, time: 1035, value: 0, now: 1035)
        let ready = try #require(core.readyWindows(now: 1035, backlog: nil).first)
        #expect(ready.dataComplete)
        let rows = core.rows(ready, now: 1035)
        #expect(rows == ["a_mean": 4])
    }

    @Test func nothingIsReadyBeforeTheGroupGivesATopic() throws {
        var core = try F.core()
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1000)
        #expect(core.readyWindows(now: 100_000, backlog: [:]).isEmpty)
        // Holding part of a topic is not owning it.
        core.take([F.a1], counts: ["lsst.sal.A.t": 2])
        #expect(core.readyWindows(now: 100_000, backlog: [:]).isEmpty)
    }

    // MARK: Readiness

    @Test func maximumWaitDuringABacklog() throws {
        var core = try F.core()
        core.take([F.a0, F.b0], counts: ["lsst.sal.A.t": 1, "lsst.sal.B.t": 1])
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1000)
        core.sample(F.a0, offset: 0, time: 1040, value: 1, now: 1040)
        // B has no data yet and 50 messages queued: the maximum wait (60 s) does not apply; ten times it
        // (600 s after the end, 1630) does.
        let backlog: [String: Int64] = ["lsst.sal.A.t": 0, "lsst.sal.B.t": 50]
        #expect(core.readyWindows(now: 1090, backlog: backlog).isEmpty)
        #expect(core.readyWindows(now: 1090, backlog: nil).isEmpty)
        #expect(core.readyWindows(now: 1629, backlog: backlog).isEmpty)
        #expect(core.readyWindows(now: 1630, backlog: backlog)
            == [StreamCore.ReadyWindow(window: F.exposure(1, 1000, 1030), dataComplete: false, rewrite: false)])
        // A topic missing from the lag sample counts as behind.
        #expect(core.readyWindows(now: 1100, backlog: ["lsst.sal.A.t": 0]).isEmpty)
        // Caught up: B has nothing left to read, so its data is complete once 1035 has passed.
        #expect(core.readyWindows(now: 1034, backlog: ["lsst.sal.A.t": 0, "lsst.sal.B.t": 0]).isEmpty)
        #expect(core.readyWindows(now: 1035, backlog: ["lsst.sal.A.t": 0, "lsst.sal.B.t": 0]).map(\.dataComplete) == [true])
    }

    @Test func theWaitOfAWindowLearnedLateCountsFromWhenItWasLearned() throws {
        var core = try F.core()
        core.take([F.a0, F.b0], counts: ["lsst.sal.A.t": 1, "lsst.sal.B.t": 1])
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 2000)
        let backlog: [String: Int64] = ["lsst.sal.A.t": 0, "lsst.sal.B.t": 50]
        #expect(core.readyWindows(now: 2599, backlog: backlog).isEmpty)
        #expect(core.readyWindows(now: 2600, backlog: backlog).map(\.window.id) == [1])
    }

    @Test func maximumWaitOnceCaughtUp() throws {
        var settings = EFDStreamSettings()
        settings.maximumWait = .seconds(2)
        var core = try F.core(settings)
        core.take([F.a0], counts: ["lsst.sal.A.t": 1])
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1000)
        // Caught up, A's data is complete at 1035; the maximum wait of 2 s closes the window at 1032.
        #expect(core.readyWindows(now: 1031, backlog: ["lsst.sal.A.t": 0]).isEmpty)
        #expect(core.readyWindows(now: 1032, backlog: ["lsst.sal.A.t": 0]).map(\.dataComplete) == [false])
    }

    @Test func latenessPerPreAggregationBucket() throws {
        var core = try F.core()
        core.take([F.a0, F.c0], counts: ["lsst.sal.A.t": 1, "lsst.sal.C.t": 1])
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1000)
        core.sample(F.a0, offset: 0, time: 1035, value: 1, now: 1040)
        // C's 10 s buckets: its data settles at 1030 + 5 + 10 = 1045; A's at 1035.
        core.sample(F.c0, offset: 0, time: 1020, value: 7, now: 1040)
        core.sample(F.c0, offset: 1, time: 1044, value: 2, now: 1044)
        #expect(core.readyWindows(now: 1044, backlog: nil).isEmpty)
        #expect(core.readyWindows(now: 1044, backlog: ["lsst.sal.A.t": 0, "lsst.sal.C.t": 0]).isEmpty)
        #expect(core.readyWindows(now: 1045, backlog: ["lsst.sal.A.t": 0, "lsst.sal.C.t": 0]).map(\.dataComplete) == [true])
        core.sample(F.c0, offset: 2, time: 1045, value: 3, now: 1045)
        let ready = try #require(core.readyWindows(now: 1045, backlog: nil).first)
        // Buckets starting in [1000, 1030]: [1020, 1030) holds 7; A's mean has no sample inside.
        let rows = core.rows(ready, now: 1045)
        #expect(rows == ["a_mean": nil, "c_max_10s": 7])
        core.windowWritten(ready.window.key, now: 1045)

        // Late data: C's samples up to one bucket past the end (1040) re-open the window, A's only up to its end.
        core.sample(F.a0, offset: 1, time: 1031, value: 1, now: 1050)
        core.sample(F.c0, offset: 3, time: 1041, value: 1, now: 1050)
        #expect(core.windows.entries[ready.window.key]?.lateSince == nil)
        core.sample(F.c0, offset: 4, time: 1040, value: 1, now: 1051)
        #expect(core.windows.entries[ready.window.key]?.lateSince == 1051)
    }

    @Test func lateDataReopensAWindow() throws {
        var core = try F.core()
        core.take([F.a0], counts: ["lsst.sal.A.t": 1])
        let window = F.exposure(1, 1000, 1030)
        _ = core.windowsLearned([window], now: 1000)
        core.sample(F.a0, offset: 0, time: 1000, value: 1, now: 1000)
        core.sample(F.a0, offset: 1, time: 1020, value: 3, now: 1020)
        core.sample(F.a0, offset: 2, time: 1040, value: 9, now: 1040)
        let first = try #require(core.readyWindows(now: 1040, backlog: nil).first)
        #expect(first.rewrite == false)
        let rows = core.rows(first, now: 1040)
        #expect(rows == ["a_mean": 2])
        core.windowWritten(window.key, now: 1040)
        #expect(core.readyWindows(now: 1041, backlog: nil).isEmpty)
        #expect(core.windows.openCount == 0)
        // A sample outside the window re-opens nothing; one inside does, summarized again 5 s later.
        core.sample(F.a0, offset: 3, time: 1100, value: 0, now: 1100)
        #expect(core.windows.openCount == 0)
        core.sample(F.a0, offset: 4, time: 1010, value: 8, now: 1101)
        #expect(core.windows.openCount == 1)
        #expect(core.readyWindows(now: 1105, backlog: nil).isEmpty)
        let again = try #require(core.readyWindows(now: 1106, backlog: nil).first)
        #expect(again.rewrite)
        // (1 + 8 + 3) / 3.
        let rows2 = core.rows(again, now: 1106)
        #expect(rows2 == ["a_mean": 4])
        core.windowWritten(window.key, now: 1106)
        #expect(core.windows.openCount == 0)
        // Its data is kept while it may be re-opened again: the commit stays at offset 0 (time 1000).
        let planned = core.commitDue(now: 1106, uptime: .zero, assignment: [F.a0])
        #expect(planned.offsets == [F.a0: 0])
    }

    @Test func aChangedSpanReopensAWindow() throws {
        var core = try F.core()
        core.take([F.a0], counts: ["lsst.sal.A.t": 1])
        _ = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1000)
        core.windowWritten(F.exposure(1, 1000, 1030).key, now: 1040)
        let learned = core.windowsLearned([F.exposure(1, 1000, 1030)], now: 1045)
        #expect(learned == 0)
        #expect(core.needsBacklog == false)
        let learned2 = core.windowsLearned([F.exposure(1, 1000, 1032)], now: 1050)
        #expect(learned2 == 0)
        #expect(core.needsBacklog)
        #expect(core.windows.entries[F.exposure(1, 1000, 1032).key]?.window.span.end == 1032)
    }

    // MARK: Intake

    @Test func samplesFromTheFutureAndBadRowsAreRejected() throws {
        var core = try F.core()
        core.take([F.a0], counts: ["lsst.sal.A.t": 1])
        let outcome = core.sampleDecoded(F.a0, offset: 0, time: 1301, row: [1], now: 1000)
        #expect(outcome
            == .rejected("private_efdStamp 1301.0 is more than 5 minutes in the future"))
        let outcome2 = core.sampleDecoded(F.a0, offset: 1, time: 1300, row: [1], now: 1000)
        #expect(outcome2 == .buffered(values: 1))
        let outcome3 = core.sampleDecoded(F.a0, offset: 2, time: 1000, row: [1, 2], now: 1000)
        #expect(outcome3 == .rejected("a row of 2 values where 1 were read"))
        core.messageRejected(F.a0, offset: 3)
        // Done with all four: none is decoded again, and the commit passes the rejected ones up to the
        // sample still needed (offset 1, time 1300 ≥ 1300 − 600).
        #expect(!core.admits(F.a0, offset: 3))
        #expect(core.admits(F.a0, offset: 4))
        let planned = core.commitDue(now: 1000, uptime: .zero, assignment: [F.a0])
        #expect(planned.offsets == [F.a0: 1])
        #expect(!core.admits(F.b0, offset: 0))
    }

    @Test func decodesTheFieldsTheEngineReads() throws {
        let core = try F.core()
        #expect(core.topicFields == ["lsst.sal.A.t": ["x"], "lsst.sal.B.t": ["y"], "lsst.sal.C.t": ["z"], "lsst.sal.D.t": ["w"]])
    }

    // MARK: Clock

    @Test func windowsAreReadOnNoticeOrEveryPollInterval() throws {
        var core = try F.core()
        let due = core.windowRefreshDue(notified: false, uptime: .zero)
        #expect(due)
        let due2 = core.windowRefreshDue(notified: false, uptime: .milliseconds(4900))
        #expect(!due2)
        let due3 = core.windowRefreshDue(notified: true, uptime: .milliseconds(4900))
        #expect(due3)
        let due4 = core.windowRefreshDue(notified: false, uptime: .milliseconds(9800))
        #expect(!due4)
        let due5 = core.windowRefreshDue(notified: false, uptime: .milliseconds(9900))
        #expect(due5)
        #expect(core.windowsWanted(now: 5000) == 3800)
    }

    @Test func memoryIsGivenBackEveryTenSeconds() throws {
        var core = try F.core()
        let planned = core.commitDue(now: 0, uptime: .seconds(9), assignment: [])
        #expect(!planned.releaseMemory)
        let planned2 = core.commitDue(now: 0, uptime: .seconds(10), assignment: [])
        #expect(planned2.releaseMemory)
        let planned3 = core.commitDue(now: 0, uptime: .seconds(19), assignment: [])
        #expect(!planned3.releaseMemory)
        let planned4 = core.commitDue(now: 0, uptime: .seconds(20), assignment: [])
        #expect(planned4.releaseMemory)
    }
}
