/// The execution phase of a UWS job (UWS 1.1 §2.1.3).
///
/// This service uses PENDING, QUEUED, EXECUTING, COMPLETED, ERROR and ABORTED; the other phases are
/// part of the vocabulary (a client may filter the job list by them) but no job here ever enters them.
public enum UWSPhase: String, Sendable, CaseIterable, Hashable {
    case pending = "PENDING"
    case queued = "QUEUED"
    case executing = "EXECUTING"
    case completed = "COMPLETED"
    case error = "ERROR"
    case aborted = "ABORTED"
    case unknown = "UNKNOWN"
    case held = "HELD"
    case suspended = "SUSPENDED"
    case archived = "ARCHIVED"

    /// Phases in which the job may still change by itself or be run: a `WAIT` blocks only in these.
    public var isActive: Bool {
        self == .pending || self == .queued || self == .executing
    }

    /// Phases a job never leaves.
    public var isFinal: Bool {
        self == .completed || self == .error || self == .aborted || self == .archived
    }

    /// Parses a phase name as UWS spells it (upper case; lower case accepted too).
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }
}
