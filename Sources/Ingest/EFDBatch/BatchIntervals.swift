// How a batch run cuts a time range into tasks.

import TimeScales

/// One task's span of EFD time: the windows (exposures and visits) that *begin* in `[start, end)` are
/// summarized by the task, so every window belongs to the task its start falls in, however long it is.
/// UTC unix seconds.
public struct BatchInterval: Sendable, Hashable, CustomStringConvertible {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    public var description: String { "[\(UTCText.iso(start)), \(UTCText.iso(end)))" }

    /// Cuts `[start, end)` into consecutive intervals of `length` seconds (the last one shorter), each
    /// reaching `overlap` seconds back into the one before (as the reference's `--overlap`: windows that begin
    /// in the overlap are summarized twice, which the upserts make harmless). Empty when `end <= start`.
    ///
    /// - Precondition: `length > 0`, `overlap >= 0` (the command checks them).
    public static func split(start: Double, end: Double, length: Double, overlap: Double) -> [BatchInterval] {
        guard end > start, length > 0 else { return [] }
        var intervals: [BatchInterval] = []
        var index = 0.0
        while true {
            // Multiplying (not adding up) keeps the boundaries exact multiples of the length.
            let begin = start + index * length
            guard begin < end else { break }
            intervals.append(BatchInterval(start: max(start, begin - overlap), end: min(end, begin + length)))
            index += 1
        }
        return intervals
    }

    /// `YYYY-MM-DD[THH:MM:SS[.fff]][Z]` read as UTC unix seconds (what `--start` and `--end` take).
    public static func parseUTC(_ text: String) -> Double? { UTCText.parse(text) }

    /// The intervals of `length` aligned to multiples of `length` since the epoch that cover
    /// `[from, through)`: what `--cron` considers, so that runs at any time name the same tasks.
    public static func aligned(from: Double, through: Double, length: Double, overlap: Double) -> [BatchInterval] {
        guard through > from, length > 0 else { return [] }
        let first = (from / length).rounded(.down)
        let last = (through / length).rounded(.down)  // the interval containing `through` is not finished
        guard last > first else { return [] }
        return stride(from: first, to: last, by: 1).map { k in
            BatchInterval(start: k * length - overlap, end: (k + 1) * length)
        }
    }
}

/// UTC unix seconds as ISO 8601 text with a `Z` (millisecond precision), for logs and task listings, and
/// back. (`TAITimestamp` only counts nanoseconds: the scale is the caller's, here UTC.)
enum UTCText {
    static func iso(_ seconds: Double) -> String {
        TAITimestamp(taiUnixSeconds: seconds).map { $0.isoTextMilliseconds + "Z" } ?? "\(seconds)"
    }

    /// `YYYY-MM-DD[THH:MM:SS[.fff]][Z]`, read as UTC.
    static func parse(_ text: String) -> Double? {
        TAITimestamp(iso: text).map(\.taiUnixSeconds)
    }
}
