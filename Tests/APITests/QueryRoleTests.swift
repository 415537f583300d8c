@testable import API
import Felis
import FelisCatalog
import Postgres
import Testing
import TestSupport

/// `POST /consdb/query` runs as an unprivileged reader login role (what `consdb schema apply` and
/// `consdb roles` set up): every way out of the published tables that works for a superuser, even in a
/// read-only transaction, is refused; the published tables stay readable.
@Suite("The query endpoint's database role")
struct QueryRoleTests {
    /// Answers `sql` with PostgreSQL's insufficient_privilege (SQLSTATE 42501), and no row.
    func expectRefused(_ api: APIHarness, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
        #expect(reply.status == 400, "\(sql): \(reply)", sourceLocation: sourceLocation)
        #expect((try? reply.json())?["value"]?.stringValue == "42501", "\(sql): \(reply)", sourceLocation: sourceLocation)
    }

    @Test func escapesThatWorkForASuperuserAreRefused() async throws {
        try await withAPI(APISetup(schemas: ["cdb_lsstcomcamsim"])) { api in
            let admin = try await Connection.connect(api.databaseURL)
            let superuser = try #require(try await admin.query("SELECT current_user::text").rows.first?.first ?? nil)
            let adminPID = try #require(try await admin.query("SELECT pg_backend_pid()").rows.first?.first ?? nil)
            try await admin.execute("CREATE SCHEMA consdb_ingest; CREATE TABLE consdb_ingest.rejected (id integer); INSERT INTO consdb_ingest.rejected VALUES (1)")

            try await expectRefused(api, "SELECT pg_read_file('/etc/hostname')")
            try await expectRefused(api, "SELECT pg_ls_dir('.')")
            try await expectRefused(api, "SELECT * FROM pg_shadow")
            try await expectRefused(api, "SELECT rolname, rolpassword FROM pg_authid")
            try await expectRefused(api, "SELECT pg_reload_conf()")
            try await expectRefused(api, "SELECT lo_import('/etc/hostname')")
            try await expectRefused(api, "SELECT pg_terminate_backend(\(adminPID))")
            try await expectRefused(api, "SELECT set_config('role', '\(superuser)', true), query_to_xml('SELECT pg_read_file(''/etc/hostname'')', true, false, '')")
            try await expectRefused(api, "SELECT * FROM consdb_ingest.rejected")
            // The superuser's session survived the attempt to end it.
            #expect(try await admin.query("SELECT 1").rows.count == 1)

            // The same calls do work for the superuser, so the refusals above come from the role.
            #expect(try await admin.query("SELECT length(pg_read_file('PG_VERSION')) > 0").rows.first?.first == "t")

            // Published tables and views are readable, including a table created after the apply (default privileges).
            let exposures = try await api.query("SELECT count(*) FROM cdb_lsstcomcamsim.exposure")
            #expect(exposures.rows.first?.first?.numberText.flatMap { Int($0) } ?? 0 > 0)
            _ = try await api.query("SELECT count(*) FROM cdb_lsstcomcamsim.visit1")
            try await admin.execute("CREATE TABLE cdb_lsstcomcamsim.added_later (x integer); INSERT INTO cdb_lsstcomcamsim.added_later VALUES (7)")
            let later = try await api.query("SELECT x FROM cdb_lsstcomcamsim.added_later")
            #expect(later.rows.first?.first?.numberText == "7")
        }
    }

    @Test func theCheckTellsAReaderFromPrivilegedRoles() async throws {
        try await withAPI(APISetup(schemas: ["cdb_lsstcomcamsim"], fixtures: false)) { api in
            let reader = try await Connection.connect(api.queryDatabaseURL)
            let fit = try await QueryRoleCheck.inspect(on: reader)
            #expect(!fit.isPrivileged, "\(fit.problems)")

            let admin = try await Connection.connect(api.databaseURL)
            let superuser = try await QueryRoleCheck.inspect(on: admin)
            #expect(superuser.problems == ["is a superuser"])

            // Each power, directly or through an intermediate role, makes a role unfit.
            try await TestRoles.withReaderNames { middle, other in
                try await admin.execute("CREATE ROLE \(middle) NOLOGIN; CREATE ROLE \(other) LOGIN; GRANT \(middle) TO \(other)")
                try await admin.execute("GRANT pg_read_server_files TO \(middle)")
                #expect(try await QueryRoleCheck.inspect(on: admin, role: other).problems.contains("is a member of pg_read_server_files"))
                try await admin.execute("REVOKE pg_read_server_files FROM \(middle); GRANT pg_signal_backend TO \(other)")
                #expect(try await QueryRoleCheck.inspect(on: admin, role: other).problems == ["is a member of pg_signal_backend"])
                try await admin.execute("REVOKE pg_signal_backend FROM \(other); ALTER ROLE \(middle) CREATEROLE")
                #expect(try await QueryRoleCheck.inspect(on: admin, role: other).problems == ["is a member of '\(middle)', which is CREATEROLE"])
                try await admin.execute("ALTER ROLE \(middle) NOCREATEROLE; ALTER ROLE \(other) BYPASSRLS")
                #expect(try await QueryRoleCheck.inspect(on: admin, role: other).problems == ["is BYPASSRLS"])
                try await admin.execute("ALTER ROLE \(other) NOBYPASSRLS; CREATE SCHEMA consdb_ingest; GRANT USAGE ON SCHEMA consdb_ingest TO \(other)")
                #expect(try await QueryRoleCheck.inspect(on: admin, role: other).problems == ["can read the internal schema consdb_ingest"])
                try await admin.execute("DROP SCHEMA consdb_ingest")
                #expect(try await QueryRoleCheck.inspect(on: admin, role: other).problems.isEmpty)
            }
        }
    }

    @Test func serveClosesTheQueryEndpointForASuperuserRole() async throws {
        var setup = APISetup(schemas: ["cdb_lsstcomcamsim"], fixtures: false)
        setup.queryRole = .superuser
        setup.checksQueryRole = true
        setup.allowServerErrors = true
        try await withAPI(setup) { api in
            let reply = try await api.post("/consdb/query", json: .obj(["query": .string("SELECT 1")]))
            #expect(reply.status == 503, "\(reply)")
            #expect(reply.message?.contains("CONSDB_QUERY_DATABASE_URL") == true, "\(reply)")
            #expect(reply.message?.contains("superuser") == true, "\(reply)")
            // Everything else still works.
            #expect(try await api.get("/consdb/").status == 200)
            #expect(try await api.get("/consdb/schema/lsstcomcamsim").status == 200)
        }
    }

    @Test func serveOpensTheQueryEndpointForTheReaderOrByOptOut() async throws {
        var setup = APISetup(schemas: ["cdb_lsstcomcamsim"], fixtures: false)
        setup.checksQueryRole = true
        try await withAPI(setup) { api in
            let rows = try await api.query("SELECT 1 AS one").rows
            #expect(rows.count == 1)
        }
        setup.queryRole = .superuser
        setup.allowPrivilegedQueryRole = true
        try await withAPI(setup) { api in
            let rows = try await api.query("SELECT 1 AS one").rows
            #expect(rows.count == 1)
        }
    }

    @Test func grantsAreIdempotentAndLoginsKeepNoPowers() async throws {
        try await withAPI(APISetup(schemas: ["cdb_lsstcomcamsim"], fixtures: false)) { api in
            let admin = try await Connection.connect(api.databaseURL)
            let reader = try ReaderRole(api.readerRole)
            let plan = try await SchemaApplier.apply(felisFile: TestFiles.reference("felis/cdb_lsstcomcamsim.yaml"), on: admin, reader: reader)
            #expect(plan.isEmpty, "\(plan.script)")
            let login = api.readerLogin
            // A login given powers by hand loses them when ensured again.
            try await admin.execute("ALTER ROLE \(login) CREATEDB CREATEROLE")
            let statements = try await admin.withTransaction { try await reader.ensureLogin(login, password: "s3cret'quote", connection: $0) }
            #expect(statements.count == 1 && statements[0].contains("NOCREATEROLE") && statements[0].contains("PASSWORD ***"), "\(statements)")
            let attributes = try await admin.query("SELECT rolcreatedb, rolcreaterole, rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = \(login)").rows.first
            #expect(attributes == ["f", "f", "t", "t"])
            #expect(try await admin.withTransaction { try await reader.ensureLogin(login, password: nil, connection: $0) }.count == 1)
        }
    }
}
