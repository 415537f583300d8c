import Felis
import Foundation
import Testing
import TestSupport

@Suite("Parsing Felis files")
struct FelisParseTests {
    @Test("reference cdb schemas parse with every table and column", arguments: [
        ("cdb_latiss.yaml", "3.7.0", 236),
        ("cdb_lsstcam.yaml", "1.9.0", 396),
        ("cdb_lsstcomcam.yaml", "3.8.0", 298),
        ("cdb_lsstcomcamsim.yaml", "3.5.0", 304),
    ])
    func referenceCDB(file: String, version: String, columns: Int) throws {
        let schema = try FelisSchema.load(contentsOf: Files.reference(file))
        #expect(schema.name == file.replacingOccurrences(of: ".yaml", with: ""))
        #expect(schema.description?.isEmpty == false)
        #expect(schema.tables.count == 13)
        // Exact figures of the reference snapshot; PyPI's lsst-sdm-schemas is a later release.
        if ReferenceData.felisIsReferenceSnapshot {
            #expect(schema.version == version)
            #expect(schema.tables.reduce(0) { $0 + $1.columns.count } == columns)
        }

        let exposure = try #require(schema.table("exposure"))
        #expect(exposure.primaryKey == ["day_obs", "seq_num"])
        #expect(exposure.column("exposure_id")?.datatype == .long)
        #expect(exposure.column("exposure_id")?.nullable == false)
        #expect(exposure.column("exposure_name")?.postgresType.formatType == "character varying(20)")
        #expect(exposure.column("exp_midpt")?.postgresType.formatType == "timestamp(6) without time zone")
        #expect(exposure.column("s_ra")?.postgresType.ddl == "DOUBLE PRECISION")
        #expect(exposure.column("s_ra")?.unit == "deg")
        #expect(exposure.column("s_ra")?.ucd == "pos.eq.ra")
        #expect(exposure.column("s_ra")?.nullable == true)
        #expect(exposure.constraints.map(\.name).contains("un_exposure_exposure_id"))

        let flex = try #require(schema.table("exposure_flexdata"))
        let foreignKey = try #require(flex.constraints.first { $0.name == "fk_exposure_flexdata_obs_id_ds" })
        #expect(foreignKey.kind == .foreignKey)
        #expect(foreignKey.columns == ["obs_id", "day_obs", "seq_num"])
        #expect(foreignKey.referencedTable == "exposure")
        #expect(foreignKey.referencedColumns == ["exposure_id", "day_obs", "seq_num"])

        // The column's @id (#ccdexposure_camera.ccd_temp_set) differs from its name; references and
        // the model use the name.
        let camera = try #require(schema.table("ccdexposure_camera"))
        #expect(camera.column("temp_set")?.id == "#ccdexposure_camera.ccd_temp_set")
        #expect(camera.primaryKey == ["day_obs", "seq_num", "detector"])

        let visits = try #require(schema.table("ccdvisit1"))
        #expect(visits.constraints.first { $0.name == "fk_ccdvisit1_ds" }?.referencedTable == "visit1")
    }

    @Test("reference efd schemas parse, with their defaults", arguments: [
        ("efd_latiss.yaml", 553), ("efd_lsstcam.yaml", 960), ("efd_lsstcomcam.yaml", 956),
    ])
    func referenceEFD(file: String, columns: Int) throws {
        let schema = try FelisSchema.load(contentsOf: Files.reference(file))
        #expect(schema.tables.map(\.name) == ["exposure_efd", "exposure_efd_unpivoted", "visit1_efd", "visit1_efd_unpivoted"])
        if ReferenceData.felisIsReferenceSnapshot {
            #expect(schema.tables.reduce(0) { $0 + $1.columns.count } == columns)
        }
        let unpivoted = try #require(schema.table("exposure_efd_unpivoted"))
        #expect(unpivoted.column("created_at")?.defaultValue == .currentTimestamp)
        #expect(unpivoted.column("property")?.defaultValue == .text("default_property"))
        #expect(unpivoted.column("property")?.nullable == false)
        // An empty unit is kept as written: it means "dimensionless".
        #expect(schema.table("exposure_efd")?.columns.contains { $0.unit == "" } == true)
    }

    @Test("the demo schema parses and has the tables the product needs")
    func demo() throws {
        let schema = try FelisSchema.load(contentsOf: Files.demo)
        #expect(schema.name == "cdb_demo")
        #expect(schema.version == "1.0.0")
        #expect(schema.tables.map(\.name) == [
            "exposure", "exposure_flexdata", "exposure_flexdata_schema", "ccdexposure", "ccdexposure_flexdata",
            "ccdexposure_flexdata_schema", "visit1", "ccdvisit1", "visit1_quicklook",
        ])
        for table in schema.tables {
            #expect(table.description != nil, "table \(table.name) has no description")
            for column in table.columns {
                #expect(column.description != nil, "\(table.name).\(column.name) has no description")
                #expect(column.unit != nil, "\(table.name).\(column.name) has no unit")
            }
        }
        let exposure = try #require(schema.table("exposure"))
        for name in ["exposure_id", "exposure_name", "controller", "day_obs", "seq_num", "physical_filter", "band", "s_ra",
                     "s_dec", "sky_rotation", "azimuth", "altitude", "airmass", "exp_midpt", "obs_start", "obs_end", "exp_time",
                     "dark_time", "img_type", "science_program", "observation_reason", "target_name", "group_id"] {
            #expect(exposure.column(name) != nil, "exposure lacks \(name)")
        }
        #expect(exposure.column("obs_start")?.postgresType.formatType == "timestamp(6) without time zone")

        // The flexible-metadata tables have the reference's layout, column for column.
        let reference = try FelisSchema.load(contentsOf: Files.reference("cdb_lsstcomcamsim.yaml"))
        for name in ["exposure_flexdata", "exposure_flexdata_schema", "ccdexposure_flexdata", "ccdexposure_flexdata_schema"] {
            let ours = try #require(schema.table(name)).columns.map { [$0.name, $0.postgresType.ddl, "\($0.nullable)"] }
            let theirs = try #require(reference.table(name)).columns.map { [$0.name, $0.postgresType.ddl, "\($0.nullable)"] }
            #expect(ours == theirs, "\(name) differs from the reference layout")
            #expect(schema.table(name)?.primaryKey == reference.table(name)?.primaryKey)
        }
        // visit1 mirrors exposure with the id renamed.
        let visit = try #require(schema.table("visit1"))
        #expect(visit.columns.map(\.name) == ["visit_id"] + exposure.columns.dropFirst().map(\.name))
    }

    @Test("inline forms: flow lists, a single primaryKey string, plain version, indexes")
    func inlineForms() throws {
        let schema = try FelisSchema.parse(yaml: """
            name: s
            version: "2.0"
            tables:
            - name: a
              primaryKey: "#a.id"
              columns:
              - {name: id, datatype: int, autoincrement: true}
              - {name: code, datatype: char, length: 3, value: "X'Y"}
              - {name: note, datatype: unicode, length: 10, nullable: false}
              - {name: t, datatype: timestamp}
              - {name: flag, datatype: boolean, value: true}
              - {name: ratio, datatype: double, value: 0.25}
              constraints:
              - {name: un_a_code, "@type": Unique, columns: ["#a.code"]}
              - {name: ck_a_ratio, "@type": Check, expression: "ratio >= 0"}
              - {name: ix_a_t, "@type": Index, columns: ["#a.t"]}
              indexes:
              - {name: ix_a_note, columns: ["#a.note", "#a.code"]}
              - {name: ix_a_lower, expressions: ["lower(note)"]}
            - name: b
              tap:table_index: 3
              mysql:engine: InnoDB
              columns:
              - name: a_id
                datatype: int
                "@id": "#b.the_a"
                votable:arraysize: "*"
              constraints:
              - {name: fk_b_a, "@type": ForeignKey, columns: ["#b.the_a"], referencedColumns: ["#a.id"]}
            """)
        #expect(schema.version == "2.0")
        let a = try #require(schema.table("a"))
        #expect(a.primaryKey == ["id"])
        #expect(a.column("id")?.autoincrement == true)
        #expect(a.column("id")?.nullable == false)
        #expect(a.column("code")?.defaultValue == .text("X'Y"))
        #expect(a.column("note")?.nullable == false)
        #expect(a.column("t")?.postgresType.formatType == "timestamp without time zone")
        #expect(a.column("flag")?.defaultValue == .boolean(true))
        #expect(a.column("ratio")?.defaultValue == .real(0.25))
        #expect(a.constraints.map(\.kind) == [.unique, .check])
        #expect(a.constraints[1].expression == "ratio >= 0")
        #expect(a.indexes.map(\.name) == ["ix_a_t", "ix_a_note", "ix_a_lower"])
        #expect(a.indexes[1].columns == ["note", "code"])
        #expect(a.indexes[2].expressions == ["lower(note)"])
        let b = try #require(schema.table("b"))
        #expect(b.constraints.first?.columns == ["a_id"])
        #expect(b.constraints.first?.referencedTable == "a")
    }
}
