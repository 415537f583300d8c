@testable import Felis
import Foundation
import Testing

/// Units and UCDs are checked as `felis validate` checks them, and a bad one is a warning of `schema apply`.
@Suite("Units and UCDs as felis validate checks them")
struct DescriptorCheckTests {
    /// A few lines of the IVOA list, in its published form.
    static let vocabulary = UCDVocabulary(listText: """
        #EN-UCDlist (excerpt)
        P | meta.id                           |  Identifier, name or designation
        S | instr.filter                      |  Filter
        Q | instr.det.psf                     |  Point Spread Function
        S | stat.median                       |  Median value
        Q | meta.ucd                          |  UCD
        """)

    @Test func theWordListSaysWhereEachWordMayStand() {
        let words = Self.vocabulary
        #expect(UCD.problem(in: "meta.id;instr.filter", vocabulary: words) == nil)
        #expect(UCD.problem(in: "instr.det.psf;stat.median", vocabulary: words) == nil)
        #expect(UCD.problem(in: "META.ID", vocabulary: words) == nil)
        #expect(UCD.problem(in: "instr.filter", vocabulary: words)?.contains("may not come first") == true)
        #expect(UCD.problem(in: "instr.fwhm;stat.median", vocabulary: words)?.contains("unknown word 'instr.fwhm'") == true)
        #expect(UCD.problem(in: "meta.ucd;meta.id", vocabulary: words)?.contains("may only come first") == true)
        // Without the list, only the syntax.
        #expect(UCD.problem(in: "instr.fwhm", vocabulary: nil) == nil)
        #expect(UCD.problem(in: "pos eq", vocabulary: nil) != nil)
        #expect(UCD.problem(in: "pos..eq", vocabulary: words) != nil)
    }

    @Test func badUnitsAndUCDsAreWarningsOfThePlan() throws {
        let felis = try FelisSchema.parse(yaml: """
            name: d
            tables:
            - name: t
              columns:
              - {name: a, datatype: double, "ivoa:unit": "tacos / s", "ivoa:ucd": "instr.filter"}
              - {name: b, datatype: double, "ivoa:unit": "km s-1", "ivoa:ucd": "meta.id;instr.filter"}
              - {name: c, datatype: double, "fits:tunit": "deg", "ivoa:ucd": "bad ucd"}
            """)
        let warnings = try SchemaPlanner(ucdVocabulary: Self.vocabulary).plan(felis, catalog: nil).warnings.map(\.description)
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("t.a: unit 'tacos / s'") })
        #expect(warnings.contains { $0.hasPrefix("t.a: invalid IVOA UCD: 'instr.filter' may not come first") })
        #expect(warnings.contains { $0.hasPrefix("t.c: invalid IVOA UCD: 'bad ucd'") })
        // Without the word list, the syntax only: instr.filter first passes.
        let syntaxOnly = try SchemaPlanner().plan(felis, catalog: nil).warnings.map(\.description)
        #expect(syntaxOnly.count == 2, "\(syntaxOnly)")
    }

    /// The demo schema passes with the real word list, when astropy's copy is at hand (it comes with
    /// `pip install lsst-felis`); CONSDB_UCD_WORDS may name it.
    @Test(.enabled(if: Self.astropyWordList != nil, "no IVOA UCD word list here (set CONSDB_UCD_WORDS to astropy's ucd1p-words.txt)"))
    func theDemoSchemaPassesTheRealWordList() throws {
        let words = try UCDVocabulary.load(contentsOf: try #require(Self.astropyWordList))
        #expect(words.primary.count > 300)
        let felis = try FelisSchema.load(contentsOf: Files.demo)
        let warnings = DescriptorCheck.warnings(felis, vocabulary: words)
        #expect(warnings.isEmpty, "\(warnings)")
    }

    static let astropyWordList: URL? = {
        if let path = ProcessInfo.processInfo.environment["CONSDB_UCD_WORDS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return nil
    }()
}
