import Foundation
import Testing

/// `deploy/prometheus/consdb-alerts.yaml`: promtool accepts the rules and the configuration, its unit tests
/// (`consdb-alerts.test.yaml`: every alert firing and not firing) pass, every metric the rules name is one
/// the code exposes, and every runbook link lands on a README heading.
///
/// Without promtool (Debian's `prometheus` package) the promtool tests are skipped, unless
/// `CONSDB_PROMTOOL_REQUIRED=1` (as `.ci/run` sets) makes them fail.
@Suite("Prometheus alert rules")
struct AlertRulesTests {
    static let root = ArchitectureMapTests.root
    static let rules = "deploy/prometheus/consdb-alerts.yaml"

    static var promtool: String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin"] {
            let path = "\(directory)/promtool"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static var promtoolRequired: Bool { ProcessInfo.processInfo.environment["CONSDB_PROMTOOL_REQUIRED"] == "1" }

    /// Runs promtool in `deploy/prometheus`; returns its exit status and output.
    static func promtool(_ arguments: [String]) throws -> (status: Int32, output: String)? {
        guard let path = promtool else {
            #expect(!promtoolRequired, "promtool is missing (install Debian's prometheus package: scripts/install-deps)")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = root.appendingPathComponent("deploy/prometheus")
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func promtoolChecksTheRulesAndTheConfig() throws {
        guard let rules = try Self.promtool(["check", "rules", "consdb-alerts.yaml"]) else { return }
        #expect(rules.status == 0, "\(rules.output)")
        #expect(rules.output.contains("SUCCESS"), "\(rules.output)")
        guard let config = try Self.promtool(["check", "config", "prometheus.yml"]) else { return }
        #expect(config.status == 0, "\(config.output)")
    }

    @Test func promtoolUnitTestsPass() throws {
        guard let run = try Self.promtool(["test", "rules", "consdb-alerts.test.yaml"]) else { return }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("SUCCESS"), "\(run.output)")
    }

    /// Every alert of the rules has a unit test that expects it to fire and one where it does not.
    @Test func everyAlertIsTestedFiringAndNotFiring() throws {
        let alerts = Set(try Self.matches(#"- alert: ([A-Za-z]+)"#, in: Self.text(Self.rules)))
        #expect(alerts.count >= 10)
        let tests = try Self.text("deploy/prometheus/consdb-alerts.test.yaml")
        // Each `alertname:` line and whether its `exp_alerts` is empty.
        var fires: Set<String> = [], silent: Set<String> = []
        let lines = tests.split(separator: "\n").map(String.init)
        for (index, line) in lines.enumerated() {
            guard let name = try Self.matches(#"alertname: ([A-Za-z]+)"#, in: line).first, index + 1 < lines.count else { continue }
            if lines[index + 1].contains("exp_alerts: []") { silent.insert(name) } else { fires.insert(name) }
        }
        #expect(alerts.subtracting(fires).isEmpty, "never tested firing: \(alerts.subtracting(fires).sorted())")
        #expect(alerts.subtracting(silent).isEmpty, "never tested silent: \(alerts.subtracting(silent).sorted())")
    }

    /// Every alert carries a severity, a summary, a description and a runbook link to a README heading.
    @Test func everyAlertHasSeverityAnnotationsAndARunbookInTheReadme() throws {
        let rules = try Self.text(Self.rules)
        let blocks = rules.components(separatedBy: "- alert: ").dropFirst()
        #expect(blocks.count >= 10)
        let anchors = Set(try Self.text("README.md").split(separator: "\n").filter { $0.hasPrefix("#") }.map { Self.anchor(String($0)) })
        for block in blocks {
            let name = String(block.prefix { !$0.isNewline })
            #expect(block.contains("severity: warning") || block.contains("severity: critical"), "\(name): no severity")
            #expect(block.contains("summary: "), "\(name): no summary")
            #expect(block.contains("description: "), "\(name): no description")
            let links = try Self.matches(#"runbook_url: "README\.md#([a-z0-9-]+)""#, in: block)
            #expect(links.count == 1, "\(name): no runbook_url into README.md")
            for link in links { #expect(anchors.contains(link), "\(name): README.md has no heading with anchor #\(link)") }
        }
    }

    /// Every metric the rules name is defined in Sources.
    @Test func everyMetricInTheRulesIsDefinedInSources() throws {
        let defined = try Self.definedMetricNames()
        #expect(defined.contains("consdb_efd_batch_tasks"), "the scan of Sources found \(defined.sorted())")
        for name in try Self.metricNamesInRules() {
            let base = ["_bucket", "_sum", "_count"].reduce(name) { $0.hasSuffix($1) && !defined.contains($0) ? String($0.dropLast($1.count)) : $0 }
            #expect(defined.contains(base), "\(name) is used by the rules but no metric of that name is defined in Sources")
        }
    }

    // MARK: Support

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// `consdb_…` names in the rules' expressions (comments and annotations left out).
    static func metricNamesInRules() throws -> Set<String> {
        let expressions = try text(rules).split(separator: "\n").filter { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return !trimmed.hasPrefix("#") && !trimmed.hasPrefix("summary:") && !trimmed.hasPrefix("description:") && !trimmed.hasPrefix("runbook_url:")
                && !trimmed.hasPrefix("- alert:")
        }.joined(separator: "\n")
        return Set(try matches(#"\b(consdb_[a-z0-9_]+)\b"#, in: expressions)).subtracting(["consdb_ingest"])
    }

    /// The metric names Sources define: each `"consdb_…"` literal that a metric descriptor takes, joined
    /// with its unit as swift-prometheus does (`name_unit`), and the bare literal.
    static func definedMetricNames() throws -> Set<String> {
        var names: Set<String> = []
        let sources = root.appendingPathComponent("Sources")
        guard let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return names }
        for case let file as URL in files where file.pathExtension == "swift" {
            let code = try String(contentsOf: file, encoding: .utf8)
            let regex = try NSRegularExpression(pattern: #""(consdb_[a-z0-9_]+)"\s*,\s*(?:unitName:\s*)?"([a-z_]*)""#)
            for match in regex.matches(in: code, range: NSRange(code.startIndex..., in: code)) {
                guard let name = Range(match.range(at: 1), in: code), let unit = Range(match.range(at: 2), in: code) else { continue }
                names.insert(code[unit].isEmpty ? String(code[name]) : "\(code[name])_\(code[unit])")
            }
            names.formUnion(try matches(#""(consdb_[a-z0-9_]+)""#, in: code))
        }
        return names
    }

    /// GitHub's anchor of a markdown heading: lower case, spaces to hyphens, punctuation dropped.
    static func anchor(_ heading: String) -> String {
        let title = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
        return String(title.compactMap { character -> Character? in
            if character == " " { return "-" }
            if character.isLetter || character.isNumber || character == "-" || character == "_" { return character }
            return nil
        })
    }
}
