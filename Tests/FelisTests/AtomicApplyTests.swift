import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing
import TestSupport

@Suite("A failed apply changes nothing")
struct AtomicApplyTests {
    @Test("a conflicting object half-way through a fresh apply leaves only what was there")
    func conflictOnFreshSchema() async throws {
        try await withDatabase { connection in
            // The planner does not see sequences, so it plans the unique constraint (and its index)
            // that clashes with this name; exposure's CREATE TABLE comes before and must be undone.
            try await connection.execute("""
                CREATE SCHEMA cdb_demo;
                CREATE SEQUENCE cdb_demo.un_ccdexposure_ccdexposure_id;
                """)
            let failure = await asyncError(SchemaApplyError.self) {
                _ = try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            }
            let error = try #require(failure)
            #expect(error.statementIndex > 0)
            #expect(error.statement.hasPrefix(#"CREATE TABLE "cdb_demo"."ccdexposure""#))
            #expect(error.description.contains("nothing was changed"))
            #expect(try await connection.relations(in: "cdb_demo") == ["un_ccdexposure_ccdexposure_id"])
            #expect(connection.isReusable)
        }
    }

    @Test("a bad statement at the end of an upgrade rolls back the whole upgrade")
    func failingUpgrade() async throws {
        let felis = try FelisSchema.load(contentsOf: Files.demo)
        var newer = felis
        newer.tables.append(FelisTable(name: "zz_new", columns: [FelisColumn(name: "a", datatype: .int)]))
        newer.tables[0].columns.append(FelisColumn(name: "new_column", datatype: .double, description: "Added later."))
        // Loads fine, but PostgreSQL rejects the literal when the column is added.
        newer.tables[0].columns.append(FelisColumn(name: "at", datatype: .timestamp, defaultValue: .text("not a time")))
        try await withDatabase { connection in
            try await SchemaApplier.apply(felis, on: connection)
            try await connection.execute("""
                INSERT INTO cdb_demo.exposure (exposure_id, exposure_name, controller, day_obs, seq_num) VALUES (1, 'x', 'O', 20240601, 1)
                """)
            let before = SchemaApplyTests.fingerprint(try await Catalog.load(schema: "cdb_demo", on: connection))

            let dryRun = try await SchemaApplier.apply(newer, on: connection, dryRun: true)
            #expect(dryRun.statements.count == 4)  // the table, two columns, a comment
            let failure = await asyncError(SchemaApplyError.self) {
                _ = try await SchemaApplier.apply(newer, on: connection)
            }
            #expect(failure?.statement.hasPrefix(#"ALTER TABLE "cdb_demo"."exposure" ADD COLUMN "at""#) == true)
            #expect(failure?.statementIndex == 2)

            #expect(SchemaApplyTests.fingerprint(try await Catalog.load(schema: "cdb_demo", on: connection)) == before)
            #expect(try await connection.scalar("SELECT count(*) FROM cdb_demo.exposure") == "1")
            // And the connection is usable for the next attempt.
            newer.tables[0].columns.removeLast()
            let plan = try await SchemaApplier.apply(newer, on: connection)
            #expect(plan.statements.count == 3)
            #expect(try await Catalog.load(schema: "cdb_demo", on: connection)?.tables["exposure"]?.column("new_column") != nil)
        }
    }

    @Test("concurrent applies of the same schema are serialised and both succeed")
    func concurrentApplies() async throws {
        try await TestSupportDatabase.withURL { url in
            async let first = SchemaApplier.apply(felisFile: Files.demo, on: try await Connection.connect(url))
            async let second = SchemaApplier.apply(felisFile: Files.demo, on: try await Connection.connect(url))
            let plans = try await [first, second]
            // One created everything; the other, waiting on the lock, then found nothing to do.
            #expect(plans.filter(\.isEmpty).count == 1)
        }
    }
}

/// Gives a test the URL of a fresh database (for tests that need several connections).
enum TestSupportDatabase {
    static func withURL(_ body: (String) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { url in try await body(url) }
    }
}
