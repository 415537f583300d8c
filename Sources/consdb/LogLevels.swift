import Logging

/// The level of each logger: a root level and per-label levels, where a label's level is that of its
/// longest configured prefix (`consdb.api` covers `consdb.api.query`).
///
/// Set by `--log-level` or `CONSDB_LOG_LEVEL` (the root level) and by the reference's `LOG_CONFIG`:
/// entries separated by blanks or commas, each `logger=LEVEL`, or a bare `LEVEL` for the root (e.g.
/// `consdb.pqserver=DEBUG INFO`). The reference's logger names map onto our `consdb.*` labels.
struct LogLevels: Equatable {
    /// Level of every logger no entry names.
    var root: Logger.Level = .info
    /// Levels by label prefix.
    var byLabel: [String: Logger.Level] = [:]
    /// Logger names of `LOG_CONFIG` that name none of ours (e.g. `uvicorn`), reported at start.
    var unmatched: [String] = []

    func level(for label: String) -> Logger.Level {
        var best: (length: Int, level: Logger.Level)?
        for (prefix, level) in byLabel where label == prefix || label.hasPrefix(prefix + ".") {
            if best == nil || prefix.count > best!.length { best = (prefix.count, level) }
        }
        return best?.level ?? root
    }

    /// The levels from the settings. The root level is the flag, else `CONSDB_LOG_LEVEL`, else
    /// `LOG_CONFIG`'s bare level, else info; `LOG_CONFIG`'s named entries apply on top.
    static func from(_ settings: Settings, flag: String?) throws -> LogLevels {
        var levels = try settings.string("LOG_CONFIG").map { try parse(logConfig: $0) } ?? LogLevels()
        if let text = flag ?? settings.string("CONSDB_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw SettingError("CONSDB_LOG_LEVEL", "must be one of trace, debug, info, notice, warning, error, critical; got '\(text)'")
            }
            levels.root = level
        }
        return levels
    }

    /// Parses `LOG_CONFIG`. Later entries win, as each `setLevel` does in the reference; `NOTSET` on a
    /// logger makes it follow its parent again, on the root it lets everything through.
    static func parse(logConfig text: String) throws -> LogLevels {
        var levels = LogLevels()
        let entries = text.split(whereSeparator: { $0.isWhitespace || $0 == "," })
        for entry in entries {
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw SettingError("LOG_CONFIG", "has an entry with more than one '=': \(String(entry).debugDescription); write logger=LEVEL")
            }
            let name = parts.count == 2 ? String(parts[0]) : ""
            let levelText = String(parts[parts.count - 1])
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }) else {
                throw SettingError("LOG_CONFIG", "has a logger name that is not letters, digits, '_' and '.': \(name.debugDescription)")
            }
            guard let level = pythonLevel(levelText) else {
                throw SettingError(
                    "LOG_CONFIG",
                    "has an unknown level \(levelText.debugDescription) (use DEBUG, INFO, WARNING, ERROR, CRITICAL, or trace, notice)"
                )
            }
            switch label(forReferenceName: name) {
            case .root:
                levels.root = level ?? .trace
            case .label(let label):
                if let level { levels.byLabel[label] = level } else { levels.byLabel[label] = nil }
            case .none:
                if !levels.unmatched.contains(name) { levels.unmatched.append(name) }
            }
        }
        return levels
    }

    /// A level name of Python's `logging` (any case) or of swift-log; `.some(nil)` is `NOTSET`.
    static func pythonLevel(_ text: String) -> Logger.Level?? {
        switch text.lowercased() {
        case "notset": return .some(nil)
        case "trace": return .trace
        case "debug": return .debug
        case "info": return .info
        case "notice": return .notice
        case "warning", "warn": return .warning
        case "error": return .error
        case "critical", "fatal": return .critical
        default: return nil
        }
    }

    enum Target: Equatable {
        case root
        case label(String)
    }

    /// Our label for a logger name of the reference: `.` and `lsst` (the reference's root), `lsst.consdb`
    /// and `consdb` are all of ours; `consdb.pqserver` is the API (`consdb.api`); the EFD summarizers
    /// are `consdb.efd`; other `consdb.*` names are ours as they are. `nil` for anything else.
    static func label(forReferenceName name: String) -> Target? {
        if name.isEmpty || name == "root" { return .root }
        if name == "." || name == "lsst" { return .label("consdb") }
        var ours = name
        if ours.hasPrefix("lsst.consdb") { ours.removeFirst("lsst.".count) }
        guard ours == "consdb" || ours.hasPrefix("consdb.") else { return nil }
        let aliases = ["consdb.pqserver": "consdb.api", "consdb.transformed_efd": "consdb.efd", "consdb.summarize_efd": "consdb.efd"]
        for (theirs, mine) in aliases where ours == theirs || ours.hasPrefix(theirs + ".") {
            ours = mine + ours.dropFirst(theirs.count)
        }
        return .label(ours)
    }
}
