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
    ///
    /// The same transaction also creates the pgSphere extension when the server has it (a role that may
    /// not create it leaves ``SchemaPlan/pgSphereUnavailable`` set, not a failed apply) and, for a
    /// published schema (``ReaderRole/isPublishedData(_:)``), brings TAP_SCHEMA in line: the `tap_schema`
    /// tables if missing, the schema's rows and TAP_SCHEMA's own replaced where they differ.
    @discardableResult
    public static func apply(
        _ schema: FelisSchema, on connection: Connection, dryRun: Bool = false, reader: ReaderRole? = nil,
        planner: SchemaPlanner = SchemaPlanner()
    ) async throws -> SchemaPlan {
        try FelisModelCheck.check(schema)
        return try await connection.withTransaction(readOnly: dryRun) { connection in
            // Transaction-scoped, so it is released by COMMIT or ROLLBACK whatever happens.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("consdb.schema." + schema.name)))")
            // Then the lock of TAP_SCHEMA and the extension, shared by every apply: its key sorts after
            // every schema's, so applies (and `consdb roles`) always lock in one order and never deadlock.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(TAPSchemaStore.lockKey)))")
            var plan = try await makePlan(schema, on: connection, planner: planner)
            let tapRows = try await tapSchemaRows(schema, planner: planner, on: connection)
            plan.tapSchema = tapRows.isEmpty ? [] : try await TAPSchemaStore.plan(tapRows, on: connection)
            guard !dryRun else {
                switch try await PgSphere.state(on: connection) {
                case .present: break
                case .creatable: plan.extensions = [PgSphere.createStatement]
                case .unavailable: plan.pgSphereUnavailable = "the server has no \(PgSphere.extensionName) extension"
                }
                if let reader { plan.grants = try await plannedGrants(reader, schema: schema.name, plan: plan, on: connection) }
                return plan
            }
            let hadPgSphere = try await PgSphere.state(on: connection) == .present
            plan.pgSphereUnavailable = try await PgSphere.ensure(on: connection)
            if !hadPgSphere, plan.pgSphereUnavailable == nil { plan.extensions = [PgSphere.createStatement] }
            for (index, statement) in (plan.statements + plan.tapSchema).enumerated() {
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

    /// The TAP_SCHEMA rows an apply of `schema` writes: the schema's own and TAP_SCHEMA's description of
    /// itself; none for a schema that is not published (TAP reaches only published ones).
    static func tapSchemaRows(_ schema: FelisSchema, planner: SchemaPlanner, on connection: Connection) async throws -> [TAPSchemaRows] {
        guard ReaderRole.isPublishedData(schema.name) else { return [] }
        // Which tables become views depends on the live schema (a visit1 table made by Python felis stays one).
        let catalog = try await Catalog.load(schema: schema.name, on: connection)
        let views = planner.viewRules.applied(to: schema, catalog: catalog)
        return [TAPSchemaRows.selfDescription, TAPSchemaRows(schema, views: views)]
    }

    /// Gives the reader role what it lacks on the plan's schema. A role that cannot be created or
    /// granted here (the applying role has no `CREATEROLE`, or does not own every table) leaves a
    /// warning, not a failed apply: the schema itself is fine, and `consdb roles` run by an
    /// administrator completes the grants.
    static func grantReader(_ reader: ReaderRole, plan: inout SchemaPlan, on connection: Connection) async throws {
        guard plan.schema != ReaderRole.internalSchema else { return }
        try await connection.execute("SAVEPOINT consdb_reader_grants")
        do {
            // TAP_SCHEMA is read through the same role (TAP queries, and POST /consdb/query may read it too).
            let tapSchemaExists = try await tapSchemaExists(on: connection)
            let schemas = tapSchemaExists ? [plan.schema, TAPSchemaRows.postgresSchema] : [plan.schema]
            plan.grants = try await reader.grant(on: schemas, connection: connection)
            try await connection.execute("RELEASE SAVEPOINT consdb_reader_grants")
        } catch let error as ReaderRoleError {
            try await connection.execute("ROLLBACK TO SAVEPOINT consdb_reader_grants")
            plan.warnings.append(SchemaWarning(message: error.description))
        } catch let error as PostgresError where error.code == .server {
            try await connection.execute("ROLLBACK TO SAVEPOINT consdb_reader_grants")
            plan.warnings.append(SchemaWarning(message: "reader role '\(reader.name)' was not granted \(plan.schema): \(error.message)"))
        }
    }

    static func tapSchemaExists(on connection: Connection) async throws -> Bool {
        try await !TAPSchemaStore.existingTables(on: connection).isEmpty
    }

    /// What a dry run would grant: the exact missing grants when the role and the schema exist and the
    /// plan creates nothing, else the full set (new tables need SELECT too); and the same for
    /// `tap_schema` when the apply writes it.
    static func plannedGrants(_ reader: ReaderRole, schema: String, plan: SchemaPlan, on connection: Connection) async throws -> [String] {
        guard schema != ReaderRole.internalSchema else { return [] }
        var grants = try await plannedGrants(reader, schema: schema, creates: !plan.statements.isEmpty, on: connection)
        let tapSchemaExists = try await tapSchemaExists(on: connection)
        if !plan.tapSchema.isEmpty || tapSchemaExists {
            let creates = plan.tapSchema.contains { $0.hasPrefix("CREATE TABLE") }
            grants += try await plannedGrants(reader, schema: TAPSchemaRows.postgresSchema, creates: creates, on: connection)
                .filter { !grants.contains($0) }
        }
        return grants
    }

    private static func plannedGrants(_ reader: ReaderRole, schema: String, creates: Bool, on connection: Connection) async throws -> [String] {
        let roleExists = try await reader.exists(reader.name, on: connection)
        if roleExists, !creates {
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
