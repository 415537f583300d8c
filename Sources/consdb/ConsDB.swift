import ArgumentParser
import Foundation
import Logging

@main
struct ConsDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consdb",
        abstract: "Rubin Observatory ConsDB ingestion daemon and HTTP API.",
        discussion: """
            Settings come from command-line flags, then environment variables, then a YAML file given with \
            --config (keys named like the environment variables), then built-in defaults.
            """,
        subcommands: [Serve.self, HinfoCommand.self, EFDCommand.self, SchemaCommand.self, RolesCommand.self, ReplicasCommand.self, ConsistencyCommand.self, DevCommand.self]
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "YAML file with settings (keys named like the environment variables).")
    var config: String?

    /// The settings file's old name in `efd stream`, `efd batch` and `dev telemetry` (whose `--config` once
    /// named the EFD column config); still read, with a warning.
    @Option(name: .customLong("settings"), help: .hidden)
    var legacySettings: String?

    @Option(name: .long, help: "Database: a libpq connection string or URI (else CONSDB_DATABASE_URL, POSTGRES_URL, CONSDB_URL, or libpq's PG* variables).")
    var databaseURL: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (else CONSDB_LOG_LEVEL; default info; LOG_CONFIG sets levels per logger).")
    var logLevel: String?

    /// Options given in an old spelling, one line each, logged as warnings once logging is up.
    var deprecations: [String] {
        legacySettings == nil ? [] : ["--settings is deprecated: the settings file is --config FILE"]
    }

    func settings() throws -> Settings {
        if config != nil, legacySettings != nil {
            throw SettingError("--settings", "is the old name of --config (the settings file): give only --config")
        }
        return try Settings.load(configFile: config ?? legacySettings, environment: ProcessInfo.processInfo.environment)
    }

    /// Sets up logfmt logging at the configured levels (`--log-level`, `CONSDB_LOG_LEVEL`, `LOG_CONFIG`) and
    /// logs every deprecated option (these and `more`).
    func bootstrapLogging(_ settings: Settings, deprecations more: [String] = []) throws -> Logger {
        let levels = try LogLevels.from(settings, flag: logLevel)
        LoggingSystem.bootstrap { label in
            var handler = LogfmtLogHandler(label: label)
            handler.logLevel = levels.level(for: label)
            return handler
        }
        let logger = Logger(label: "consdb")
        if !levels.unmatched.isEmpty {
            logger.notice("LOG_CONFIG names loggers consdb does not have; their entries do nothing", metadata: [
                "event": "log_config.unmatched", "loggers": "\(levels.unmatched.joined(separator: ","))",
            ])
        }
        for line in deprecations + more {
            logger.warning("\(line)", metadata: ["event": "cli.deprecated"])
        }
        return logger
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
