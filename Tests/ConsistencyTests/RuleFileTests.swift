import Consistency
import Foundation
import Testing
import TestSupport

/// Rules files are checked strictly: every mistake names the file, the line and the rule.
@Suite("consistency rules files")
struct RuleFileTests {
    func error(_ yaml: String) -> RuleFileError? {
        do {
            _ = try RuleFileLoader.parse(yaml, source: "test.yaml")
            return nil
        } catch let error as RuleFileError {
            return error
        } catch {
            return nil
        }
    }

    static let header = "instrument: lsstcam\nschema: cdb_lsstcam\nrules:\n"

    @Test func shippedFilesLoad() throws {
        let sets = try RuleFileLoader.loadDirectory(TestFiles.package("config/consistency").path)
        #expect(sets.keys.sorted() == ["demo", "latiss", "lsstcam", "lsstcomcam"])
        let lsstcam = try #require(sets["lsstcam"])
        #expect(lsstcam.rules.map(\.name) == [
            "ccdexposure_completeness", "exposure_id_encoding", "ccdexposure_key_agreement", "no_guider_products",
            "exposure_quicklook_coverage", "visit1_quicklook_coverage", "ccdexposure_quicklook_coverage",
            "ccdvisit1_quicklook_coverage", "no_calibration_science_products", "exposure_efd_coverage", "visit1_efd_coverage",
            "dead_letters", "efd_batch_failures",
        ])
        #expect(lsstcam.rules.filter { $0.category == .structural }.count == 4)
        guard case .detectorSet(_, let detectors) = lsstcam.rules[0].kind else { Issue.record("kind"); return }
        #expect(detectors.numbers == Array(0...204))
        guard case .forbiddenCCDRows(_, let guiders?, _) = lsstcam.rules[3].kind else { Issue.record("kind"); return }
        #expect(guiders.numbers == [189, 190, 193, 194, 197, 198, 201, 202])
    }

    @Test func aSiteRuleIsData() throws {
        let set = try RuleFileLoader.parse(Self.header + """
              - name: focus_has_quicklook
                kind: row_per_exposure
                class: coverage
                table: exposure_quicklook
                img_types: [focus]
              - name: corner_rafts
                kind: detector_set
                class: structural
                detectors: "0-3, 7"
            """, source: "site.yaml")
        #expect(set.rules.count == 2)
        guard case .detectorSet(_, let detectors) = set.rules[1].kind else { Issue.record("kind"); return }
        #expect(detectors.numbers == [0, 1, 2, 3, 7])
    }

    @Test(arguments: [
        // (the rules, the line, the rule named, words of the message)
        ("  - name: a\n    kind: id_encoding\n    class: structural\n    colour: red\n", 7, "a", "unknown key 'colour'"),
        ("  - name: a\n    kind: detector_set\n    class: structural\n    detectors: lots\n", 7, "a", "not a detector number"),
        ("  - name: a\n    kind: ccd_rows\n    class: coverage\n    table: ccdexposure_quicklook\n    expected: many\n", 8, "a", "whole number"),
        ("  - name: a\n    kind: teleport\n    class: coverage\n", 4, "a", "unknown kind 'teleport'"),
        ("  - name: a\n    kind: row_per_exposure\n    class: coverage\n    table: \"exposure; DROP TABLE x\"\n", 7, "a", "plain SQL name"),
        ("  - name: a\n    kind: row_per_exposure\n    class: coverage\n    table: Exposure\n", 7, "a", "plain SQL name"),
        ("  - name: a\n    kind: row_per_exposure\n    class: coverage\n", 4, "a", "has no 'table'"),
        ("  - name: a\n    kind: id_encoding\n    class: severe\n", 6, "a", "'class' must be one of"),
        ("  - name: a\n    kind: id_encoding\n    class: ingest\n", 6, "a", "class 'ingest' is for"),
        ("  - name: a\n    kind: id_encoding\n    class: structural\n  - name: a\n    kind: id_encoding\n    class: structural\n", 7, "a", "defined twice"),
        ("  - name: a\n    kind: row_per_exposure\n    class: coverage\n    table: t\n    img_types: [science]\n    except_img_types: [bias]\n", 9, "a", "not both"),
        ("  - name: a\n    kind: forbidden_ccd_rows\n    class: coverage\n    products: [{table: t}]\n", 4, "a", "needs 'detectors' or 'img_types'"),
        ("  - name: a\n    kind: row_per_exposure\n    class: coverage\n    table: t\n    wait_seconds: -5\n", 8, "a", "between 0"),
        ("  - kind: id_encoding\n", 4, nil, "has no 'name'"),
        ("  - name: \"a b\"\n    kind: id_encoding\n", 4, nil, "plain SQL name"),
    ] as [(String, Int, String?, String)])
    func mistakesAreNamed(_ rules: String, _ line: Int, _ rule: String?, _ words: String) throws {
        let found = try #require(error(Self.header + rules))
        #expect(found.file == "test.yaml")
        #expect(found.line == line, "\(found)")
        #expect(found.rule == rule, "\(found)")
        #expect(found.description.contains(words), "\(found)")
    }

    @Test func wholeFileMistakes() {
        #expect(error("")?.message == "is empty")
        #expect(error("[1, 2]")?.message.contains("must be a mapping") == true)
        #expect(error("instrument: lsstcam\nschema: cdb_lsstcam\nrules: []\n")?.message == "'rules' is empty")
        #expect(error("instrument: lsstcam\nschema: cdb_lsstcam\nextra: 1\nrules: []\n")?.description.contains("test.yaml:3: unknown key 'extra'") == true)
        #expect(error("instrument: LSST Cam\nschema: cdb\nrules: []\n")?.message.contains("plain SQL name") == true)
        #expect(error("instrument: [\n")?.message.contains("not valid YAML") == true)
    }
}
