import Foundation
import Postgres
import Yams

/// A missing or contradictory setting: one line naming the setting.
struct SettingError: Error, CustomStringConvertible {
    var setting: String
    var problem: String

    init(_ setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    var description: String { "\(setting) \(problem)" }
}

/// Settings from the environment, overlaid on a YAML file whose keys are named like the variables.
/// Command-line flags are applied by each subcommand on top of these.
struct Settings {
    var values: [String: String]

    static func load(configFile: String?, environment: [String: String]) throws -> Settings {
        var values: [String: String] = [:]
        if let configFile {
            let text: String
            do {
                text = try String(contentsOfFile: configFile, encoding: .utf8)
            } catch {
                throw SettingError("--config", "cannot be read: \(configFile): \(error.localizedDescription)")
            }
            let parsed: Any?
            do {
                parsed = try Yams.load(yaml: text)
            } catch {
                throw SettingError("--config", "is not valid YAML: \(configFile): \(error)")
            }
            guard let mapping = parsed as? [String: Any] else {
                throw SettingError("--config", "must be a YAML mapping of setting names to values: \(configFile)")
            }
            for (key, value) in mapping {
                guard value is String || value is Int || value is Double || value is Bool else {
                    throw SettingError(key.uppercased(), "in \(configFile) must be a single value")
                }
                values[key.uppercased()] = "\(value)"
            }
        }
        for (key, value) in environment { values[key] = value }
        return Settings(values: values)
    }

    func string(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    func positiveInt(_ key: String, default fallback: Int) throws -> Int {
        guard let text = string(key) else { return fallback }
        guard let value = Int(text), value > 0 else { throw SettingError(key, "must be a positive integer; got '\(text)'") }
        return value
    }

    func positiveIntOrZero(_ key: String, default fallback: Int) throws -> Int {
        guard let text = string(key) else { return fallback }
        guard let value = Int(text), value >= 0 else { throw SettingError(key, "must be a non-negative integer; got '\(text)'") }
        return value
    }

    func positiveDouble(_ key: String, default fallback: Double) throws -> Double {
        guard let text = string(key) else { return fallback }
        guard let value = Double(text), value > 0, value.isFinite else { throw SettingError(key, "must be a positive number; got '\(text)'") }
        return value
    }

    /// The database connection string: the flag, else the first of ``DatabaseURL/environmentKeys``, else
    /// one built from `DB_*` (``DatabaseParts``), else libpq's own `PG*` variables or service file.
    /// Nothing at all is an error, not a silent localhost.
    func databaseURL(flag: String?) throws -> String {
        if let flag, !flag.isEmpty { return flag }
        do {
            if let url = try DatabaseURL.resolve(values) { return url }
        } catch {
            throw SettingError(error.setting, error.problem)
        }
        if ["PGHOST", "PGDATABASE", "PGSERVICE", "PGHOSTADDR"].contains(where: { string($0) != nil }) { return "" }
        throw SettingError("CONSDB_DATABASE_URL", "is not set (nor POSTGRES_URL, CONSDB_URL, DB_HOST/DB_USER/DB_PASS/DB_NAME, or libpq's PGHOST/PGDATABASE/PGSERVICE)")
    }
}
