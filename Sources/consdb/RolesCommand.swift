import API
import ArgumentParser
import Consistency
import Felis
import FelisCatalog
import Foundation
import Ingest
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
            nothing that is already in place. Point CONSDB_QUERY_DATABASE_URL at the login role. \
            With --consistency-login (else CONSDB_CONSISTENCY_LOGIN; password CONSDB_CONSISTENCY_PASSWORD), also \
            creates or updates the login role of GET /consdb/table_consistency: a member of the reader group \
            that may also read consdb_ingest.rejected, efd_batch_task and consistency_check (created if \
            missing) and nothing else there, writing nothing; point CONSDB_CONSISTENCY_DATABASE_URL at it.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Login role to create or update in the reader group (else CONSDB_READER_LOGIN).")
    var login: String?

    @Option(name: .long, help: "Login role of the table-consistency endpoint to create or update (else CONSDB_CONSISTENCY_LOGIN).")
    var consistencyLogin: String?

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
            let consistencyName = consistencyLogin ?? settings.string("CONSDB_CONSISTENCY_LOGIN")
            if let consistencyName {
                do throws(ReaderRoleError) { try ReaderRole.check(consistencyName) } catch { throw SettingError("--consistency-login", error.message) }
                if consistencyName == loginName { throw SettingError("--consistency-login", "must differ from --login (the query reader may not read consdb_ingest)") }
            }
            let connection = try await Connection.connect(url, logger: logger)
            if consistencyName != nil, !dryRun {
                // The tables the consistency login reads, so that it can be granted them now.
                try await DeadLetters.create(on: connection)
                let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1), logger: logger)
                try await BatchTaskQueue(pool: pool).create()
                await pool.shutdown()
                try await CheckLog.create(on: connection)
            }
            let outcome: (statements: [String], schemas: [String])
            do {
                outcome = try await apply(reader: reader, login: loginName, password: password, consistency: consistencyName,
                                          consistencyPassword: settings.string("CONSDB_CONSISTENCY_PASSWORD"), on: connection)
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
            if let consistencyName {
                let check = try await ConsistencyRoleCheck.inspect(on: connection, role: consistencyName)
                if check.isPrivileged {
                    throw SettingError("--consistency-login", "names a role that is still privileged: \(check.problems.joined(separator: ", "))")
                }
            }
            guard let loginName else { return }
            let check = try await QueryRoleCheck.inspect(on: connection, role: loginName)
            if check.isPrivileged {
                throw SettingError("--login", "names a role that is still privileged: \(check.problems.joined(separator: ", "))")
            }
        }
    }

    /// Grants and the login role in one transaction; a dry run throws ``DryRunRollback`` to roll back.
    private func apply(reader: ReaderRole, login loginName: String?, password: String?, consistency: String?, consistencyPassword: String?,
                       on connection: Connection) async throws -> (statements: [String], schemas: [String]) {
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
            if let consistency {
                statements += try await reader.ensureLogin(consistency, password: consistencyPassword, connection: connection)
                statements += try await grantIngestReads(to: consistency, on: connection)
            }
            if dryRun { throw DryRunRollback(statements: statements, schemas: schemas) }
            return (statements, schemas)
        }
    }
}

/// USAGE on consdb_ingest and SELECT on the three tables the consistency rules read (those that exist).
private func grantIngestReads(to role: String, on connection: Connection) async throws -> [String] {
    let schema = SQL.quoteIdentifier(RuleSet.ingestSchema)
    let hasSchema = try await connection.query("SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = \(RuleSet.ingestSchema)").rows.first?.first == "1"
    guard hasSchema else { return [] }
    var statements = ["GRANT USAGE ON SCHEMA \(schema) TO \(SQL.quoteIdentifier(role))"]
    for table in ConsistencyRoleCheck.ingestTables {
        let exists = try await connection.query("""
            SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(RuleSet.ingestSchema) AND c.relname = \(table)
            """).rows.first?.first == "1"
        if exists { statements.append("GRANT SELECT ON \(schema).\(SQL.quoteIdentifier(table)) TO \(SQL.quoteIdentifier(role))") }
    }
    for statement in statements { _ = try await connection.execute(statement) }
    return statements
}

/// Ends a dry run's transaction with a rollback, carrying what would have run.
private struct DryRunRollback: Error {
    var statements: [String]
    var schemas: [String]
}
