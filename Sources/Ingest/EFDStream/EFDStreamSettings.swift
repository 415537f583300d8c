/// How the EFD stream decides that a window is complete and how long it keeps data.
public struct EFDStreamSettings: Sendable {
    /// How far past a window's end every topic it reads must have data before it closes (default 5 s).
    public var lateness: Duration = .seconds(5)
    /// A window closes at the latest this long after its end (wall clock), with whatever data arrived
    /// (NULL where none did). Default 60 s.
    public var maximumWait: Duration = .seconds(60)
    /// How often ConsDB is read for new exposures when no NOTIFY arrives (default 5 s).
    public var pollInterval: Duration = .seconds(5)
    /// How long telemetry is kept for windows not yet known (the exposure row is written after the
    /// exposure; default 10 min), on top of each topic's look-back.
    public var discoveryHorizon: Duration = .seconds(600)
    /// Closed windows stay this long to take late data (re-summarized and upserted again). Default 10 min.
    public var reopenHorizon: Duration = .seconds(600)
    /// The processing tick: windows are checked and offsets committed this often (default 200 ms).
    public var tick: Duration = .milliseconds(200)
    /// Longest back-off while the database or the registry is unavailable.
    public var maximumRetryDelay: Duration = .seconds(10)

    public init() {}
}
