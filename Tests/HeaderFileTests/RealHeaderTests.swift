import Foundation
import HeaderFile
import Testing
import TestSupport

@Suite("the real LATISS header", .needsConsDBReference)
struct RealHeaderTests {
    static func load() throws -> HeaderFile {
        let bytes = try [UInt8](Data(contentsOf: TestFiles.reference("headers/ATHeaderService_header_AT_O_20240801_000302.yaml")))
        return try HeaderFile.parse(bytes)
    }

    @Test func sectionsInFileOrder() throws {
        let file = try Self.load()
        #expect(file.sections.count == 18)
        #expect(file.sections.first?.name == "PRIMARY")
        #expect(file.sections[1].name == "R00S00_PRIMARY")
        #expect(file.sections[2].name == "R00S00_Segment10")
        #expect(file.sections.last?.name == "R00S00_Segment00")
        #expect(file.primary?.cards.count == 124)
        #expect(file.section("R00S00_PRIMARY")?.cards.count == 18)
        #expect(file.sensorSections.map(\.name) == ["R00S00_PRIMARY"])
        #expect(file.sections.dropFirst(2).allSatisfy { $0.cards.count == 15 })
    }

    @Test func valuesAreTypedAsPyYAMLTypesThem() throws {
        let primary = try #require(try Self.load().primary)
        #expect(primary["SIMPLE"] == .bool(true))
        #expect(primary["DAYOBS"] == .string("20240801"))
        #expect(primary["SEQNUM"] == .int(302))
        #expect(primary["EXPTIME"] == .double(0.93))
        #expect(primary["MJD-BEG"] == .double(60523.72284687701))
        #expect(primary["DATE-BEG"] == .string("2024-08-01T17:20:53.970"))
        #expect(primary["BUNIT"] == .string("adu     "))
        #expect(primary["SEEING"] == .null)
        #expect(primary["HIERARCH SIMULATE ATDOME"] == .int(0))
        #expect(primary["HIERARCH SIMULATE ATMCS"] == .null)
        #expect(primary["OBSANNOT"] == .string("here is a test OBSANNOT string"))
        #expect(primary["NO_SUCH_KEY"] == nil)
        let ccdTemperature = try #require(try Self.load().section("R00S00_PRIMARY")?["CCDTEMP"]?.double)
        #expect(ccdTemperature.isNaN)
    }

    @Test func sectionTitlesAndCommentsAreKeptAsCards() throws {
        let primary = try #require(try Self.load().primary)
        let titles = primary.cards.filter { $0.keyword == nil }
        #expect(titles.first?.comment == "---- Date, night and basic image information ----")
        #expect(titles.allSatisfy { $0.value == .null })
        #expect(primary.cards.filter { $0.keyword == "COMMENT" }.count > 1)
        #expect(primary["COMMENT"] == .string(""))
        // Each keyword once in `keywords`, though COMMENT repeats.
        #expect(primary.keywords.filter { $0 == "COMMENT" }.count == 1)
    }

    @Test func writerRoundTripsTheRealHeader() throws {
        let file = try Self.load()
        let again = try HeaderFile.parse(Array(HeaderFileWriter.yaml(file).utf8))
        #expect(again.sections.map(\.name) == file.sections.map(\.name))
        for (left, right) in zip(file.sections, again.sections) {
            #expect(left.cards.count == right.cards.count)
            for (a, b) in zip(left.cards, right.cards) {
                #expect(a.keyword == b.keyword)
                #expect(a.comment == b.comment)
                if case .double(let x) = a.value, x.isNaN {
                    #expect(b.value.double?.isNaN == true)
                } else {
                    #expect(a.value == b.value, "\(left.name) \(a.keyword ?? "-")")
                }
            }
        }
    }
}
