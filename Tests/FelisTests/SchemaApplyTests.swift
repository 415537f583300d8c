import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing

@Suite("Applying Felis schemas to PostgreSQL")
struct SchemaApplyTests {
    static let files = Files.cdb.map(Files.reference) + Files.efd.map(Files.reference) + [Files.demo]

    @Test("a fresh apply conforms, and applying again changes nothing", arguments: files)
    func applyAndReapply(file: URL) async throws {
        let felis = try FelisSchema.load(contentsOf: file)
        try await withDatabase { connection in
            let plan = try await SchemaApplier.apply(felisFile: file, on: connection)
            #expect(plan.statements.first == "CREATE SCHEMA IF NOT EXISTS \"\(felis.name)\"")
            #expect(plan.warnings.isEmpty, "\(plan.warnings)")

            let catalog = try await Catalog.load(schema: felis.name, on: connection)
            let differences = SchemaConformance.differences(felis, catalog: catalog)
            #expect(differences.isEmpty, "\(differences.map(\.description).joined(separator: "\n"))")

            let before = try await Catalog.load(schema: felis.name, on: connection)
            let again = try await SchemaApplier.apply(felisFile: file, on: connection)
            #expect(again.isEmpty, "re-apply planned:\n\(again.script)")
            #expect(again.warnings.isEmpty, "\(again.warnings)")
            let after = try await Catalog.load(schema: felis.name, on: connection)
            #expect(Self.fingerprint(before) == Self.fingerprint(after))
        }
    }

    @Test("cdb schemas get visit1 and ccdvisit1 as views, and only those", arguments: Files.cdb.map(Files.reference) + [Files.demo])
    func views(file: URL) async throws {
        let felis = try FelisSchema.load(contentsOf: file)
        try await withDatabase { connection in
            try await SchemaApplier.apply(felisFile: file, on: connection)
            let catalog = try #require(try await Catalog.load(schema: felis.name, on: connection))
            let views = catalog.tables.values.filter { $0.kind == .view }.map(\.name).sorted()
            #expect(views == ["ccdvisit1", "visit1"])
            #expect(catalog.tables.count == felis.tables.count)
            // Comments carry over to views and their columns as well.
            #expect(catalog.tables["visit1"]?.comment == felis.table("visit1")?.description)
            #expect(catalog.tables["visit1"]?.column("visit_id")?.comment == felis.table("visit1")?.column("visit_id")?.description)
        }
    }

    @Test("a dry run returns the SQL and changes nothing")
    func dryRun() async throws {
        try await withDatabase { connection in
            let plan = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, dryRun: true)
            #expect(plan.statements.count > 20)
            #expect(plan.script.contains("CREATE TABLE \"cdb_demo\".\"exposure\" ("))
            #expect(plan.script.contains("CREATE OR REPLACE VIEW \"cdb_demo\".\"visit1\" AS SELECT \"exposure_id\" AS \"visit_id\""))
            #expect(plan.script.contains("COMMENT ON COLUMN \"cdb_demo\".\"exposure\".\"s_ra\" IS"))
            #expect(try await Catalog.load(schema: "cdb_demo", on: connection) == nil)

            // Against an applied schema, a dry run of the same file plans nothing.
            try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            try await connection.execute("ALTER TABLE cdb_demo.exposure DROP COLUMN band CASCADE")
            let before = Self.fingerprint(try await Catalog.load(schema: "cdb_demo", on: connection))
            let repair = try await SchemaApplier.apply(felisFile: Files.demo, on: connection, dryRun: true)
            #expect(repair.statements.contains("ALTER TABLE \"cdb_demo\".\"exposure\" ADD COLUMN \"band\" VARCHAR(32)"))
            #expect(Self.fingerprint(try await Catalog.load(schema: "cdb_demo", on: connection)) == before)
        }
    }

    @Test("the file's schema name can be overridden")
    func schemaOverride() async throws {
        try await withDatabase { connection in
            try await SchemaApplier.apply(felisFile: Files.demo, on: connection, schemaName: "cdb_other")
            #expect(try await Catalog.load(schema: "cdb_other", on: connection)?.tables["exposure"] != nil)
            #expect(try await Catalog.load(schema: "cdb_demo", on: connection) == nil)
        }
    }

    @Test("defaults, including quotes and backslashes, are stored as literals")
    func defaults() async throws {
        let felis = try FelisSchema.parse(yaml: #"""
            name: d
            tables:
            - name: t
              primaryKey: "#t.id"
              columns:
              - {name: id, datatype: long, autoincrement: true}
              - {name: quote, datatype: string, length: 40, value: "it's a \"test\" \\ ok"}
              - {name: injection, datatype: text, value: "'); DROP TABLE t; --"}
              - {name: n, datatype: int, value: -5}
              - {name: big, datatype: long, value: 9223372036854775807}
              - {name: r, datatype: float, value: -0.5}
              - {name: d, datatype: double, value: 1.0e-7}
              - {name: flag, datatype: boolean, value: false}
              - {name: c, datatype: char, length: 1, value: C}
              - {name: at, datatype: timestamp, precision: 6, value: "2024-01-02 03:04:05.123456"}
              - {name: created, datatype: timestamp, value: CURRENT_TIMESTAMP}
              - {name: iso, datatype: timestamp, precision: 3, value: "2024-01-02T03:04:05.120"}
              - {name: day, datatype: timestamp, value: "2024-01-02"}
            """#)
        try await withDatabase { connection in
            try await SchemaApplier.apply(felis, on: connection)
            #expect(try await SchemaApplier.apply(felis, on: connection).isEmpty)
            #expect(SchemaConformance.differences(felis, catalog: try await Catalog.load(schema: "d", on: connection)).isEmpty)

            try await connection.execute("INSERT INTO d.t DEFAULT VALUES")
            let row = try #require(try await connection.query("SELECT * FROM d.t").records.first)
            #expect(row["id"] == "1")
            #expect(row["quote"] == #"it's a "test" \ ok"#)
            #expect(row["injection"] == "'); DROP TABLE t; --")
            #expect(row.int("n") == -5)
            #expect(row["big"] == "9223372036854775807")
            #expect(row.double("r") == -0.5)
            #expect(row.double("d") == 1.0e-7)
            #expect(row.bool("flag") == false)
            #expect(row["c"] == "C")
            #expect(row["at"] == "2024-01-02 03:04:05.123456")
            #expect(row["created"] != nil)
            #expect(row["iso"] == "2024-01-02 03:04:05.12")
            #expect(row["day"] == "2024-01-02 00:00:00")
        }
    }

    @Test("a changed default is updated in place; other differences are warnings")
    func changedDefaultsAndWarnings() async throws {
        let v1 = try FelisSchema.parse(yaml: """
            name: w
            tables:
            - name: t
              columns:
              - {name: a, datatype: int, value: 1}
              - {name: b, datatype: string, length: 10}
            """)
        var v2 = v1
        v2.tables[0].columns[0].defaultValue = .integer(2)
        v2.tables[0].columns[1].length = 20
        try await withDatabase { connection in
            try await SchemaApplier.apply(v1, on: connection)
            try await connection.execute("ALTER TABLE w.t ADD COLUMN extra integer")
            let plan = try await SchemaApplier.apply(v2, on: connection)
            #expect(plan.statements == [#"ALTER TABLE "w"."t" ALTER COLUMN "a" SET DEFAULT 2"#])
            let messages = plan.warnings.map(\.description)
            #expect(messages.contains { $0.hasPrefix("t.b: type is character varying(10)") })
            #expect(messages.contains { $0.hasPrefix("t.extra: exists only in the database") })
            let catalog = try await Catalog.load(schema: "w", on: connection)
            #expect(catalog?.tables["t"]?.column("b")?.type == "character varying(10)")
            #expect(catalog?.tables["t"]?.column("extra") != nil)
            let differences = SchemaConformance.differences(v2, catalog: catalog).map(\.description)
            #expect(differences.contains { $0.hasPrefix("t.b: type is character varying(10)") })
            #expect(differences.contains { $0.hasPrefix("t.extra:") })
        }
    }

    @Test("hand-built models with names PostgreSQL cannot take are refused before any SQL")
    func invalidNamesInModel() async throws {
        for name in ["", String(repeating: "n", count: 64), "a\u{0}b"] {
            let schema = FelisSchema(name: "ok", tables: [FelisTable(name: name, columns: [FelisColumn(name: "c", datatype: .int)])])
            let problem = error(FelisError.self) { _ = try SchemaPlanner().plan(schema, catalog: nil) }
            #expect(problem?.kind == .invalidName)
        }
        let badSchema = FelisSchema(name: String(repeating: "s", count: 64))
        #expect(error(FelisError.self) { _ = try SchemaPlanner().plan(badSchema, catalog: nil) }?.kind == .invalidName)
        // Names that are odd but legal are quoted, not refused.
        let odd = FelisSchema(name: "odd", tables: [FelisTable(name: "we\"ird; table", columns: [FelisColumn(name: "Mixed Case", datatype: .int)])])
        try await withDatabase { connection in
            try await SchemaApplier.apply(odd, on: connection)
            #expect(try await connection.relations(in: "odd") == ["we\"ird; table"])
            #expect(try await SchemaApplier.apply(odd, on: connection).isEmpty)
        }
    }

    /// Everything about a schema that an apply could change, for before/after comparisons.
    static func fingerprint(_ catalog: CatalogSchema?) -> [String] {
        guard let catalog else { return [] }
        var lines = ["schema \(catalog.name) \(catalog.comment ?? "")"]
        for table in catalog.tables.values.sorted(by: { $0.name < $1.name }) {
            lines.append("\(table.kind) \(table.name) \(table.comment ?? "")")
            for column in table.columns {
                lines.append("  \(column.name) \(column.type) \(column.isNullable) \(column.defaultExpression ?? "") \(column.comment ?? "")")
            }
            for constraint in table.constraints {
                lines.append("  \(constraint.kind) \(constraint.name) \(constraint.columns) \(constraint.referencedTable ?? "") \(constraint.referencedColumns) \(constraint.comment ?? "")")
            }
            for index in table.indexes {
                lines.append("  index \(index.name) \(index.columns)")
            }
            lines.append("  reads \(table.viewReferences.map { "\($0.table).\($0.column)" }.sorted())")
        }
        return lines
    }
}
