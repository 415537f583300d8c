import Postgres

/// Runs an instrument's rules for one observing day, in one read-only transaction.
public enum ConsistencyChecker {
    /// Statement timeout of a check (each statement), in milliseconds, unless the caller gives one.
    public static let defaultTimeoutMilliseconds = 300_000

    /// Checks `day` against `set`.
    ///
    /// A rule whose table is missing or unreadable is reported as not checked (and so is one the
    /// database refuses for another reason, such as a column a site's schema lacks), never as a crash.
    /// - Parameter ingestUnavailable: when set, the rules that read `consdb_ingest` are not run and carry
    ///   this reason (the API's reader pool cannot read that schema).
    /// - Throws: ``PostgresError`` when the database cannot be reached or the transaction fails.
    public static func run(
        _ set: RuleSet, day: DayObs, on connection: Connection, ingestUnavailable: String? = nil,
        statementTimeoutMilliseconds: Int = defaultTimeoutMilliseconds
    ) async throws -> ConsistencyReport {
        let outcomes = try await connection.withTransaction(readOnly: true, statementTimeoutMilliseconds: statementTimeoutMilliseconds) { connection in
            var outcomes: [RuleOutcome] = []
            var access: [TableName: String?] = [:]
            for rule in set.rules {
                if rule.needsIngestSchema, let ingestUnavailable {
                    outcomes.append(RuleOutcome(rule: rule, violations: [], notChecked: ingestUnavailable))
                    continue
                }
                var problem: String?
                for table in [set.exposureTable] + rule.tables where problem == nil {
                    if access[table] == nil { access[table] = try await accessProblem(table, on: connection) }
                    problem = access[table]!
                }
                if let problem {
                    outcomes.append(RuleOutcome(rule: rule, violations: [], notChecked: problem))
                    continue
                }
                outcomes.append(try await run(rule, in: set, day: day, on: connection))
            }
            return outcomes
        }
        return ConsistencyReport(instrument: set.instrument, dayObs: day, outcomes: outcomes)
    }

    /// One rule under a savepoint, so that a statement the database refuses spoils only this rule.
    static func run(_ rule: ConsistencyRule, in set: RuleSet, day: DayObs, on connection: Connection) async throws -> RuleOutcome {
        _ = try await connection.execute("SAVEPOINT consdb_consistency_rule")
        do {
            var violations: [Violation] = []
            for statement in RuleQuery.statements(for: rule, in: set, day: day) {
                for row in try await connection.query(statement).rows {
                    violations.append(Violation(
                        rule: rule.name, dayObs: row[0].flatMap { Int($0) } ?? day.value,
                        seqNum: row[1].flatMap { Int($0) }, detail: row[2] ?? ""
                    ))
                }
            }
            _ = try await connection.execute("RELEASE SAVEPOINT consdb_consistency_rule")
            return RuleOutcome(rule: rule, violations: violations)
        } catch let error as PostgresError where error.category != .unavailable {
            _ = try await connection.execute("ROLLBACK TO SAVEPOINT consdb_consistency_rule")
            let reason = error.category == .canceled ? "exceeded the statement timeout" : "the database refused it: \(error.message)"
            return RuleOutcome(rule: rule, violations: [], notChecked: reason)
        }
    }

    /// Why `table` cannot be read, or nil. Read from the catalogs, which every role may read, so a
    /// schema without USAGE is reported rather than raised.
    static func accessProblem(_ table: TableName, on connection: Connection) async throws -> String? {
        let row = try await connection.query("""
            SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
            FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = \(table.schema) AND c.relname = \(table.table) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
            """).rows.first
        guard let row else { return "table \(table) does not exist" }
        return row.first == "t" ? nil : "the database role cannot read \(table)"
    }
}
