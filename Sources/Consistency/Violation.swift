/// One broken rule for one exposure (or, for the ingest rules, one dead letter or failed task, which
/// have no sequence number): the daily check's row `{rule, day_obs, seq_num, detail}`.
public struct Violation: Sendable, Hashable {
    public var rule: String
    public var dayObs: Int
    public var seqNum: Int?
    public var detail: String

    public init(rule: String, dayObs: Int, seqNum: Int?, detail: String) {
        self.rule = rule
        self.dayObs = dayObs
        self.seqNum = seqNum
        self.detail = detail
    }

    /// The order of the reference's query: rule, day, sequence number (rows without one last).
    static func ordered(_ lhs: Violation, _ rhs: Violation) -> Bool {
        if lhs.rule != rhs.rule { return lhs.rule < rhs.rule }
        if lhs.dayObs != rhs.dayObs { return lhs.dayObs < rhs.dayObs }
        switch (lhs.seqNum, rhs.seqNum) {
        case let (l?, r?): return l != r ? l < r : lhs.detail < rhs.detail
        case (nil, _?): return false
        case (_?, nil): return true
        case (nil, nil): return lhs.detail < rhs.detail
        }
    }
}
