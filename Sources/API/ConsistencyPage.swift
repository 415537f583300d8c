import Consistency
import Foundation

/// The HTML of `GET /consdb/table_consistency`: self-contained (inline CSS, no script needed).
enum ConsistencyPage {
    enum Result {
        case report(ConsistencyReport, RuleSet)
        case error(String)
    }

    static func render(instruments: [String], instrument: String, dayObs: String, result: Result, action: String, jsonBase: String) -> String {
        let options = instruments.map { name in
            "<option value=\"\(htmlEscaped(name))\"\(name == instrument ? " selected" : "")>\(htmlEscaped(name))</option>"
        }.joined()
        var body = """
            <header>
            <h1>ConsDB table consistency</h1>
            <p class="sub">Rule violations for one instrument and observing day (day_obs rolls over at 12:00 UTC).</p>
            </header>
            <form method="get" action="\(htmlEscaped(action))" class="controls" id="form">
            <label>Instrument <select name="instrument" id="instrument">\(options)</select></label>
            <label>Observing day <input name="day_obs" id="day_obs" value="\(htmlEscaped(dayObs))" inputmode="numeric" pattern="[0-9]{8}" size="10" placeholder="YYYYMMDD" required></label>
            <button type="submit" id="check">Check</button>
            </form>
            """
        switch result {
        case .error(let message):
            body += "<p id=\"status\" class=\"status error\">\(htmlEscaped(message))</p>"
        case .report(let report, let set):
            let violations = report.violations
            let checked = report.outcomes.count - report.notChecked.count
            let json = "\(jsonBase)/\(report.instrument)/\(report.dayObs)"
            if violations.isEmpty {
                body += "<p id=\"status\" class=\"status ok\">\(htmlEscaped(report.instrument)) \(report.dayObs): consistent — \(checked) of \(report.outcomes.count) rules checked, no violations.</p>"
            } else {
                let failing = Set(violations.map(\.rule)).count
                body += "<p id=\"status\" class=\"status bad\">\(htmlEscaped(report.instrument)) \(report.dayObs): \(violations.count) inconsistenc\(violations.count == 1 ? "y" : "ies") in \(failing) rule\(failing == 1 ? "" : "s") (\(checked) of \(report.outcomes.count) rules checked).</p>"
            }
            body += "<div id=\"results\">"
            // Failing rules first, structural before coverage before ingest; then the passing and unchecked.
            let order: [ConsistencyRule.Category] = [.structural, .coverage, .ingest]
            let outcomes = report.outcomes.enumerated().sorted { lhs, rhs in
                let l = (lhs.element.violations.isEmpty ? 1 : 0, order.firstIndex(of: lhs.element.rule.category)!, lhs.offset)
                let r = (rhs.element.violations.isEmpty ? 1 : 0, order.firstIndex(of: rhs.element.rule.category)!, rhs.offset)
                return l < r
            }
            for outcome in outcomes { body += section(outcome.element) }
            body += "</div>"
            body += "<p class=\"foot\">Rules: <code>\(htmlEscaped((set.source as NSString).lastPathComponent))</code> · JSON: <a href=\"\(htmlEscaped(json))\">\(htmlEscaped(json))</a></p>"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>ConsDB table consistency</title>
            <style>\(style)</style>
            </head>
            <body>
            \(body)
            </body>
            </html>
            """
    }

    static func section(_ outcome: RuleOutcome) -> String {
        let rule = outcome.rule
        let state: String
        let summary: String
        if let reason = outcome.notChecked {
            state = "skipped"
            summary = "not checked: \(htmlEscaped(reason))"
        } else if outcome.violations.isEmpty {
            state = "pass"
            summary = "passed"
        } else {
            state = "fail"
            let numbers = outcome.violations.compactMap(\.seqNum)
            summary = numbers.isEmpty
                ? "\(outcome.violations.count) violation\(outcome.violations.count == 1 ? "" : "s")"
                : "failed for seq_num <span class=\"runs\">\(htmlEscaped(SeqNumRuns.text(numbers)))</span>"
        }
        var text = """
            <details class="rule \(state)" data-rule="\(htmlEscaped(rule.name))" data-class="\(rule.category.rawValue)"\(state == "fail" ? " open" : "")>
            <summary><span class="badge \(rule.category.rawValue)">\(rule.category.rawValue)</span><code>\(htmlEscaped(rule.name))</code> <span class="count">\(summary)</span></summary>
            """
        if let description = rule.description { text += "<p class=\"desc\">\(htmlEscaped(description))</p>" }
        if !outcome.violations.isEmpty {
            text += "<table><thead><tr><th>seq_num</th><th>detail</th></tr></thead><tbody>"
            for violation in outcome.violations.prefix(500) {
                text += "<tr><td class=\"seq\">\(violation.seqNum.map(String.init) ?? "—")</td><td>\(htmlEscaped(violation.detail))</td></tr>"
            }
            if outcome.violations.count > 500 { text += "<tr><td></td><td>… \(outcome.violations.count - 500) more (see the JSON)</td></tr>" }
            text += "</tbody></table>"
        }
        return text + "</details>"
    }

    static let style = """
        :root { color-scheme: light; --fail: #b42318; --ok: #1a7f37; --warn: #9a6700; --line: #d0d7de; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 980px; padding: 1.5rem; line-height: 1.45; color: #1f2328; }
        h1 { font-size: 1.5rem; margin: 0 0 .2rem; }
        .sub { margin: 0 0 1.2rem; color: #57606a; font-size: .92rem; }
        .controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; margin-bottom: 1rem; padding: .8rem 1rem; background: #f6f8fa; border: 1px solid var(--line); border-radius: 8px; }
        .controls label { display: flex; flex-direction: column; font-size: .8rem; gap: .25rem; color: #57606a; }
        .controls select, .controls input { padding: .4rem .5rem; font-size: .95rem; border: 1px solid var(--line); border-radius: 6px; }
        .controls button { padding: .45rem 1.1rem; font-size: .95rem; border: 0; border-radius: 6px; background: #0969da; color: #fff; cursor: pointer; }
        .status { font-weight: 600; padding: .55rem .8rem; border-radius: 6px; }
        .status.ok { color: var(--ok); background: #dafbe1; }
        .status.bad, .status.error { color: var(--fail); background: #ffebe9; }
        details.rule { border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; margin: .45rem 0; padding: .2rem .8rem; }
        details.rule.fail { border-left-color: var(--fail); }
        details.rule.pass { border-left-color: var(--ok); }
        details.rule.skipped { border-left-color: #8c959f; }
        summary { cursor: pointer; padding: .35rem 0; }
        summary code { font-weight: 600; }
        .badge { display: inline-block; font-size: .68rem; text-transform: uppercase; letter-spacing: .04em; padding: .1rem .45rem; border-radius: 999px; margin-right: .5rem; color: #fff; vertical-align: .1em; }
        .badge.structural { background: var(--fail); }
        .badge.coverage { background: var(--warn); }
        .badge.ingest { background: #6639ba; }
        .count { color: #57606a; margin-left: .3rem; }
        .fail .count { color: var(--fail); }
        .runs { font-variant-numeric: tabular-nums; font-weight: 600; }
        .desc { margin: 0 0 .4rem; color: #57606a; font-size: .9rem; }
        table { border-collapse: collapse; width: 100%; margin: .3rem 0 .6rem; font-size: .88rem; }
        th, td { border-bottom: 1px solid #eaeef2; padding: .3rem .5rem; text-align: left; vertical-align: top; }
        td.seq { font-variant-numeric: tabular-nums; white-space: nowrap; width: 5rem; }
        .foot { margin-top: 1.2rem; font-size: .82rem; color: #57606a; }
        """
}
