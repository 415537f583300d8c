import API
import ArgumentParser
import Felis
import FelisCatalog
import Foundation
import Postgres

/// `consdb roles`: the reader role of `POST /consdb/query`, its grants on every published schema, and
/// the login role `CONSDB_QUERY_DATABASE_URL` connects as.
struct RolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "Create or update the unprivileged reader role that POST /consdb/query runs as.",
        discussion: """
            Creates the group role CONSDB_READER_ROLE (default consdb_reader, NOLOGIN) if missing and gives \
            it USAGE, SELECT and default privileges on every published schema (cdb_*, efd_*) of the \
            database; never on consdb_ingest. With --login (else CONSDB_READER_LOGIN), creates or updates \
            that login role as a member of the group with no other powers, with the password from \
            CONSDB_READER_PASSWORD (kept unchanged when unset), then checks it as `consdb serve` will. \
            Run it as a role with CREATEROLE (e.g. the database owner's administrator); re-running changes \
            nothing that is already in place. Point CONSDB_QUERY_DATABASE_URL at the login role.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Login role to create or update in the reader group (else CONSDB_READER_LOGIN).")
    var login: String?

    @Flag(name: .long, help: "Print the statements that would run, and change nothing.")
    var dryRun = false

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            let url = try settings.databaseURL(flag: common.databaseURL)
            guard let reader = try settings.readerRole() else {
                throw SettingError("CONSDB_READER_ROLE", "is 'none': there is no reader role to manage")
            }
            let loginName = login ?? settings.string("CONSDB_READER_LOGIN")
            if let loginName {
                do throws(ReaderRoleError) { try ReaderRole.check(loginName) } catch { throw SettingError("--login", error.message) }
            }
            let password = settings.string("CONSDB_READER_PASSWORD")
            let connection = try await Connection.connect(url, logger: logger)
            let outcome: (statements: [String], schemas: [String])
            do {
                outcome = try await apply(reader: reader, login: loginName, password: password, on: connection)
            } catch let rollback as DryRunRollback {
                for statement in rollback.statements { print(statement + ";") }
                return
            }
            let (statements, schemas) = outcome
            for statement in statements { print(statement + ";") }
            logger.info("reader role ready", metadata: [
                "event": "roles.applied", "role": "\(reader.name)", "login": "\(loginName ?? "")",
                "schemas": "\(schemas.joined(separator: ","))", "statements": "\(statements.count)",
            ])
            guard let loginName else { return }
            let check = try await QueryRoleCheck.inspect(on: connection, role: loginName)
            if check.isPrivileged {
                throw SettingError("--login", "names a role that is still privileged: \(check.problems.joined(separator: ", "))")
            }
        }
    }

    /// Grants and the login role in one transaction; a dry run throws ``DryRunRollback`` to roll back.
    private func apply(reader: ReaderRole, login loginName: String?, password: String?, on connection: Connection) async throws -> (statements: [String], schemas: [String]) {
        try await connection.withTransaction { connection in
            // Orders concurrent runs against this database, then takes each schema's lock as `consdb
            // schema apply` does, before creating anything, so the two never grant on one schema at
            // once nor wait on each other in a cycle. Roles are cluster-wide: a creation that races one
            // in another database is taken as "exists".
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('consdb.roles'))")
            let schemas = try await ReaderRole.publishedSchemas(on: connection)
            for schema in schemas {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("consdb.schema." + schema)))")
            }
            var statements = try await reader.grant(on: schemas, connection: connection)
            if let loginName {
                statements += try await reader.ensureLogin(loginName, password: password, connection: connection)
            }
            if dryRun { throw DryRunRollback(statements: statements, schemas: schemas) }
            return (statements, schemas)
        }
    }
}

/// Ends a dry run's transaction with a rollback, carrying what would have run.
private struct DryRunRollback: Error {
    var statements: [String]
    var schemas: [String]
}
