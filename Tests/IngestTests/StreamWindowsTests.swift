@testable import Ingest
import Testing

/// The stream's window table: learning, closing, late samples, forgetting. Times by hand.
@Suite("stream windows")
struct StreamWindowsTests {
    private let first = StreamCoreFixture.exposure(1, 1000, 1030)
    private let second = StreamCoreFixture.exposure(2, 1100, 1130)

    @Test func learnsEachWindowOnce() {
        var windows = StreamWindows()
        let added = windows.learn([first, second], now: 1200)
        #expect(added == 2)
        let added2 = windows.learn([first, second], now: 1300)
        #expect(added2 == 0)
        #expect(windows.entries[first.key]?.learnedAt == 1200)
        #expect(windows.openCount == 2)
        #expect(windows.earliestPendingBegin == 1000)
        #expect(windows.earliestKeptBegin == 1000)
    }

    @Test func closingLeavesTheWindowKeptButNotPending() {
        var windows = StreamWindows()
        _ = windows.learn([first, second], now: 1200)
        windows.markClosed(first.key, at: 1210)
        #expect(windows.entries[first.key]?.closedAt == 1210)
        #expect(windows.openCount == 1)
        #expect(windows.earliestPendingBegin == 1100)
        #expect(windows.earliestKeptBegin == 1000)
    }

    @Test func lateSamplesReopenClosedWindowsTheyFallIn() {
        var windows = StreamWindows()
        _ = windows.learn([first], now: 1040)
        windows.markClosed(first.key, at: 1040)
        // Look-back 60 s, slack 10 s: samples in [1000 − 60 − 10, 1030 + 10] = [930, 1040] count.
        windows.noteLateSample(at: 929, lookBack: 60, slack: 10, now: 1050)
        windows.noteLateSample(at: 1041, lookBack: 60, slack: 10, now: 1050)
        #expect(windows.entries[first.key]?.lateSince == nil)
        windows.noteLateSample(at: 930, lookBack: 60, slack: 10, now: 1051)
        #expect(windows.entries[first.key]?.lateSince == 1051)
        // Already re-opened: the first late sample's time stands.
        windows.noteLateSample(at: 1040, lookBack: 60, slack: 10, now: 1052)
        #expect(windows.entries[first.key]?.lateSince == 1051)
        #expect(windows.openCount == 1)
        windows.markClosed(first.key, at: 1060)
        #expect(windows.entries[first.key]?.lateSince == nil)
    }

    @Test func lateSamplesLeaveOpenWindowsAlone() {
        var windows = StreamWindows()
        _ = windows.learn([first], now: 1040)
        windows.noteLateSample(at: 1010, lookBack: 0, slack: 0, now: 1050)
        #expect(windows.entries[first.key]?.lateSince == nil)
    }

    @Test func forgetsClosedWindowsAndRemembersThemUntilTheTombstoneCutoff() {
        var windows = StreamWindows()
        _ = windows.learn([first, second], now: 1200)
        windows.markClosed(first.key, at: 1200)
        // The open second window stays whatever its end; the closed first goes.
        windows.forget(endedBefore: 5000, tombstonesBefore: 900)
        #expect(windows.entries.keys.map(\.id) == [2])
        // ConsDB still lists it: not learned again while its tombstone (end 1030 ≥ 900) lasts.
        let added = windows.learn([first], now: 5000)
        #expect(added == 0)
        windows.forget(endedBefore: 5000, tombstonesBefore: 1031)
        let added2 = windows.learn([first], now: 5001)
        #expect(added2 == 1)
        #expect(windows.entries[first.key]?.learnedAt == 5001)
    }

    @Test func keepsClosedWindowsEndingAtOrAfterTheCutoffAndReopenedOnes() {
        var windows = StreamWindows()
        _ = windows.learn([first, second], now: 1200)
        windows.markClosed(first.key, at: 1200)
        windows.markClosed(second.key, at: 1200)
        windows.noteLateSample(at: 1110, lookBack: 0, slack: 0, now: 1300)
        windows.forget(endedBefore: 1030, tombstonesBefore: 0)
        #expect(windows.entries.count == 2)
        windows.forget(endedBefore: 5000, tombstonesBefore: 0)
        #expect(windows.entries.keys.map(\.id) == [2])
    }
}
