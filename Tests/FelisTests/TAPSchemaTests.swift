import ADQL
import EFD
import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing
import TestSupport

/// TAP_SCHEMA as `consdb schema apply` fills it from Felis files, and as `TAPSchemaCatalog` reads it back.
@Suite("TAP_SCHEMA from Felis")
struct TAPSchemaTests {
    static let files = Files.cdb.map(Files.reference) + [Files.demo]

    // MARK: The mapping (no database)

    @Test("columns map to VOTable datatype, arraysize and xtype as felis maps them")
    func columnTypes() throws {
        let felis = try FelisSchema.load(contentsOf: Files.reference("cdb_lsstcam.yaml"))
        let rows = TAPSchemaRows(felis, views: ViewRules.production.applied(to: felis, catalog: nil))
        func column(_ table: String, _ name: String) throws -> TAPSchemaRows.Column {
            try #require(rows.columns.first { $0.tableName == "cdb_lsstcam.\(table)" && $0.columnName == name }, "\(table).\(name)")
        }
        let start = try column("exposure", "obs_start")
        #expect((start.datatype, start.arraysize, start.xtype, start.size) == ("char", "*", "timestamp", nil))
        let name = try column("exposure", "exposure_name")
        #expect((name.datatype, name.arraysize, name.xtype, name.size) == ("char", "20*", nil, 20))
        let controller = try column("exposure", "controller")  // string of length 1: a scalar char
        #expect(controller.datatype == "char" && controller.arraysize == nil && controller.size == nil)
        let id = try column("exposure", "exposure_id")
        #expect((id.datatype, id.arraysize, id.indexed) == ("long", nil, true))
        let value = try column("exposure_flexdata", "\"value\"")  // text; an ADQL reserved word, listed delimited
        #expect(try column("exposure_flexdata", "\"key\"").datatype == "char")
        #expect((value.datatype, value.arraysize) == ("char", "*"))
        let ra = try column("exposure", "s_ra")
        #expect(ra.std && ra.utype == "Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C1" && ra.ucd == "pos.eq.ra" && ra.unit == "deg")
        #expect(ra.datatype == "double" && !ra.principal)

        // Every Felis table and column, with its description, unit and UCD; column_index is file order.
        #expect(rows.tables.count == felis.tables.count)
        for table in felis.tables {
            let tableRow = try #require(rows.tables.first { $0.tableName == "cdb_lsstcam.\(table.name)" })
            #expect(tableRow.description == table.description && tableRow.schemaName == "cdb_lsstcam")
            #expect(tableRow.tableType == (["visit1", "ccdvisit1"].contains(table.name) ? .view : .table), "\(table.name)")
            for (position, felisColumn) in table.columns.enumerated() {
                let row = try column(table.name, ADQLReservedWords.written(felisColumn.name))
                #expect(row.description == felisColumn.description && row.unit == felisColumn.unit && row.ucd == felisColumn.ucd)
                #expect(row.columnIndex == position + 1)
            }
        }
        #expect(rows.columns.count == felis.tables.reduce(0) { $0 + $1.columns.count })

        // Foreign keys, composite ones in column order, with ids unique over all schemas.
        let key = try #require(rows.keys.first { $0.keyID == "cdb_lsstcam.ccdexposure.fk_ccdexposure_exposure_id_ds" })
        #expect(key.fromTable == "cdb_lsstcam.ccdexposure" && key.targetTable == "cdb_lsstcam.exposure")
        #expect(rows.keyColumns.filter { $0.keyID == key.keyID }.map(\.fromColumn) == ["exposure_id", "day_obs", "seq_num"])
        #expect(rows.keyColumns.filter { $0.keyID == key.keyID }.map(\.targetColumn) == ["exposure_id", "day_obs", "seq_num"])
        // A key between views is described as the file declares it.
        #expect(rows.keys.contains { $0.fromTable == "cdb_lsstcam.ccdvisit1" && $0.targetTable == "cdb_lsstcam.visit1" })
        // A view column is indexed when the base column it reads is.
        #expect(try column("visit1", "visit_id").indexed)
    }

    @Test("votable: and tap: keys of the file win over the defaults, and bad ones are refused")
    func annotations() throws {
        let felis = try FelisSchema.parse(yaml: """
            name: cdb_t
            votable:utype: ivo://x
            tables:
            - name: t
              tap:table_index: 7
              columns:
              - {name: a, datatype: string, length: 10, votable:arraysize: "*", tap:principal: 1, tap:column_index: 9, votable:xtype: custom}
              - {name: b, datatype: double, tap:principal: true, tap:std: 0, fits:tunit: s}
              - {name: c, datatype: binary}
              - {name: d, datatype: char, length: 3}
              - {name: e, datatype: unicode, length: 4}
            """)
        let rows = TAPSchemaRows(felis)
        #expect(rows.schema.utype == "ivo://x" && rows.tables.first?.tableIndex == 7)
        let a = try #require(rows.columns.first { $0.columnName == "a" })
        #expect((a.arraysize, a.xtype, a.principal, a.columnIndex, a.size) == ("*", "custom", true, 9, nil))
        let b = try #require(rows.columns.first { $0.columnName == "b" })
        #expect(b.principal && !b.std && b.unit == "s")
        let c = try #require(rows.columns.first { $0.columnName == "c" })
        #expect((c.datatype, c.arraysize) == ("unsignedByte", "*"))
        let d = try #require(rows.columns.first { $0.columnName == "d" })
        #expect((d.datatype, d.arraysize, d.size) == ("char", "3", 3))
        let e = try #require(rows.columns.first { $0.columnName == "e" })
        #expect((e.datatype, e.arraysize) == ("unicodeChar", "4*"))

        for (key, value) in [("votable:arraysize", "\"12x\""), ("votable:arraysize", "\"*x3\""), ("votable:arraysize", "\"-1\""),
                             ("votable:arraysize", "\"0\""), ("tap:principal", "2"), ("tap:std", "yes please"), ("tap:column_index", "x")] {
            let yaml = "name: cdb_t\ntables:\n- name: t\n  columns:\n  - {name: a, datatype: int, \(key): \(value)}\n"
            let failure = error(FelisError.self) { _ = try FelisSchema.parse(yaml: yaml, source: "bad.yaml") }
            #expect(failure?.kind == .invalidValue, "\(key): \(value) -> \(String(describing: failure))")
            #expect(failure?.description.contains(key) == true)
        }
        #expect(FelisTAPColumn.problem(withArraysize: "2x3*") == nil && FelisTAPColumn.problem(withArraysize: "10") == nil)
    }

    @Test("the self-description matches the tables as created")
    func selfDescription() {
        let rows = TAPSchemaRows.selfDescription
        #expect(rows.tables.map(\.tableName) == ["TAP_SCHEMA.schemas", "TAP_SCHEMA.tables", "TAP_SCHEMA.columns", "TAP_SCHEMA.keys", "TAP_SCHEMA.key_columns"])
        let columns = Set(rows.columns.filter { $0.tableName == "TAP_SCHEMA.columns" }.map(\.columnName))
        #expect(columns == ["table_name", "column_name", "datatype", "arraysize", "xtype", "\"size\"", "description", "utype", "unit", "ucd",
                            "indexed", "principal", "std", "column_index"])
        #expect(rows.keys.count == 5 && rows.keyColumns.count == 5)
        #expect(rows.columns.allSatisfy { $0.std && $0.principal && ["char", "int"].contains($0.datatype) })
    }

    // MARK: Applied to PostgreSQL

    @Test("apply writes every table, column and key; reading back returns what was written; re-apply writes nothing", arguments: files)
    func applyAndRead(file: URL) async throws {
        let felis = try FelisSchema.load(contentsOf: file)
        try await withDatabase { connection in
            let plan = try await SchemaApplier.apply(felisFile: file, on: connection)
            #expect(plan.tapSchema.contains { $0.hasPrefix("CREATE TABLE IF NOT EXISTS \"tap_schema\".\"columns\"") })
            let expected = TAPSchemaRows(felis, views: ViewRules.production.applied(to: felis, catalog: nil))
            let snapshot = try await TAPSchemaCatalog.load(on: connection)
            #expect(snapshot == TAPSchemaSnapshot(rows: [expected, .selfDescription]))
            #expect(snapshot.schemas.map(\.name) == [felis.name, "TAP_SCHEMA"])

            let schema = try #require(snapshot.schema(felis.name))
            #expect(schema.tables.count == felis.tables.count)
            #expect(Set(schema.tables.filter { $0.type == .view }.map(\.unqualifiedName)) == ["visit1", "ccdvisit1"])
            let exposure = try #require(snapshot.table("\(felis.name).exposure"))
            #expect(exposure.columns.map(\.name) == felis.table("exposure")?.columns.map(\.name), "listing order is the file's")
            // The qualified names in TAP_SCHEMA are queryable as they stand, as are TAP_SCHEMA's own.
            for table in snapshot.allTables {
                _ = try await connection.query(SQL(unsafeSQL: "SELECT * FROM \(table.name) LIMIT 0"))
            }
            // The counts in the database, row by row.
            #expect(try await connection.scalar("SELECT count(*) FROM tap_schema.columns WHERE table_name LIKE \(felis.name + ".%")") == String(expected.columns.count))
            #expect(try await connection.scalar("SELECT count(*) FROM tap_schema.key_columns WHERE key_id LIKE \(felis.name + ".%")") == String(expected.keyColumns.count))

            let again = try await SchemaApplier.apply(felisFile: file, on: connection)
            #expect(again.isEmpty, "re-apply planned:\n\(again.script)")
            #expect(try await TAPSchemaCatalog.load(on: connection) == snapshot)
        }
    }

    @Test("an efd schema generated from a transformed-EFD config is described too", .enabled(if: ReferenceData.hasConsDBFiles, Comment(rawValue: ReferenceData.skipReason)))
    func efdSchema() async throws {
        let config = try EFDConfig.load(contentsOf: TestFiles.reference("efd-config/config_latiss.yaml"))
        let felis = EFDSchema.felis(for: config, instrument: "latiss")
        try await withDatabase { connection in
            try await SchemaApplier.apply(felis, on: connection)
            let snapshot = try await TAPSchemaCatalog.load(on: connection)
            let schema = try #require(snapshot.schema("efd_latiss"))
            #expect(schema.tables.map(\.unqualifiedName).sorted() == felis.tables.map(\.name).sorted())
            for table in felis.tables {
                let row = try #require(schema.table(table.name))
                #expect(row.type == .table && row.columns.count == table.columns.count)
                for column in table.columns {
                    let described = try #require(row.column(column.name))
                    #expect(described.description == column.description && described.unit == column.unit && described.ucd == column.ucd)
                    #expect(described.datatype == column.datatype.votableDatatype)
                }
            }
            #expect(try #require(schema.table("exposure_efd")?.column("created_at")).xtype == "timestamp")
        }
    }

    @Test("a column dropped from the file disappears; a renamed schema is described under its new name")
    func changesReplaceRows() async throws {
        var felis = try FelisSchema.load(contentsOf: Files.demo)
        try await withDatabase { connection in
            try await SchemaApplier.apply(felis, on: connection)
            let index = try #require(felis.tables.firstIndex { $0.name == "exposure" })
            let dropped = try #require(felis.tables[index].columns.last?.name)
            felis.tables[index].columns.removeLast()
            felis.tables[index].columns[0].description = "It's a \"changed\" description; DROP TABLE x; -- \\ and a\nnewline."
            let plan = try await SchemaApplier.apply(felis, on: connection)
            #expect(!plan.statements.contains { $0.contains("DROP COLUMN") }, "the planner never drops columns: \(plan.statements)")
            #expect(plan.tapSchema.contains { $0.hasPrefix("DELETE FROM \"tap_schema\".\"columns\"") })
            let exposure = try #require(try await TAPSchemaCatalog.load(on: connection).table("cdb_demo.exposure"))
            #expect(exposure.column(dropped) == nil)
            #expect(exposure.columns.first?.description == felis.tables[index].columns[0].description)

            try await SchemaApplier.apply(felisFile: Files.demo, on: connection, schemaName: "cdb_other")
            let snapshot = try await TAPSchemaCatalog.load(on: connection)
            #expect(snapshot.schemas.map(\.name) == ["cdb_demo", "cdb_other", "TAP_SCHEMA"])
            #expect(snapshot.table("cdb_other.exposure")?.column(dropped) != nil)
            #expect(snapshot.keys(from: "cdb_other.ccdexposure").allSatisfy { $0.targetTable.hasPrefix("cdb_other.") })
            // A schema that is not published is not described.
            var unpublished = felis
            unpublished.name = "scratch"
            try await SchemaApplier.apply(unpublished, on: connection)
            #expect(try await TAPSchemaCatalog.load(on: connection).schema("scratch") == nil)
        }
    }

    @Test("a dry run shows the TAP_SCHEMA statements and changes nothing")
    func dryRun() async throws {
        try await withDatabase { connection in
            let plan = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, dryRun: true)
            #expect(plan.script.contains("CREATE SCHEMA IF NOT EXISTS \"tap_schema\""))
            #expect(plan.script.contains("INSERT INTO \"tap_schema\".\"columns\""))
            #expect(plan.script.contains("'cdb_demo.exposure'"))
            #expect(try await connection.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'tap_schema'") == "0")
            #expect(try await TAPSchemaCatalog.load(on: connection).schemas.isEmpty)

            try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            let before = try await TAPSchemaCatalog.load(on: connection)
            try await connection.execute("UPDATE tap_schema.columns SET description = 'stale' WHERE table_name = 'cdb_demo.exposure'")
            let repair = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, dryRun: true)
            #expect(repair.statements.isEmpty && repair.tapSchema.contains { $0.hasPrefix("DELETE FROM") })
            #expect(try await connection.scalar("SELECT count(*) FROM tap_schema.columns WHERE description = 'stale'") != "0")
            try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            #expect(try await TAPSchemaCatalog.load(on: connection) == before)
        }
    }

    @Test("the reader role can read TAP_SCHEMA and cannot write it")
    func readerRole() async throws {
        try await TestRoles.withReaderNames { group, login in
            try await TestDatabase.withFreshDatabase { url in
                let connection = try await Connection.connect(url)
                let reader = try ReaderRole(group)
                let plan = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, reader: reader)
                #expect(plan.grants.contains { $0.contains("\"tap_schema\"") }, "\(plan.grants)")
                try await connection.withTransaction { _ = try await reader.ensureLogin(login, password: nil, connection: $0) }
                let asReader = try await Connection.connect(TestRoles.url(url, user: login))
                #expect(try await asReader.query("SELECT count(*) FROM TAP_SCHEMA.tables").rows.first?.first != "0")
                #expect(try await TAPSchemaCatalog.load(on: asReader).schema("cdb_demo") != nil)
                for statement in ["DELETE FROM tap_schema.columns", "INSERT INTO tap_schema.schemas (schema_name) VALUES ('x')",
                                  "UPDATE tap_schema.tables SET description = 'x'", "CREATE TABLE tap_schema.extra (x int)"] {
                    do {
                        _ = try await asReader.execute(statement)
                        Issue.record("the reader role ran \(statement)")
                    } catch let error as PostgresError {
                        #expect(error.category == .insufficientPrivilege, "\(statement): \(error)")
                    }
                }
                #expect(ReaderRole.isPublished("tap_schema"))
                #expect(try await ReaderRole.publishedSchemas(on: connection).last == "tap_schema")
                try await connection.execute("DROP OWNED BY \(group)")
            }
        }
    }

    @Test("applies of different schemas at once all land in TAP_SCHEMA")
    func concurrentApplies() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let names = (0..<4).map { "cdb_c\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in names {
                    group.addTask {
                        let connection = try await Connection.connect(url)
                        try await SchemaApplier.apply(felisFile: Files.demo, on: connection, schemaName: name)
                    }
                }
                try await group.waitForAll()
            }
            let connection = try await Connection.connect(url)
            let snapshot = try await TAPSchemaCatalog.load(on: connection)
            #expect(snapshot.schemas.map(\.name) == names + ["TAP_SCHEMA"])
            let counts = Set(names.map { name in snapshot.schema(name)?.tables.reduce(0) { $0 + $1.columns.count } ?? 0 })
            #expect(counts.count == 1 && counts.first != 0)
        }
    }

    @Test("names are found as ADQL finds regular identifiers, whatever their case")
    func lookups() async throws {
        try await withDatabase { connection in
            try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            let snapshot = try await TAPSchemaCatalog.load(on: connection)
            #expect(snapshot.table("TAP_SCHEMA.tables")?.name == "TAP_SCHEMA.tables")
            #expect(snapshot.table("tap_schema.TABLES")?.name == "TAP_SCHEMA.tables")
            #expect(snapshot.schema("tap_schema")?.name == "TAP_SCHEMA")
            #expect(snapshot.table("CDB_DEMO.Exposure")?.column("DAY_OBS") != nil)
            #expect(snapshot.table("TAP_SCHEMA.columns")?.column("size")?.name == "\"size\"")
            #expect(snapshot.table("cdb_demo.nothing") == nil)
            // PostgreSQL folds the same way: the TAP name of TAP_SCHEMA queries the lower-case schema.
            _ = try await connection.query("SELECT \"size\", arraysize, xtype, column_index FROM TAP_SCHEMA.columns LIMIT 1")
        }
    }

    // MARK: pgSphere

    @Test("pgSphere is created by a superuser's apply")
    func pgSphere() async throws {
        try await withDatabase { connection in
            let plan = try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            #expect(plan.pgSphereUnavailable == nil && plan.extensions == ["CREATE EXTENSION IF NOT EXISTS \"pg_sphere\""])
            #expect(try await connection.scalar("SELECT extversion FROM pg_extension WHERE extname = 'pg_sphere'") != nil)
            #expect(try await connection.scalar("SELECT spoint '(10d, 20d)' <@ scircle '<(10d, 20d), 1d>'") == "t")
            #expect(try await SchemaApplier.apply(felisFile: Files.demo, on: connection).extensions.isEmpty)
        }
    }

    @Test("a role that may not create pgSphere still applies, with a warning")
    func pgSphereNotAllowed() async throws {
        try await TestRoles.withReaderNames { applier, _ in
            try await TestDatabase.withFreshDatabase { url in
                let admin = try await Connection.connect(url)
                let database = try #require(try await admin.scalar("SELECT current_database()"))
                try await admin.execute("CREATE ROLE \(applier) LOGIN NOSUPERUSER")
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) OWNER TO \(applier)")
                let connection = try await Connection.connect(TestRoles.url(url, user: applier))
                let dry = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, dryRun: true)
                #expect(dry.extensions == ["CREATE EXTENSION IF NOT EXISTS \"pg_sphere\""])
                let plan = try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
                let reason = try #require(plan.pgSphereUnavailable)
                #expect(reason.contains("pg_sphere") && reason.contains("superuser"), "\(reason)")
                #expect(plan.extensions.isEmpty)
                #expect(try await connection.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'pg_sphere'") == "0")
                #expect(try await TAPSchemaCatalog.load(on: connection).schema("cdb_demo") != nil)
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) OWNER TO CURRENT_USER")
                try await admin.execute("DROP OWNED BY \(applier)")
            }
        }
    }

    @Test("`consdb schema apply` as a role that may not create pgSphere logs the warning and succeeds")
    func commandWarns() async throws {
        let binary = ProcessInfo.processInfo.environment["CONSDB_BINARY"] ?? TestFiles.package(".build/debug/consdb").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build consdb first (scripts/test does): \(binary)")
        try await TestRoles.withReaderNames { applier, _ in
            try await TestDatabase.withFreshDatabase { url in
                let admin = try await Connection.connect(url)
                let database = try #require(try await admin.scalar("SELECT current_database()"))
                try await admin.execute("CREATE ROLE \(applier) LOGIN NOSUPERUSER")
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) OWNER TO \(applier)")
                let environment = ["CONSDB_DATABASE_URL": TestRoles.url(url, user: applier), "CONSDB_READER_ROLE": "none"]
                let dry = try await ChildProcess.run(binary, ["schema", "apply", "--felis", Files.demo.path, "--dry-run"], environment: environment)
                #expect(dry.status == 0, "\(dry)")
                #expect(dry.text.contains("CREATE EXTENSION IF NOT EXISTS \"pg_sphere\";") && dry.text.contains("INSERT INTO \"tap_schema\".\"tables\""))
                let result = try await ChildProcess.run(binary, ["schema", "apply", "--felis", Files.demo.path], environment: environment)
                #expect(result.status == 0, "\(result)")
                let log = result.text + result.errorText
                #expect(log.contains("event=schema.pgsphere_unavailable"), "\(log.suffix(2000))")
                #expect(log.contains("event=schema.applied"))
                #expect(try await admin.scalar("SELECT count(*) FROM tap_schema.tables WHERE schema_name = 'cdb_demo'") != "0")
                try await admin.execute("ALTER DATABASE \(SQL.quoteIdentifier(database)) OWNER TO CURRENT_USER")
                try await admin.execute("DROP OWNED BY \(applier)")
            }
        }
    }
}
