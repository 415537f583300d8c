import ArgumentParser
import Foundation
import Logging

@main
struct ConsDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consdb",
        abstract: "Rubin Observatory ConsDB ingestion daemon and HTTP API.",
        discussion: """
            Settings come from command-line flags, then environment variables, then a YAML file given with
            --config (keys named like the environment variables), then built-in defaults.
            """,
        subcommands: [Serve.self, HinfoCommand.self, EFDCommand.self, SchemaCommand.self, RolesCommand.self, DevCommand.self]
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "YAML file with settings (keys named like the environment variables).")
    var config: String?

    @Option(name: .long, help: "Database: a libpq connection string or URI (else CONSDB_DATABASE_URL, POSTGRES_URL, CONSDB_URL, or libpq's PG* variables).")
    var databaseURL: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (else CONSDB_LOG_LEVEL; default info).")
    var logLevel: String?

    func settings() throws -> Settings {
        try Settings.load(configFile: config, environment: ProcessInfo.processInfo.environment)
    }

    func bootstrapLogging(_ settings: Settings) throws -> Logger {
        let levelText = logLevel ?? settings.string("CONSDB_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw SettingError("CONSDB_LOG_LEVEL", "must be one of trace, debug, info, notice, warning, error, critical; got '\(levelText)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = LogfmtLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "consdb")
    }
}

/// The common options for commands whose `--config` names something else (an EFD column config): the
/// settings file is `--settings` there.
struct SettingsOptions: ParsableArguments {
    @Option(name: .long, help: "YAML file with settings (keys named like the environment variables).")
    var settings: String?

    @Option(name: .long, help: "Database: a libpq connection string or URI (else CONSDB_DATABASE_URL, POSTGRES_URL, CONSDB_URL, or libpq's PG* variables).")
    var databaseURL: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (else CONSDB_LOG_LEVEL; default info).")
    var logLevel: String?

    var common: CommonOptions {
        var options = CommonOptions()
        options.config = settings
        options.databaseURL = databaseURL
        options.logLevel = logLevel
        return options
    }
}

/// Prints a setting error as one line and exits non-zero, as DESIGN §4 asks.
func runReportingSettingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as SettingError {
        FileHandle.standardError.write(Data("consdb: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
}
