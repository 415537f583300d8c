import Felis
import Foundation
import Postgres

/// Applies Felis files to a database: what `consdb schema apply` runs.
public enum SchemaApplier {
    /// Loads `felisFile`, plans against the live schema, and (unless `dryRun`) runs the plan.
    ///
    /// Reading the catalog, planning and every statement happen in one transaction, under a lock per
    /// schema, so a failure leaves nothing half-applied and two concurrent applies cannot interleave.
    ///
    /// - Parameters:
    ///   - schemaName: applies the file to this schema instead of the one the file names.
    ///   - dryRun: plan only; the database is not changed.
    ///   - reader: the role `POST /consdb/query` reads as; it is created if missing and given `USAGE`,
    ///     `SELECT` and default privileges on the schema (see ``ReaderRole``).
    /// - Returns: the plan that was run (or would be, for a dry run).
    /// - Throws: ``FelisError`` for a bad file, ``SchemaApplyError`` when a statement fails.
    @discardableResult
    public static func apply(
        felisFile: URL, on connection: Connection, dryRun: Bool = false, schemaName: String? = nil,
        reader: ReaderRole? = nil, planner: SchemaPlanner = SchemaPlanner()
    ) async throws -> SchemaPlan {
        var schema = try FelisSchema.load(contentsOf: felisFile)
        if let schemaName { schema.name = schemaName }
        return try await apply(schema, on: connection, dryRun: dryRun, reader: reader, planner: planner)
    }

    /// Plans `schema` against the live database and (unless `dryRun`) runs the plan in one transaction,
    /// then gives `reader` (when set) what it lacks on the schema, in the same transaction.
    @discardableResult
    public static func apply(
        _ schema: FelisSchema, on connection: Connection, dryRun: Bool = false, reader: ReaderRole? = nil,
        planner: SchemaPlanner = SchemaPlanner()
    ) async throws -> SchemaPlan {
        try FelisModelCheck.check(schema)
        return try await connection.withTransaction(readOnly: dryRun) { connection in
            // Transaction-scoped, so it is released by COMMIT or ROLLBACK whatever happens.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("consdb.schema." + schema.name)))")
            var plan = try await makePlan(schema, on: connection, planner: planner)
            guard !dryRun else {
                if let reader { plan.grants = try await plannedGrants(reader, schema: schema.name, plan: plan, on: connection) }
                return plan
            }
            for (index, statement) in plan.statements.enumerated() {
                do {
                    // One statement per call through the extended protocol, which refuses a string
                    // holding several: nothing in a Felis file can smuggle in a second statement.
                    try await connection.query(SQL(unsafeSQL: statement))
                } catch let error as PostgresError {
                    throw SchemaApplyError(schema: schema.name, statementIndex: index, statement: statement, underlying: error)
                }
            }
            if let reader { try await grantReader(reader, plan: &plan, on: connection) }
            return plan
        }
    }

    /// Gives the reader role what it lacks on the plan's schema. A role that cannot be created or
    /// granted here (the applying role has no `CREATEROLE`, or does not own every table) leaves a
    /// warning, not a failed apply: the schema itself is fine, and `consdb roles` run by an
    /// administrator completes the grants.
    static func grantReader(_ reader: ReaderRole, plan: inout SchemaPlan, on connection: Connection) async throws {
        guard plan.schema != ReaderRole.internalSchema else { return }
        try await connection.execute("SAVEPOINT consdb_reader_grants")
        do {
            plan.grants = try await reader.grant(on: [plan.schema], connection: connection)
            try await connection.execute("RELEASE SAVEPOINT consdb_reader_grants")
        } catch let error as ReaderRoleError {
            try await connection.execute("ROLLBACK TO SAVEPOINT consdb_reader_grants")
            plan.warnings.append(SchemaWarning(message: error.description))
        } catch let error as PostgresError where error.code == .server {
            try await connection.execute("ROLLBACK TO SAVEPOINT consdb_reader_grants")
            plan.warnings.append(SchemaWarning(message: "reader role '\(reader.name)' was not granted \(plan.schema): \(error.message)"))
        }
    }

    /// What a dry run would grant: the exact missing grants when the role and the schema exist and the
    /// plan creates nothing, else the full set (new tables need SELECT too).
    static func plannedGrants(_ reader: ReaderRole, schema: String, plan: SchemaPlan, on connection: Connection) async throws -> [String] {
        guard schema != ReaderRole.internalSchema else { return [] }
        let roleExists = try await reader.exists(reader.name, on: connection)
        if roleExists, plan.statements.isEmpty {
            return try await reader.missingGrants(on: schema, connection: connection)
        }
        let name = SQL.quoteIdentifier(schema)
        return (roleExists ? [] : ["CREATE ROLE \(reader.quoted) NOLOGIN"]) + [
            "GRANT USAGE ON SCHEMA \(name) TO \(reader.quoted)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(name) TO \(reader.quoted)",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA \(name) GRANT SELECT ON TABLES TO \(reader.quoted)",
        ]
    }

    /// Reads the live schema and plans against it, without changing anything.
    public static func makePlan(_ schema: FelisSchema, on connection: Connection, planner: SchemaPlanner = SchemaPlanner()) async throws -> SchemaPlan {
        let catalog = try await Catalog.load(schema: schema.name, on: connection)
        var tablesWithRows: Set<String> = []
        for table in planner.tablesNeedingRowCheck(schema, catalog: catalog) {
            let result = try await connection.query(SQL(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(SQLText.qualified(schema.name, table)))"))
            if result.rows.first?.first == "t" { tablesWithRows.insert(table) }
        }
        return try planner.plan(schema, catalog: catalog, tablesWithRows: tablesWithRows)
    }
}

/// A statement of a schema plan failed; the transaction was rolled back, so nothing changed.
public struct SchemaApplyError: Error, Sendable, CustomStringConvertible {
    public var schema: String
    /// Position of the failed statement in ``SchemaPlan/statements``.
    public var statementIndex: Int
    /// The statement text (generated DDL).
    public var statement: String
    /// The server's error for that statement.
    public var underlying: PostgresError

    public init(schema: String, statementIndex: Int, statement: String, underlying: PostgresError) {
        self.schema = schema
        self.statementIndex = statementIndex
        self.statement = statement
        self.underlying = underlying
    }

    public var description: String {
        // The statement is our own DDL (names and Felis literals, no credentials), so it is safe to show.
        let head = statement.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? statement
        return "applying schema \(schema) failed at statement \(statementIndex + 1) (\(head.prefix(200))): \(underlying.message); nothing was changed"
    }
}
