// The time span one exposure's or visit's summaries are computed over.

/// A closed time interval [begin, end] in UTC unix seconds: the samples an exposure's or
/// visit's column values are computed from. Both ends are included, as in the reference
/// (`index >= begin & index <= end`, DESIGN §5.3).
public struct SampleWindow: Sendable, Hashable {
    /// The first instant of the window (UTC unix seconds), included.
    public var begin: Double
    /// The last instant of the window (UTC unix seconds), included.
    public var end: Double

    /// A window [begin, end]; nothing is checked (an inverted window selects nothing).
    public init(begin: Double, end: Double) {
        self.begin = begin
        self.end = end
    }

    /// The window with its begin moved by a column's `start_offset` (hours; negative in the
    /// configs, −1 and −0.5, so the window reaches back): `begin + offset·3600`. The end is
    /// unchanged. A non-finite offset gives a window that selects nothing (NaN begin).
    public func extended(startOffsetHours: Double) -> SampleWindow {
        guard startOffsetHours.isFinite else { return SampleWindow(begin: .nan, end: end) }
        return SampleWindow(begin: begin + startOffsetHours * 3600, end: end)
    }

    /// Whether `time` lies in the window (both ends included).
    public func contains(_ time: Double) -> Bool { begin <= time && time <= end }

    /// True when the window can hold no sample: `begin > end`, or a bound is NaN.
    public var isEmpty: Bool { !(begin <= end) }
}
