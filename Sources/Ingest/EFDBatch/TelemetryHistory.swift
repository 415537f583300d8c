import EFD

/// Where a batch run reads EFD history from: the EFD's InfluxDB, or Kafka replayed by time.
public protocol TelemetryHistory: Sendable {
    /// Appends `topic`'s rows with EFD time in `[from, through]` (UTC unix seconds, both ends included) to
    /// `buffer`, whose fields are the columns to read (NaN where a row lacks one), in time order.
    func read(topic: String, from: Double, through: Double, into buffer: inout TopicBuffer) async throws -> HistoryReadStats

    /// The field names `topic` has in the history, or nil when the source cannot tell (every column asked for
    /// is then read). Used to ask a packed topic only for the elements it has.
    func fieldNames(topic: String) async throws -> Set<String>?
}

/// What reading history cost.
public struct HistoryReadStats: Sendable {
    public var rows = 0
    public var bytes = 0
    /// Waiting for the source to answer (for InfluxDB: from sending the query to the last byte, less parsing).
    public var waiting: Duration = .zero
    /// Turning the answer into samples.
    public var parsing: Duration = .zero

    public init(rows: Int = 0, bytes: Int = 0, waiting: Duration = .zero, parsing: Duration = .zero) {
        self.rows = rows
        self.bytes = bytes
        self.waiting = waiting
        self.parsing = parsing
    }

    public static func += (lhs: inout HistoryReadStats, rhs: HistoryReadStats) {
        lhs.rows += rhs.rows
        lhs.bytes += rhs.bytes
        lhs.waiting += rhs.waiting
        lhs.parsing += rhs.parsing
    }
}
