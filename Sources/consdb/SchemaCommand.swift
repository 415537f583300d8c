import ArgumentParser
import Felis
import Foundation
import Postgres

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Create or migrate ConsDB schemas.",
        subcommands: [Apply.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the schema a Felis YAML file describes.",
            discussion: """
                Adds what is missing (schema, tables, columns, keys, constraints, comments, the visit1 and
                ccdvisit1 views) and never drops anything; re-applying an unchanged file does nothing. The
                whole change runs in one transaction.
                """
        )

        @OptionGroup var common: CommonOptions

        @Option(name: .long, help: "Felis YAML schema file.")
        var felis: String

        @Option(name: .long, help: "Create the schema under this name instead of the file's.")
        var schema: String?

        @Flag(name: .long, help: "Print the SQL that would run, and change nothing.")
        var dryRun = false

        func run() async throws {
            try await runReportingSettingErrors {
                let settings = try common.settings()
                let logger = try common.bootstrapLogging(settings)
                let url = try settings.databaseURL(flag: common.databaseURL)
                guard FileManager.default.fileExists(atPath: felis) else {
                    throw SettingError("--felis", "names a file that does not exist: \(felis)")
                }
                let connection = try await Connection.connect(url, logger: logger)
                let plan = try await SchemaApplier.apply(felisFile: URL(fileURLWithPath: felis), on: connection, dryRun: dryRun, schemaName: schema)
                for warning in plan.warnings {
                    logger.warning("\(warning)", metadata: ["event": "schema.warning", "schema": "\(plan.schema)"])
                }
                if dryRun {
                    print(plan.isEmpty ? "-- \(plan.schema) is up to date; nothing to do" : plan.script, terminator: "")
                } else if plan.isEmpty {
                    logger.info("schema is up to date", metadata: ["event": "schema.unchanged", "schema": "\(plan.schema)"])
                } else {
                    logger.info("schema applied", metadata: ["event": "schema.applied", "schema": "\(plan.schema)", "statements": "\(plan.statements.count)"])
                }
            }
        }
    }
}
