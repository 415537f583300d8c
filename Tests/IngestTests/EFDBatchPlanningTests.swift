import EFD
import Ingest
import Testing

/// `efd batch --cron`'s planning, without a clock: the intervals it queues at a given time.
@Suite("EFD batch: --cron planning")
struct EFDBatchCronTests {
    // 5-minute tasks reaching a minute back, the last hour, telemetry complete 2 minutes after an interval ends.
    let cron = BatchCron(window: 3600, delay: 120, length: 300, overlap: 60)
    /// 10:10:00 (seconds of 1970-01-01): a 5-minute boundary.
    let boundary = 36_600.0

    @Test func queuesTheFinishedIntervalsOfTheWindowEndingDelayBeforeNow() {
        // At 10:16:30 the intervals are looked for in 09:14:30-10:14:30: those that begin at 09:10 (it reaches
        // into the window) through 10:05 (10:10-10:15 has not ended by 10:14:30).
        let intervals = cron.intervals(at: 36_990)
        #expect(intervals.count == 12)
        #expect(intervals.first == BatchInterval(start: 9 * 3600 + 600 - 60, end: 9 * 3600 + 900))
        #expect(intervals.last == BatchInterval(start: 10 * 3600 + 300 - 60, end: 10 * 3600 + 600))
        for (earlier, later) in zip(intervals, intervals.dropFirst()) {
            #expect(later.end - earlier.end == 300)
            #expect(later.start == earlier.end - 60)
        }
        #expect(intervals.allSatisfy { $0.end <= 36_990 - 120 })
    }

    @Test func runsBetweenTwoBoundariesQueueTheSameTasks() {
        let first = cron.intervals(at: boundary + 120 + 1)
        let second = cron.intervals(at: boundary + 120 + 299)
        #expect(first == second)
        #expect(Set(first).count == first.count)
    }

    @Test func aFiveMinuteBoundaryBetweenTwoRunsAddsOnlyTheIntervalThatEnded() {
        // The interval ending at the boundary is complete `delay` after it: just before, a run leaves it out;
        // just after, a run adds it, and every interval both runs name is the same task (the same value).
        let before = cron.intervals(at: boundary + 120 - 1)
        let after = cron.intervals(at: boundary + 120 + 1)
        #expect(!before.contains { $0.end == boundary })
        #expect(Set(after).subtracting(before) == [BatchInterval(start: boundary - 300 - 60, end: boundary)])
        // The window moved on by the same five minutes: its oldest interval is left to the failure monitor.
        #expect(Set(before).subtracting(after) == [BatchInterval(start: boundary - 3600 - 300 - 60, end: boundary - 3600)])
        for interval in after where before.contains(where: { $0.end == interval.end }) {
            #expect(before.contains(interval))
        }
    }

    @Test func requeuesNothing() {
        #expect(BatchCron.requeue.isEmpty)
    }
}

/// `efd batch --failure-monitor`'s planning: the intervals it queues for the windows without EFD rows.
@Suite("EFD batch: failure monitor planning")
struct EFDBatchFailureMonitorTests {
    let monitor = BatchFailureMonitor(days: 7, length: 300, overlap: 60)

    func window(_ id: Int64, begin: Double) -> ObservationWindow {
        ObservationWindow(kind: .exposure, id: id, dayObs: 19700101, seqNum: Int(id), span: SampleWindow(begin: begin, end: begin + 30))
    }

    @Test func looksBackItsDays() {
        #expect(monitor.since(now: 1_000_000) == 1_000_000 - 7 * 86_400)
        #expect(BatchFailureMonitor(days: 0.5, length: 300, overlap: 0).since(now: 100_000) == 100_000 - 43_200)
    }

    @Test func queuesTheIntervalEachMissingWindowBeginsInOnceInTimeOrder() {
        // Two windows in 10:00-10:05, one beginning exactly at 10:05, one in 10:15-10:20 (given out of order).
        let missing = [window(4, begin: 36_900), window(1, begin: 36_010), window(2, begin: 36_250), window(3, begin: 36_300)]
        #expect(monitor.intervals(missing: missing) == [
            BatchInterval(start: 35_940, end: 36_300), BatchInterval(start: 36_240, end: 36_600), BatchInterval(start: 36_840, end: 37_200),
        ])
        #expect(monitor.intervals(missing: []).isEmpty)
    }

    @Test func namesTheSameTasksAsCron() {
        // A window --cron already queued an interval for is queued again as that same task, not a new one.
        let cron = BatchCron(window: 3600, delay: 120, length: 300, overlap: 60)
        let named = cron.intervals(at: 36_990)
        for begin in stride(from: 33_000.0, to: 36_600, by: 137) {
            let queued = monitor.intervals(missing: [window(1, begin: begin)])
            #expect(queued.count == 1)
            #expect(named.contains(queued[0]), "window beginning at \(begin)")
        }
    }

    @Test func requeuesEveryState() {
        #expect(BatchFailureMonitor.requeue == Set(BatchTask.State.allCases))
    }
}
