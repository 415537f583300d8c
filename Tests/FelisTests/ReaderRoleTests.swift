import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing
import TestSupport

/// `consdb schema apply` keeps the reader role of `POST /consdb/query` able to read what it applies.
@Suite("Reader role grants")
struct ReaderRoleTests {
    @Test func applyCreatesTheRoleAndGrantsOnlyWhatIsMissing() async throws {
        try await TestRoles.withReaderNames { group, _ in
            try await withDatabase { connection in
                let reader = try ReaderRole(group)
                let first = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, reader: reader)
                #expect(first.grants.first == "CREATE ROLE \"\(group)\" NOLOGIN", "\(first.grants)")
                #expect(first.grants.contains { $0.hasPrefix("ALTER DEFAULT PRIVILEGES IN SCHEMA \"cdb_demo\"") })
                #expect(try await connection.scalar("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = \(group)") == "false")
                // Every table and view of the schema is readable by the role, and nothing is granted twice.
                let unreadable = try await connection.scalar("""
                    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'cdb_demo' AND c.relkind IN ('r', 'v') AND NOT has_table_privilege(\(group)::name, c.oid, 'SELECT')
                    """)
                #expect(unreadable == "0")
                #expect(try await connection.scalar("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'cdb_demo' AND c.relkind = 'v'") != "0")
                let again = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, reader: reader)
                #expect(again.isEmpty, "\(again.script)")
                // A dry run of an applied schema plans nothing either.
                #expect(try await SchemaApplier.apply(felisFile: Files.demo, on: connection, dryRun: true, reader: reader).isEmpty)
                // The internal schema is never granted.
                try await connection.execute("CREATE SCHEMA consdb_ingest; CREATE TABLE consdb_ingest.t (x integer)")
                let internalGrants = try await connection.withTransaction { try await reader.grant(on: ["consdb_ingest"], connection: $0) }
                #expect(internalGrants.isEmpty)
                #expect(try await connection.scalar("SELECT has_schema_privilege(\(group)::name, 'consdb_ingest', 'USAGE')::text") == "false")
            }
        }
    }

    @Test func concurrentAppliesShareOneNewRole() async throws {
        try await TestRoles.withReaderNames { group, _ in
            try await TestDatabase.withFreshDatabase { first in
                try await TestDatabase.withFreshDatabase { second in
                    let reader = try ReaderRole(group)
                    // Two databases (a per-database lock cannot order these) and several schemas each, at once.
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for url in [first, second] {
                            for index in 0..<3 {
                                group.addTask {
                                    let connection = try await Connection.connect(url)
                                    try await SchemaApplier.apply(felisFile: Files.demo, on: connection, schemaName: "cdb_demo\(index)", reader: reader)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    for url in [first, second] {
                        let connection = try await Connection.connect(url)
                        for index in 0..<3 {
                            #expect(try await connection.scalar("SELECT has_schema_privilege(\(group)::name, \("cdb_demo\(index)"), 'USAGE')::text") == "true")
                        }
                    }
                }
            }
        }
    }

    @Test func badRoleNamesAreRefused() {
        for name in ["", "Reader", "1reader", "pg_reader", "public", "reader;drop", "a\"b", String(repeating: "r", count: 64)] {
            #expect(throws: ReaderRoleError.self, "\(name)") { try ReaderRole(name) }
        }
        #expect((try? ReaderRole("consdb_reader")) != nil)
    }
}
