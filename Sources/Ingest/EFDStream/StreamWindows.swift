import EFD

/// The windows the stream knows, open (waiting for data) or closed (summarized, kept a while for late
/// data).
struct StreamWindows {
    struct Entry {
        var window: ObservationWindow
        /// Wall-clock UTC time the stream learned of it: the maximum wait counts from its end or from
        /// this, whichever is later, so windows learned at a restart first get their data.
        var learnedAt: Double
        /// Wall-clock UTC time it was last summarized; nil while open.
        var closedAt: Double?
        /// Late data arrived after it was summarized: summarize again once the lateness has passed.
        var lateSince: Double?
    }

    private(set) var entries: [ObservationWindow.Key: Entry] = [:]
    /// Windows summarized and then forgotten, with their end: ConsDB still lists them for a while, and
    /// learning one again would summarize it from buffers that no longer hold its data.
    private var forgotten: [ObservationWindow.Key: Double] = [:]

    var openCount: Int { entries.values.filter { $0.closedAt == nil || $0.lateSince != nil }.count }

    /// Adds windows not seen before (and updates the span of known ones, e.g. an exposure row rewritten by
    /// `hinfo --update`; a changed span re-opens the window).
    mutating func learn(_ windows: [ObservationWindow], now: Double) -> Int {
        var added = 0
        for window in windows where forgotten[window.key] == nil {
            if var entry = entries[window.key] {
                if entry.window != window {
                    entry.window = window
                    entry.closedAt = nil
                    entry.lateSince = nil
                    entries[window.key] = entry
                }
            } else {
                entries[window.key] = Entry(window: window, learnedAt: now)
                added += 1
            }
        }
        return added
    }

    /// Notes a sample of a topic at `time`, received at `now`: closed windows it falls in are summarized
    /// again later (`lookBack` seconds before a window's start still count, for look-back columns, and
    /// `slack` seconds after its end, for the last bucket of pre-aggregated ones).
    mutating func noteLateSample(at time: Double, lookBack: Double, slack: Double, now: Double) {
        for (key, entry) in entries where entry.closedAt != nil && entry.lateSince == nil {
            if time <= entry.window.span.end + slack, time >= entry.window.span.begin - lookBack - slack {
                entries[key]!.lateSince = now
            }
        }
    }

    mutating func markClosed(_ key: ObservationWindow.Key, at now: Double) {
        entries[key]?.closedAt = now
        entries[key]?.lateSince = nil
    }

    /// Drops closed windows that ended before `cutoff` (remembering them until `tombstoneCutoff`, after
    /// which ConsDB lookups no longer return them).
    mutating func forget(endedBefore cutoff: Double, tombstonesBefore tombstoneCutoff: Double) {
        for (key, entry) in entries where entry.closedAt != nil && entry.lateSince == nil && entry.window.span.end < cutoff {
            forgotten[key] = entry.window.span.end
            entries[key] = nil
        }
        forgotten = forgotten.filter { $0.value >= tombstoneCutoff }
    }

    /// The earliest start among all windows kept (closed ones may be re-opened by late data and then need
    /// their data again).
    var earliestKeptBegin: Double? {
        entries.values.map(\.window.span.begin).min()
    }

    /// The earliest start among windows still to be summarized (open or re-opened).
    var earliestPendingBegin: Double? {
        entries.values.filter { $0.closedAt == nil || $0.lateSince != nil }.map(\.window.span.begin).min()
    }
}
