import Foundation
import Testing
@testable import consdb

@Suite("Settings: environment, config file and their errors")
struct SettingsTests {
    func writeConfig(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func environmentOverridesTheConfigFile() throws {
        let path = try writeConfig("CONSDB_PORT: 9000\nmax_rows: 5\nCONSDB_DATABASE_URL: postgresql://file/db\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try Settings.load(configFile: path, environment: ["CONSDB_PORT": "9100"])
        #expect(try settings.positiveInt("CONSDB_PORT", default: 1) == 9100)
        #expect(try settings.positiveInt("MAX_ROWS", default: 1) == 5)
        #expect(try settings.databaseURL(flag: nil) == "postgresql://file/db")
        #expect(try settings.databaseURL(flag: "postgresql://flag/db") == "postgresql://flag/db")
    }

    @Test func databaseURLPrecedenceAndLibpqFallback() throws {
        let both = try Settings.load(configFile: nil, environment: ["POSTGRES_URL": "b", "CONSDB_URL": "c"])
        #expect(try both.databaseURL(flag: nil) == "b")
        let libpq = try Settings.load(configFile: nil, environment: ["PGHOST": "db.example"])
        #expect(try libpq.databaseURL(flag: nil) == "")
        let none = try Settings.load(configFile: nil, environment: [:])
        let error = #expect(throws: SettingError.self) { try none.databaseURL(flag: nil) }
        #expect(error?.setting == "CONSDB_DATABASE_URL")
    }

    @Test func badValuesNameTheSetting() throws {
        let settings = try Settings.load(configFile: nil, environment: ["MAX_ROWS": "lots", "STATEMENT_TIMEOUT_SECONDS": "-1"])
        let rows = #expect(throws: SettingError.self) { try settings.positiveInt("MAX_ROWS", default: 1) }
        #expect(rows?.description == "MAX_ROWS must be a positive integer; got 'lots'")
        let timeout = #expect(throws: SettingError.self) { try settings.positiveDouble("STATEMENT_TIMEOUT_SECONDS", default: 1) }
        #expect(timeout?.setting == "STATEMENT_TIMEOUT_SECONDS")
    }

    @Test func malformedConfigFilesAreRejectedClearly() throws {
        for text in ["- a list\n- not a mapping\n", "key: [unclosed", "NESTED:\n  deeper: 1\n"] {
            let path = try writeConfig(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: SettingError.self) { try Settings.load(configFile: path, environment: [:]) }
        }
        let missing = #expect(throws: SettingError.self) { try Settings.load(configFile: "/nonexistent/consdb.yaml", environment: [:]) }
        #expect(missing?.setting == "--config")
    }

    @Test func logfmtQuotesValuesThatNeedIt() {
        #expect(LogfmtLogHandler.quote("plain") == "plain")
        #expect(LogfmtLogHandler.quote("two words") == "\"two words\"")
        #expect(LogfmtLogHandler.quote("a=\"b\"\nc") == "\"a=\\\"b\\\"\\nc\"")
        #expect(LogfmtLogHandler.quote("") == "\"\"")
    }
}

/// Every subcommand's arguments parse (ArgumentParser checks a command's option names when it first
/// parses it: two options with one name stop the program, as `--config` twice once did).
@Suite("command lines")
struct CommandLineTests {
    @Test(arguments: [
        ["serve", "--port", "8080", "--config", "s.yaml"], ["hinfo", "--instrument", "LATISS", "--path", "x", "--config", "s.yaml"],
        ["efd", "stream", "--instrument", "demo", "--efd-config", "c.yaml", "--config", "s.yaml"],
        ["efd", "batch", "--instrument", "demo", "--efd-config", "c.yaml", "--config", "s.yaml", "--resume"],
        ["schema", "apply", "--efd-config", "c.yaml", "--instrument", "demo", "--config", "s.yaml"], ["dev", "kafka"], ["dev", "registry"],
        ["dev", "headers", "--dir", "d"], ["dev", "telemetry", "--efd-config", "c.yaml", "--config", "s.yaml"],
        // The old spellings still parse.
        ["efd", "stream", "--instrument", "demo", "--config", "c.yaml", "--settings", "s.yaml"], ["dev", "telemetry", "--config", "c.yaml"],
    ])
    func parses(_ arguments: [String]) throws {
        _ = try ConsDB.parseAsRoot(arguments)
    }
}
