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
    /// - Returns: the plan that was run (or would be, for a dry run).
    /// - Throws: ``FelisError`` for a bad file, ``SchemaApplyError`` when a statement fails.
    @discardableResult
    public static func apply(
        felisFile: URL, on connection: Connection, dryRun: Bool = false, schemaName: String? = nil,
        planner: SchemaPlanner = SchemaPlanner()
    ) async throws -> SchemaPlan {
        var schema = try FelisSchema.load(contentsOf: felisFile)
        if let schemaName { schema.name = schemaName }
        return try await apply(schema, on: connection, dryRun: dryRun, planner: planner)
    }

    /// Plans `schema` against the live database and (unless `dryRun`) runs the plan in one transaction.
    @discardableResult
    public static func apply(
        _ schema: FelisSchema, on connection: Connection, dryRun: Bool = false, planner: SchemaPlanner = SchemaPlanner()
    ) async throws -> SchemaPlan {
        try FelisModelCheck.check(schema)
        return try await connection.withTransaction(readOnly: dryRun) { connection in
            // Transaction-scoped, so it is released by COMMIT or ROLLBACK whatever happens.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("consdb.schema." + schema.name)))")
            let plan = try await makePlan(schema, on: connection, planner: planner)
            guard !dryRun else { return plan }
            for (index, statement) in plan.statements.enumerated() {
                do {
                    // One statement per call through the extended protocol, which refuses a string
                    // holding several: nothing in a Felis file can smuggle in a second statement.
                    try await connection.query(SQL(unsafeSQL: statement))
                } catch let error as PostgresError {
                    throw SchemaApplyError(schema: schema.name, statementIndex: index, statement: statement, underlying: error)
                }
            }
            return plan
        }
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
