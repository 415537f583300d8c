import ArgumentParser
import Consistency
import Foundation
import Logging
import Postgres

/// `consdb consistency`: the daily table checks of one observing day, per instrument, with the
/// reference's log lines (its Loki alerts fire on them) and a row per run in `consdb_ingest.consistency_check`.
struct ConsistencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Check one observing day's tables against each instrument's consistency rules.",
        discussion: """
            Checks the previous observing day (the UTC date 12 hours ago, minus one day) unless given one \
            (an argument or --day-obs YYYYMMDD, else DAY_OBS). Instruments: --instrument (repeatable), else \
            INSTRUMENTS ("lsstcam;latiss"), else every rules file. Rules: CONSISTENCY_RULES_DIR (default \
            config/consistency), one YAML file per instrument. Logs event=consdb_table_consistency_ok, or at \
            error event=consdb_table_consistency_alert with num_inconsistencies and message, per instrument, \
            and records each run in consdb_ingest.consistency_check. Exit status: 0 consistent, 1 \
            inconsistencies found, 2 the database could not be used, 64 bad usage or settings.
            """
    )

    static let usageExit: Int32 = 64

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("instrument"), help: "Instrument to check (repeatable; else INSTRUMENTS, else every rules file).")
    var instruments: [String] = []

    @Option(name: .customLong("day-obs"), help: "Observing day YYYYMMDD (else the argument, DAY_OBS, or the previous observing day).")
    var dayObsOption: String?

    @Argument(help: "Observing day YYYYMMDD.")
    var dayObsArgument: String?

    @Option(name: .long, help: "Directory of the rules files (else CONSISTENCY_RULES_DIR; default config/consistency).")
    var rules: String?

    @Flag(name: .long, help: "Do not record the run in consdb_ingest.consistency_check.")
    var noRecord = false

    func run() async throws {
        let plan: (settings: Settings, sets: [RuleSet], day: DayObs, url: String)
        do {
            plan = try prepare()
        } catch let error as SettingError {
            FileHandle.standardError.write(Data("consdb: \(error.description)\n".utf8))
            throw ExitCode(Self.usageExit)
        }
        let logger: Logger
        do {
            logger = try common.bootstrapLogging(plan.settings)
        } catch let error as SettingError {
            FileHandle.standardError.write(Data("consdb: \(error.description)\n".utf8))
            throw ExitCode(Self.usageExit)
        }
        let connection: Connection
        do {
            connection = try await Connection.connect(plan.url, logger: logger)
        } catch {
            logger.error("cannot connect to the database", metadata: [
                "event": "consistency.database_unavailable", "database": "\(DatabaseURL.redacted(plan.url))", "error": "\(error)",
            ])
            throw ExitCode(2)
        }
        var failed = false
        var inconsistent = false
        for set in plan.sets {
            let report: ConsistencyReport
            do {
                report = try await ConsistencyChecker.run(set, day: plan.day, on: connection)
            } catch {
                logger.error("the consistency check could not run", metadata: [
                    "event": "consistency.check_failed", "instrument": "\(set.instrument)", "day_obs": "\(plan.day)", "error": "\(error)",
                ])
                failed = true
                continue
            }
            for (rule, reason) in report.notChecked {
                logger.warning("rule not checked: \(reason)", metadata: [
                    "event": "consdb_table_consistency_not_checked", "instrument": "\(set.instrument)", "day_obs": "\(plan.day)", "rule": "\(rule)",
                ])
            }
            ReferenceLogLine.write(report, logger: logger)
            inconsistent = inconsistent || !report.violations.isEmpty
            if !noRecord {
                do {
                    try await CheckLog.create(on: connection)
                    try await CheckLog.record(report, on: connection)
                } catch {
                    logger.error("cannot record the run in consdb_ingest.consistency_check (the metrics of consdb serve will not see it)", metadata: [
                        "event": "consistency.record_failed", "instrument": "\(set.instrument)", "error": "\(error)",
                    ])
                }
            }
        }
        if failed { throw ExitCode(2) }
        if inconsistent { throw ExitCode(1) }
    }

    /// Settings, rules, instruments and day; every mistake a ``SettingError`` (exit 64).
    private func prepare() throws -> (settings: Settings, sets: [RuleSet], day: DayObs, url: String) {
        let settings = try common.settings()
        if let dayObsOption, let dayObsArgument, dayObsOption != dayObsArgument {
            throw SettingError("--day-obs", "and the day argument differ (\(dayObsOption), \(dayObsArgument)): give one")
        }
        let day: DayObs
        if let text = dayObsOption ?? dayObsArgument ?? settings.string("DAY_OBS") {
            guard let parsed = DayObs(text) else {
                throw SettingError(dayObsOption != nil ? "--day-obs" : dayObsArgument != nil ? "day_obs" : "DAY_OBS", "must be a date YYYYMMDD; got '\(text)'")
            }
            day = parsed
        } else {
            day = DayObs.previous(to: Date())
        }
        let directory = rules ?? settings.string("CONSISTENCY_RULES_DIR") ?? "config/consistency"
        let all: [String: RuleSet]
        do {
            all = try RuleFileLoader.loadDirectory(directory)
        } catch let error as RuleFileError {
            throw SettingError("CONSISTENCY_RULES_DIR", "has a bad rules file: \(error)")
        }
        var names = instruments.map { $0.lowercased() }
        if names.isEmpty, let list = settings.string("INSTRUMENTS") {
            names = list.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        }
        if names.isEmpty { names = all.keys.sorted() }
        let unknown = names.filter { all[$0] == nil }
        if !unknown.isEmpty {
            throw SettingError(instruments.isEmpty ? "INSTRUMENTS" : "--instrument", "names instruments without rules: \(unknown.joined(separator: ", ")); known: \(all.keys.sorted().joined(separator: ", "))")
        }
        var seen: Set<String> = []
        let sets = names.filter { seen.insert($0).inserted }.map { all[$0]! }
        return (settings, sets, day, try settings.databaseURL(flag: common.databaseURL))
    }
}

/// The reference's two lines, field for field and in its order, after our logfmt prefix: Loki alerts
/// written for the reference match them unchanged.
enum ReferenceLogLine {
    static func write(_ report: ConsistencyReport, logger: Logger) {
        let violations = report.violations
        let level: Logger.Level = violations.isEmpty ? .info : .error
        guard logger.logLevel <= level else { return }
        var line = "ts=\(LogfmtLogHandler.timestamp()) level=\(level.rawValue) logger=consdb.consistency"
        if violations.isEmpty {
            line += " event=consdb_table_consistency_ok instrument=\(report.instrument) day_obs=\(report.dayObs)"
        } else {
            line += " event=consdb_table_consistency_alert instrument=\(report.instrument) day_obs=\(report.dayObs)"
            line += " num_inconsistencies=\(violations.count) message=\(pythonRepr(report.alertMessage))"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The message quoted as Python's `%r` quotes a string (the reference formats it so).
    static func pythonRepr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case quote: out += "\\\(quote)"
            default: out.append(character)
            }
        }
        return out + String(quote)
    }
}
