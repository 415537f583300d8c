import JSON

extension Violation {
    /// The reference's row: `{"rule", "day_obs", "seq_num", "detail"}` (`seq_num` null for ingest rules).
    public var json: JSONValue {
        .object([
            ("rule", .string(rule)), ("day_obs", .int(dayObs)),
            ("seq_num", seqNum.map { .int($0) } ?? .null), ("detail", .string(detail)),
        ])
    }
}

extension ConsistencyReport {
    /// The violations as the reference's JSON list.
    public var violationsJSON: JSONValue { .array(violations.map(\.json)) }

    /// The rules not checked, `[{"rule", "reason"}]`.
    public var notCheckedJSON: JSONValue {
        .array(notChecked.map { .object([("rule", .string($0.rule)), ("reason", .string($0.reason))]) })
    }
}
