import EFD

// Events of the windows: when to read ConsDB and what it listed; which windows are ready; what a ready
// window's row holds; what became of its write.
extension StreamCore {
    /// A window found ready to be summarized and upserted.
    struct ReadyWindow: Equatable {
        var window: ObservationWindow
        /// Every topic it reads had data past its end plus the lateness (not just the maximum wait over).
        var dataComplete: Bool
        /// It was summarized before (re-opened by late data).
        var rewrite: Bool
    }

    /// What to do with a ready window.
    enum WindowRows {
        /// Upsert these rows (the columns this replica may write), then report ``windowWritten(_:now:)``,
        /// ``windowRefused(_:now:)`` or ``windowWriteFailed(_:)``.
        case upsert(WindowSummary)
        /// Nothing this replica may write (its topics are owned by others, or its data does not reach back
        /// far enough): left to the batch runs, and closed already.
        case uncovered
    }

    /// Whether to read ConsDB for windows now (`notified`: `hinfo` announced new exposure rows); notes the
    /// read as done when it is.
    mutating func windowRefreshDue(notified: Bool, uptime: Duration) -> Bool {
        guard notified || lastWindowRefresh.map({ uptime - $0 >= settings.pollInterval }) ?? true else { return false }
        lastWindowRefresh = uptime
        return true
    }

    /// The windows to read from ConsDB at `now`: those that ended at or after this (UTC unix seconds).
    func windowsWanted(now: Double) -> Double {
        now - settings.reopenHorizon.seconds - settings.discoveryHorizon.seconds
    }

    /// ConsDB listed `listed` at `now` (read with ``windowsWanted(now:)``): adds the new ones, and forgets
    /// closed windows past the re-open horizon. Returns how many were new.
    mutating func windowsLearned(_ listed: [ObservationWindow], now: Double) -> Int {
        let added = windows.learn(listed, now: now)
        windows.forget(endedBefore: now - settings.reopenHorizon.seconds, tombstonesBefore: windowsWanted(now: now) - 60)
        return added
    }

    /// Whether some window waits for data: the brokers' backlog matters only then.
    var needsBacklog: Bool { windows.earliestPendingBegin != nil }

    /// The windows to summarize at `now`, given the messages left to read per topic (nil when unknown).
    ///
    /// A window is ready once every topic this replica owns has data past its end plus the lateness (and,
    /// for pre-aggregated columns, the bucket), or has nothing left to read and that time has passed; or when
    /// the maximum wait has passed with every owned topic caught up; or, whatever the backlog, ten times the
    /// maximum wait (a topic stuck behind must not hold every window, and memory, for ever). A re-opened
    /// window is ready once the lateness has passed since the late data.
    func readyWindows(now: Double, backlog lagByTopic: [String: Int64]?) -> [ReadyWindow] {
        let lateness = settings.lateness.seconds
        let maximumWait = settings.maximumWait.seconds
        let owned = partitions.ownedTopics
        // Before the group has given this replica any topic there is nothing it may write.
        guard !owned.isEmpty else { return [] }
        let idle = Set((lagByTopic ?? [:]).filter { $0.value == 0 }.keys)
        // The maximum wait is for data that never comes, not for data still queued: while any topic has a
        // backlog (or before the first lag sample), windows wait for their data.
        let caughtUp = lagByTopic.map { lag in owned.allSatisfy { (lag[$0] ?? 1) == 0 } } ?? false
        var ready: [ReadyWindow] = []
        for entry in windows.entries.values {
            let pending = entry.closedAt == nil || entry.lateSince.map { now - $0 >= lateness } == true
            guard pending else { continue }
            let window = entry.window
            let dataComplete = engine.config.topicNames.allSatisfy { topic in
                let settled = window.span.end + lateness + bucketSlack(topic)
                return !owned.contains(topic) || partitions.watermark(topic) >= settled || (idle.contains(topic) && now >= settled)
            }
            let waited = now - max(window.span.end, entry.learnedAt)
            guard dataComplete || (caughtUp && waited >= maximumWait) || waited >= 10 * maximumWait else { continue }
            ready.append(ReadyWindow(window: window, dataComplete: dataComplete, rewrite: entry.closedAt != nil))
        }
        return ready
    }

    /// The rows of a ready window, summarized from the buffers: only the columns of topics this replica
    /// consumes, and whose data it has from far enough back (other replicas fill the rest of the row, and a
    /// row is never overwritten from partial data).
    mutating func summarize(_ ready: ReadyWindow, now: Double) -> WindowRows {
        let window = ready.window
        intake.flushHeld(through: window.span.end, into: &buffers)
        var summary = engine.summarize(window.span, kind: window.kind, buffers: buffers, scratch: &scratch)
        let begin = window.span.begin
        summary.columns = summary.columns.filter { mayWrite($0.name, windowBegin: begin) }
        summary.unpivoted = summary.unpivoted.filter { mayWrite($0.property, windowBegin: begin) }
        guard !summary.columns.isEmpty || !summary.unpivoted.isEmpty else {
            windows.markClosed(window.key, at: now)
            return .uncovered
        }
        return .upsert(summary)
    }

    /// The window's rows are committed to the database (at the tick of `now`): closed, kept for late data
    /// until the re-open horizon.
    mutating func windowWritten(_ key: ObservationWindow.Key, now: Double) {
        windows.markClosed(key, at: now)
    }

    /// The database refused the window's values (e.g. out of a column's range): retrying cannot help, so it
    /// is closed as if written.
    mutating func windowRefused(_ key: ObservationWindow.Key, now: Double) {
        windows.markClosed(key, at: now)
    }

    /// The window's write did not happen (the database unavailable until the stop): it stays pending, and
    /// keeps holding the offsets of its data.
    mutating func windowWriteFailed(_ key: ObservationWindow.Key) {}
}
