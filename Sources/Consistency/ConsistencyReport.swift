/// What one rule found: its violations, or why it was not checked.
public struct RuleOutcome: Sendable {
    public var rule: ConsistencyRule
    public var violations: [Violation]
    /// Why the rule did not run (a missing table, a role without access); nil when it ran.
    public var notChecked: String?

    public init(rule: ConsistencyRule, violations: [Violation], notChecked: String? = nil) {
        self.rule = rule
        self.violations = violations
        self.notChecked = notChecked
    }
}

/// One instrument's check of one observing day.
public struct ConsistencyReport: Sendable {
    public var instrument: String
    public var dayObs: DayObs
    public var outcomes: [RuleOutcome]

    public init(instrument: String, dayObs: DayObs, outcomes: [RuleOutcome]) {
        self.instrument = instrument
        self.dayObs = dayObs
        self.outcomes = outcomes
    }

    /// Every violation, in the reference's order (rule, day_obs, seq_num).
    public var violations: [Violation] { outcomes.flatMap(\.violations).sorted(by: Violation.ordered) }

    /// The rules that did not run, with why.
    public var notChecked: [(rule: String, reason: String)] {
        outcomes.compactMap { outcome in outcome.notChecked.map { (outcome.rule.name, $0) } }
    }

    /// The alert's message: per rule (by name), `<rule> failed for seq_num 1-3,7`, joined with `; `.
    /// Ingest rules have no sequence numbers: `<rule> failed N times`.
    public var alertMessage: String {
        var byRule: [String: [Violation]] = [:]
        for violation in violations { byRule[violation.rule, default: []].append(violation) }
        return byRule.keys.sorted().map { rule in
            let found = byRule[rule]!
            let numbers = found.compactMap(\.seqNum)
            let without = found.count - numbers.count
            var text = "\(rule) failed"
            if !numbers.isEmpty { text += " for seq_num \(SeqNumRuns.text(numbers))" }
            if without > 0 { text += numbers.isEmpty ? " \(without) time\(without == 1 ? "" : "s")" : " and \(without) more time\(without == 1 ? "" : "s")" }
            return text
        }.joined(separator: "; ")
    }
}
