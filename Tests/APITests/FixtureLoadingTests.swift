import Postgres
import Testing
import TestSupport

@Suite("test support: ECSV reader and fixture loader", .needsConsDBReference)
struct FixtureLoadingTests {
    @Test("the ECSV reader handles quoting, null, JSON subtypes and booleans")
    func parse() throws {
        let table = try ECSVTable(parsing: #"""
            # %ECSV 1.0
            # ---
            # datatype:
            # - {name: id, datatype: int64}
            # - {name: doc, datatype: string}
            # - {name: unit, datatype: string, subtype: json}
            # - {name: flag, datatype: bool}
            # meta: !!omap
            # - x: {name: ignored, datatype: string}
            # schema: astropy-2.0
            id doc unit flag
            1 "two words" """m / s""" True
            2 null null False
            3 "say ""hi""" """a\""b""" false
            4 "null" """""" true
            """#)
        #expect(table.columns == [
            .init(name: "id", datatype: "int64"), .init(name: "doc", datatype: "string"),
            .init(name: "unit", datatype: "string", subtype: "json"), .init(name: "flag", datatype: "bool"),
        ])
        #expect(table.rows == [
            ["1", "two words", "m / s", "true"],
            ["2", nil, nil, "false"],
            ["3", #"say "hi""#, #"a"b"#, "false"],
            ["4", "null", "", "true"],
        ])
        #expect(table.records[0]["doc"] == "two words")
    }

    @Test("malformed ECSV is reported with its line")
    func malformed() {
        let header = "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: int64}\n# - {name: b, datatype: string}\na b\n"
        for (body, line) in [("1\n", 7), ("1 \"open\n", 7), ("1 2 3\n", 7), ("1 a\"b\n", 7)] {
            #expect(throws: ECSVTable.FormatError.self) { try ECSVTable(parsing: header + body) }
            do {
                _ = try ECSVTable(parsing: header + body)
            } catch let error as ECSVTable.FormatError {
                #expect(error.line == line)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(throws: ECSVTable.FormatError.self) { try ECSVTable(parsing: "a b\n1 2\n") }
        #expect(throws: ECSVTable.FormatError.self) { try ECSVTable(parsing: header.replacingOccurrences(of: "a b", with: "b a")) }
    }

    @Test("the reference fixtures read as expected")
    func referenceFiles() throws {
        let schema = try ReferenceFixtures.table("exposure_flexdata_schema.ecsv")
        #expect(schema.rows == [
            ["foo", "bool", "Sample flex bool type", "deg", "pos.eq.ra;meta.main"],
            ["bar", "int", "Sample flex int type", nil, nil],
            ["baz", "float", "Sample flex float type", "m3 / (kg s2)", "phys.gravity"],
            ["qux", "str", "Sample flex string type", "K", "phys.temperature"],
        ])
        let exposure2 = try ReferenceFixtures.table("exposure2.ecsv")
        let record = try #require(exposure2.records.first)
        #expect(record["obs_start"] == "2024-05-28T22:18:26.326000")
        #expect(record["emulated"] == "false")
        #expect(record["physical_filter"] == "i_06")
        #expect(record["band"] == .some(nil))
        #expect(try ReferenceFixtures.table("ccdvisit1_quicklook.ecsv").rows.count == 9)
        #expect(try ReferenceFixtures.table("visit1_quicklook.ecsv").columns.count == 89)
    }

    @Test("the loader fills day_obs, seq_num and detector from parent rows")
    func load() async throws {
        try await withAPI { api async throws in
            #expect(try await api.sql("""
                SELECT count(*) FROM cdb_lsstcomcamsim.exposure UNION ALL SELECT count(*) FROM cdb_lsstcomcamsim.ccdexposure
                UNION ALL SELECT count(*) FROM cdb_lsstcomcamsim.visit1_quicklook UNION ALL SELECT count(*) FROM cdb_lsstcomcamsim.ccdvisit1_quicklook
                UNION ALL SELECT count(*) FROM cdb_lsstcomcamsim.exposure_flexdata UNION ALL SELECT count(*) FROM cdb_lsstcomcamsim.ccdexposure_flexdata
                """).rows == [["2"], ["9"], ["1"], ["9"], ["8"], ["8"]])
            #expect(try await api.sql("""
                SELECT DISTINCT day_obs, seq_num FROM cdb_lsstcomcamsim.ccdvisit1_quicklook
                """).rows == [["20240403", "451"]])
            #expect(try await api.sql("""
                SELECT obs_id, detector, day_obs, seq_num FROM cdb_lsstcomcamsim.ccdexposure_flexdata WHERE key = 'ham' ORDER BY obs_id
                """).rows == [["730865976064", "0", "20240403", "451"], ["730865976065", "1", "20240403", "451"]])
            #expect(try await api.sql("""
                SELECT day_obs, seq_num FROM cdb_lsstcomcamsim.exposure_flexdata WHERE obs_id = 7024052800003 AND key = 'qux'
                """).rows == [["20240528", "3"]])
            #expect(try await api.scalar("SELECT n_psf_star FROM cdb_lsstcomcamsim.ccdvisit1_quicklook WHERE detector = 8") == "177")
        }
    }
}
