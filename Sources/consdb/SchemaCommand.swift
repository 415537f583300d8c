import ArgumentParser
import EFD
import Felis
import FelisCatalog
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
            abstract: "Create or upgrade the schema a Felis YAML file (or a transformed-EFD config) describes.",
            discussion: """
                Adds what is missing (schema, tables, columns, keys, constraints, comments, the visit1 and \
                ccdvisit1 views) and never drops anything; re-applying an unchanged file does nothing. The \
                whole change runs in one transaction. With --efd-config and --instrument, creates \
                efd_<instrument> with the four tables the config defines (exposure_efd, visit1_efd and their \
                unpivoted twins), as the reference generates them.

                Units and UCDs that felis validate rejects are reported as warnings; UCD words are checked \
                against the IVOA word list when CONSDB_UCD_WORDS names it (e.g. astropy's ucd1p-words.txt), \
                else their syntax only. \
                In the same transaction, the reader role of POST /consdb/query (CONSDB_READER_ROLE, default \
                consdb_reader, a NOLOGIN group role; 'none' skips this) is created if missing and given USAGE \
                on the schema, SELECT on its tables and views, and default privileges for tables created \
                there later. `consdb roles` adds a login role to it.

                For a published schema (cdb_*, efd_*), the same transaction fills TAP_SCHEMA (PostgreSQL \
                schema tap_schema, the five TAP 1.1 tables, created if missing) with the schema's tables, \
                views, columns and foreign keys, replacing its previous rows, and keeps TAP_SCHEMA's \
                description of itself; the reader role gets SELECT on it. It also creates the pg_sphere \
                extension (ADQL geometry) when the server has it; a role that may not create it gets a \
                warning (event schema.pgsphere_unavailable), not a failed apply.
                """
        )

        @OptionGroup var common: CommonOptions

        @Option(name: .long, help: "Felis YAML schema file.")
        var felis: String?

        @Option(name: .long, help: "Transformed-EFD column config (the reference's YAML format); needs --instrument.")
        var efdConfig: String?

        @Option(name: .long, help: "Instrument of --efd-config: the schema is efd_<instrument>.")
        var instrument: String?

        @Option(name: .long, help: "Create the schema under this name instead of the file's.")
        var schema: String?

        @Flag(name: .long, help: "Print the SQL that would run, and change nothing.")
        var dryRun = false

        func run() async throws {
            try await runReportingSettingErrors {
                let settings = try common.settings()
                let logger = try common.bootstrapLogging(settings)
                let url = try settings.databaseURL(flag: common.databaseURL)
                var felisSchema = try schemaToApply()
                if let schema { felisSchema.name = schema }
                let reader = try settings.readerRole()
                let connection = try await Connection.connect(url, logger: logger)
                let plan = try await SchemaApplier.apply(felisSchema, on: connection, dryRun: dryRun, reader: reader,
                                                         planner: SchemaPlanner(ucdVocabulary: try Self.ucdVocabulary(settings)))
                for warning in plan.warnings {
                    logger.warning("\(warning)", metadata: ["event": "schema.warning", "schema": "\(plan.schema)"])
                }
                if let reason = plan.pgSphereUnavailable {
                    // Never fatal: only ADQL geometry (CONTAINS, DISTANCE, ...) in the TAP service needs it.
                    logger.warning("pgSphere is not available: \(reason)", metadata: ["event": "schema.pgsphere_unavailable", "schema": "\(plan.schema)"])
                }
                if dryRun {
                    print(plan.isEmpty ? "-- \(plan.schema) is up to date; nothing to do" : plan.script, terminator: "")
                } else if plan.isEmpty {
                    logger.info("schema is up to date", metadata: ["event": "schema.unchanged", "schema": "\(plan.schema)"])
                } else {
                    logger.info("schema applied", metadata: [
                        "event": "schema.applied", "schema": "\(plan.schema)", "statements": "\(plan.statements.count)",
                        "reader_role": "\(reader?.name ?? "none")", "grants": "\(plan.grants.count)",
                        "tap_schema_statements": "\(plan.tapSchema.count)",
                    ])
                }
            }
        }

        /// The IVOA UCD word list named by CONSDB_UCD_WORDS (e.g. astropy's ucd1p-words.txt, which felis
        /// validate uses); without it, UCDs are checked for syntax only.
        static func ucdVocabulary(_ settings: Settings) throws -> UCDVocabulary? {
            guard let path = settings.string("CONSDB_UCD_WORDS") else { return nil }
            do { return try UCDVocabulary.load(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw SettingError("CONSDB_UCD_WORDS", "cannot be read: \(path): \(error.localizedDescription)")
            }
        }

        /// The Felis schema from --felis, or generated from --efd-config.
        private func schemaToApply() throws -> FelisSchema {
            switch (felis, efdConfig) {
            case (let path?, nil):
                guard FileManager.default.fileExists(atPath: path) else {
                    throw SettingError("--felis", "names a file that does not exist: \(path)")
                }
                return try FelisSchema.load(contentsOf: URL(fileURLWithPath: path))
            case (nil, let path?):
                guard let instrument, !instrument.isEmpty else { throw SettingError("--instrument", "is required with --efd-config") }
                guard FileManager.default.fileExists(atPath: path) else {
                    throw SettingError("--efd-config", "names a file that does not exist: \(path)")
                }
                let config: EFDConfig
                do { config = try EFDConfig.load(contentsOf: URL(fileURLWithPath: path)) } catch {
                    FileHandle.standardError.write(Data("consdb: \(error.description)\n".utf8))
                    throw ExitCode(2)
                }
                return EFDSchema.felis(for: config, instrument: instrument)
            case (nil, nil):
                throw SettingError("--felis", "or --efd-config is required")
            case (_?, _?):
                throw SettingError("--felis", "and --efd-config cannot be given together")
            }
        }
    }
}
