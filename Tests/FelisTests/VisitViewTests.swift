import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing

@Suite("visit1 and ccdvisit1 as views")
struct VisitViewTests {
    @Test("visit1 shows each exposure with visit_id = exposure_id; ccdvisit1 each detector")
    func viewsShowExposures() async throws {
        try await withDatabase { connection in
            try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            try await connection.execute("""
                INSERT INTO cdb_demo.exposure (exposure_id, exposure_name, controller, day_obs, seq_num, band, obs_start)
                    VALUES (2024060100042, 'DM_O_20240601_000042', 'O', 20240601, 42, 'r', '2024-06-01 23:59:59.123456');
                INSERT INTO cdb_demo.ccdexposure (ccdexposure_id, exposure_id, day_obs, seq_num, detector)
                    VALUES (202406010004207, 2024060100042, 20240601, 42, 7);
                """)
            let visit = try #require(try await connection.query("SELECT * FROM cdb_demo.visit1").records.first)
            #expect(visit["visit_id"] == "2024060100042")
            #expect(visit["exposure_name"] == "DM_O_20240601_000042")
            #expect(visit["band"] == "r")
            #expect(visit["obs_start"] == "2024-06-01 23:59:59.123456")
            #expect(visit["day_obs"] == "20240601")

            let ccd = try #require(try await connection.query("SELECT * FROM cdb_demo.ccdvisit1").records.first)
            #expect(ccd["ccdvisit_id"] == "202406010004207")
            #expect(ccd["visit_id"] == "2024060100042")
            #expect(ccd["detector"] == "7")

            // The view's columns are the Felis visit1 columns, in order.
            let columns = try await connection.query("SELECT * FROM cdb_demo.visit1 LIMIT 0").columns.map(\.name)
            let felis = try FelisSchema.load(contentsOf: Files.demo)
            #expect(columns == felis.table("visit1")?.columns.map(\.name))
        }
    }

    @Test("foreign keys to visit1 point at exposure, and are enforced")
    func redirectedForeignKeys() async throws {
        try await withDatabase { connection in
            try await SchemaApplier.apply(felisFile: Files.demo, on: connection)
            let catalog = try #require(try await Catalog.load(schema: "cdb_demo", on: connection))
            let quicklook = try #require(catalog.tables["visit1_quicklook"])
            let byId = try #require(quicklook.constraint("fk_visit1_quicklook_visit_id"))
            #expect(byId.referencedTable == "exposure")
            #expect(byId.referencedColumns == ["exposure_id"])
            #expect(quicklook.constraint("fk_visit1_quicklook_ds")?.referencedColumns == ["day_obs", "seq_num"])
            #expect(quicklook.constraint("fk_visit1_quicklook_visit_id_ds")?.referencedColumns == ["exposure_id", "day_obs", "seq_num"])

            let violation = await asyncError(PostgresError.self) {
                try await connection.execute("INSERT INTO cdb_demo.visit1_quicklook (visit_id, day_obs, seq_num) VALUES (1, 20240601, 1)")
            }
            #expect(violation?.sqlState == PostgresError.State.foreignKeyViolation)
            try await connection.execute("""
                INSERT INTO cdb_demo.exposure (exposure_id, exposure_name, controller, day_obs, seq_num) VALUES (1, 'x', 'O', 20240601, 1);
                INSERT INTO cdb_demo.visit1_quicklook (visit_id, day_obs, seq_num, psf_sigma_median) VALUES (1, 20240601, 1, 1.5);
                """)
            #expect(try await connection.scalar("SELECT psf_sigma_median FROM cdb_demo.visit1_quicklook") == "1.5")
        }
    }

    @Test("a view column without a counterpart selects a typed NULL, with a warning")
    func missingCounterpart() async throws {
        let felis = try FelisSchema.parse(yaml: """
            name: v
            tables:
            - name: exposure
              primaryKey: ["#exposure.day_obs", "#exposure.seq_num"]
              columns:
              - {name: exposure_id, datatype: long, nullable: false}
              - {name: day_obs, datatype: int}
              - {name: seq_num, datatype: int}
              - {name: label, datatype: string, length: 10}
            - name: visit1
              primaryKey: ["#visit1.day_obs", "#visit1.seq_num"]
              constraints:
              - {name: un_visit1_visit_id, "@type": Unique, columns: ["#visit1.visit_id"]}
              columns:
              - {name: visit_id, datatype: long, nullable: false}
              - {name: day_obs, datatype: int}
              - {name: seq_num, datatype: int}
              - {name: label, datatype: string, length: 40}
              - {name: seeing, datatype: float, description: Not measured yet.}
            """)
        try await withDatabase { connection in
            let plan = try await SchemaApplier.apply(felis, on: connection)
            let messages = plan.warnings.map(\.description)
            #expect(messages.contains("visit1.seeing: exposure has no column seeing; the view shows NULL for it"))
            #expect(messages.contains { $0.hasPrefix("visit1.label: exposure.label is character varying(10)") })
            #expect(plan.script.contains(#"CAST(NULL AS REAL) AS "seeing""#))
            #expect(plan.script.contains(#"CAST("label" AS VARCHAR(40)) AS "label""#))
            let catalog = try await Catalog.load(schema: "v", on: connection)
            #expect(SchemaConformance.differences(felis, catalog: catalog).isEmpty)
            #expect(catalog?.tables["visit1"]?.column("seeing")?.type == "real")
            #expect(catalog?.tables["visit1"]?.column("seeing")?.comment == "Not measured yet.")
            #expect(try await SchemaApplier.apply(felis, on: connection).isEmpty)

            // Once exposure gains the column, the view reads it instead of NULL.
            var newer = felis
            newer.tables[0].columns.append(FelisColumn(name: "seeing", datatype: .float))
            let upgrade = try await SchemaApplier.apply(newer, on: connection)
            #expect(upgrade.statements.contains { $0.hasPrefix(#"CREATE OR REPLACE VIEW "v"."visit1""#) })
            try await connection.execute("INSERT INTO v.exposure VALUES (5, 1, 2, 'a', 0.75)")
            #expect(try await connection.scalar("SELECT seeing FROM v.visit1 WHERE visit_id = 5") == "0.75")
            #expect(SchemaConformance.differences(newer, catalog: try await Catalog.load(schema: "v", on: connection)).isEmpty)
        }
    }

    @Test("without the view rule, or when visit1 already is a table, visit1 stays a table")
    func tableWhenNotAView() async throws {
        let felis = try FelisSchema.load(contentsOf: Files.demo)
        try await withDatabase { connection in
            try await SchemaApplier.apply(felis, on: connection, planner: SchemaPlanner(viewRules: .none))
            let catalog = try #require(try await Catalog.load(schema: "cdb_demo", on: connection))
            #expect(catalog.tables["visit1"]?.kind == .table)
            #expect(catalog.tables["visit1_quicklook"]?.constraint("fk_visit1_quicklook_visit_id")?.referencedTable == "visit1")
            #expect(SchemaConformance.differences(felis, catalog: catalog, viewRules: .none).isEmpty)

            let plan = try await SchemaApplier.apply(felis, on: connection)
            #expect(plan.isEmpty)
            #expect(plan.warnings.map(\.description).contains("visit1: exists as a table, not as a view over exposure as in production; kept as it is"))
        }
    }

    @Test("the view rule is one small value that can be changed")
    func customRule() async throws {
        let felis = try FelisSchema.parse(yaml: """
            name: c
            tables:
            - name: raw
              columns: [{name: raw_id, datatype: long}, {name: note, datatype: text}]
            - name: cooked
              columns: [{name: cooked_id, datatype: long}, {name: note, datatype: text}]
            - name: user
              columns: [{name: ref, datatype: long}]
            """)
        let rules = ViewRules([ViewRule(view: "cooked", baseTable: "raw", renamedColumns: ["cooked_id": "raw_id"])])
        try await withDatabase { connection in
            try await SchemaApplier.apply(felis, on: connection, planner: SchemaPlanner(viewRules: rules))
            try await connection.execute("INSERT INTO c.raw VALUES (9, 'n')")
            #expect(try await connection.scalar("SELECT cooked_id FROM c.cooked") == "9")
        }
    }
}
