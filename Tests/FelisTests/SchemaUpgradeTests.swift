import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing

@Suite("Upgrading an applied schema to a newer Felis file")
struct SchemaUpgradeTests {
    /// An older version of `schema`: a table, some columns and a view column fewer.
    static func olderVersion(of schema: FelisSchema) -> FelisSchema {
        var older = schema
        older.tables.removeAll { $0.name == "exposure_quicklook" }
        for index in older.tables.indices {
            switch older.tables[index].name {
            case "exposure":
                older.tables[index].columns.removeAll { ["scheduler_note", "can_see_sky"].contains($0.name) }
            case "ccdexposure_camera":
                older.tables[index].columns.removeAll { $0.name == "ccd_temp" }
            case "visit1":
                older.tables[index].columns.removeAll { $0.name == "airmass" }
            default:
                break
            }
        }
        return older
    }

    @Test("new tables and columns are added and rows survive", arguments: Files.cdb)
    func upgrade(file: String) async throws {
        let full = try FelisSchema.load(contentsOf: Files.reference(file))
        let older = Self.olderVersion(of: full)
        let name = full.name
        try await withDatabase { connection in
            let first = try await SchemaApplier.apply(older, on: connection)
            // The older visit1 still lists columns its exposure table lacks: the view shows NULL.
            #expect(first.warnings.contains { $0.table == "visit1" && $0.column == "can_see_sky" })
            #expect(SchemaConformance.differences(older, catalog: try await Catalog.load(schema: name, on: connection)).isEmpty)

            try await connection.execute("""
                INSERT INTO \(name).exposure (exposure_id, exposure_name, controller, day_obs, seq_num, airmass)
                    VALUES (2024010100001, 'XX_O_20240101_000001', 'O', 20240101, 1, 1.25);
                INSERT INTO \(name).ccdexposure (ccdexposure_id, exposure_id, day_obs, seq_num, detector)
                    VALUES (202401010000100, 2024010100001, 20240101, 1, 0);
                INSERT INTO \(name).exposure_flexdata_schema (key, dtype, doc) VALUES ('focus', 'float', 'Focus offset');
                INSERT INTO \(name).exposure_flexdata (obs_id, day_obs, seq_num, key, value)
                    VALUES (2024010100001, 20240101, 1, 'focus', '0.5');
                INSERT INTO \(name).visit1_quicklook (visit_id, day_obs, seq_num) VALUES (2024010100001, 20240101, 1);
                """)

            let upgrade = try await SchemaApplier.apply(full, on: connection)
            let script = upgrade.script
            #expect(script.contains("ALTER TABLE \"\(name)\".\"exposure\" ADD COLUMN \"scheduler_note\" VARCHAR(1024)"))
            #expect(script.contains("ALTER TABLE \"\(name)\".\"exposure\" ADD COLUMN \"can_see_sky\" BOOLEAN"))
            #expect(script.contains("ALTER TABLE \"\(name)\".\"ccdexposure_camera\" ADD COLUMN \"ccd_temp\" REAL"))
            #expect(script.contains("CREATE TABLE \"\(name)\".\"exposure_quicklook\" ("))
            // airmass appears in the middle of visit1: the view cannot be replaced in place.
            #expect(script.contains("DROP VIEW \"\(name)\".\"visit1\""))
            #expect(!script.contains("DROP TABLE") && !script.contains("DROP COLUMN"))

            let catalog = try await Catalog.load(schema: name, on: connection)
            let differences = SchemaConformance.differences(full, catalog: catalog)
            #expect(differences.isEmpty, "\(differences.map(\.description).joined(separator: "\n"))")
            #expect(try await SchemaApplier.apply(full, on: connection).isEmpty)

            #expect(try await connection.scalar("SELECT count(*) FROM \(identifier: name).exposure") == "1")
            #expect(try await connection.scalar("SELECT count(*) FROM \(identifier: name).ccdexposure") == "1")
            #expect(try await connection.scalar("SELECT value FROM \(identifier: name).exposure_flexdata") == "0.5")
            #expect(try await connection.scalar("SELECT count(*) FROM \(identifier: name).visit1_quicklook") == "1")
            try await connection.execute("UPDATE \(name).exposure SET can_see_sky = true")
            let visit = try #require(try await connection.query("SELECT visit_id, airmass, can_see_sky FROM \(identifier: name).visit1").records.first)
            #expect(visit["visit_id"] == "2024010100001")
            #expect(visit.double("airmass") == 1.25)
            #expect(visit.bool("can_see_sky") == true)
        }
    }

    @Test("a new NOT NULL column without a default is added nullable when the table has rows")
    func notNullOnTableWithRows() async throws {
        let v1 = try FelisSchema.parse(yaml: """
            name: u
            tables:
            - name: filled
              primaryKey: "#filled.id"
              columns: [{name: id, datatype: int}]
            - name: empty
              primaryKey: "#empty.id"
              columns: [{name: id, datatype: int}]
            """)
        var v2 = v1
        for index in v2.tables.indices {
            v2.tables[index].columns.append(FelisColumn(name: "required", datatype: .string, length: 8, nullable: false))
            v2.tables[index].columns.append(FelisColumn(name: "counted", datatype: .int, nullable: false, defaultValue: .integer(7)))
        }
        try await withDatabase { connection in
            try await SchemaApplier.apply(v1, on: connection)
            try await connection.execute("INSERT INTO u.filled (id) VALUES (1), (2)")
            let plan = try await SchemaApplier.apply(v2, on: connection)
            #expect(plan.warnings.map(\.description) == ["filled.required: added as nullable: it is NOT NULL without a default and the table already has rows"])
            #expect(plan.statements.contains(#"ALTER TABLE "u"."filled" ADD COLUMN "required" VARCHAR(8)"#))
            #expect(plan.statements.contains(#"ALTER TABLE "u"."filled" ADD COLUMN "counted" INTEGER NOT NULL DEFAULT 7"#))
            #expect(plan.statements.contains(#"ALTER TABLE "u"."empty" ADD COLUMN "required" VARCHAR(8) NOT NULL"#))

            let catalog = try #require(try await Catalog.load(schema: "u", on: connection))
            #expect(catalog.tables["filled"]?.column("required")?.isNullable == true)
            #expect(catalog.tables["empty"]?.column("required")?.isNullable == false)
            #expect(try await connection.scalar("SELECT sum(counted) FROM u.filled") == "14")
            // The relaxed column is the one difference left, and the next apply reports it again.
            let differences = SchemaConformance.differences(v2, catalog: catalog).map(\.description)
            #expect(differences == ["filled.required: is nullable, expected NOT NULL"])
            let again = try await SchemaApplier.apply(v2, on: connection)
            #expect(again.isEmpty)
            #expect(again.warnings.map(\.description) == ["filled.required: is nullable in the database but NOT NULL in the Felis file; not changed"])
        }
    }

    @Test("missing constraints, indexes and comments are added to existing tables")
    func missingPieces() async throws {
        let full = try FelisSchema.load(contentsOf: Files.demo)
        var bare = full
        for index in bare.tables.indices {
            bare.tables[index].constraints = []
            bare.tables[index].indexes = []
            bare.tables[index].description = nil
            for column in bare.tables[index].columns.indices {
                bare.tables[index].columns[column].description = nil
            }
        }
        var indexed = full
        indexed.tables[0].indexes = [FelisIndex(name: "ix_exposure_obs_start", columns: ["obs_start"])]
        try await withDatabase { connection in
            try await SchemaApplier.apply(bare, on: connection)
            let plan = try await SchemaApplier.apply(indexed, on: connection)
            #expect(plan.statements.contains(#"ALTER TABLE "cdb_demo"."exposure" ADD CONSTRAINT "un_exposure_exposure_id" UNIQUE ("exposure_id")"#))
            #expect(plan.statements.contains(#"CREATE INDEX IF NOT EXISTS "ix_exposure_obs_start" ON "cdb_demo"."exposure" ("obs_start")"#))
            #expect(plan.statements.contains { $0.hasPrefix(#"ALTER TABLE "cdb_demo"."exposure_flexdata" ADD CONSTRAINT "fk_exposure_flexdata_key" FOREIGN KEY"#) })
            #expect(plan.statements.contains { $0.hasPrefix(#"COMMENT ON TABLE "cdb_demo"."exposure" IS"#) })
            let catalog = try await Catalog.load(schema: "cdb_demo", on: connection)
            #expect(SchemaConformance.differences(indexed, catalog: catalog).isEmpty)
            #expect(try await SchemaApplier.apply(indexed, on: connection).isEmpty)
        }
    }
}
