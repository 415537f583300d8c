import Foundation
import TAP
import Testing

/// UWS values without a database: times, ids, phases.
@Suite struct UWSValueTests {
    @Test func timesAreWrittenInUTCWithMilliseconds() {
        #expect(UWSTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(UWSTime.format(Date(timeIntervalSince1970: 1_796_657_696.789)) == "2026-12-07T15:34:56.789Z")
    }

    @Test(arguments: [
        ("2026-12-07T15:34:56.789Z", 1_796_657_696.789),
        ("2026-12-07T15:34:56Z", 1_796_657_696.0),
        ("2026-12-07T15:34:56", 1_796_657_696.0),
        ("2026-12-07T15:34Z", 1_796_657_640.0),
        ("2026-12-07", 1_796_601_600.0),
        ("2026-12-07T16:34:56+01:00", 1_796_657_696.0),
        ("2026-12-07T10:34:56-0500", 1_796_657_696.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("1960-01-01T00:00:00Z", -315_619_200.0),
    ])
    func iso8601TimesParse(_ text: String, _ seconds: Double) throws {
        let date = try #require(UWSTime.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.0005, "\(text)")
    }

    @Test(arguments: [
        "", "tomorrow", "2026-13-01", "2026-02-30", "2025-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T12:60Z",
        "2026-01-01T12:00:00.Z", "2026-01-01T12:00:00Zjunk", "26-01-01", "2026-1-1", "2026-01-01T12", "2026-01-01T12:00+25:00",
        String(repeating: "2", count: 10_000),
    ])
    func malformedTimesAreRefused(_ text: String) {
        #expect(UWSTime.parse(text) == nil)
    }

    @Test func jobIdsAreRandomHexAndOnlyThatShapeIsAccepted() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = TAPJob.newID()
            #expect(TAPJob.isWellFormedID(id))
            seen.insert(id)
        }
        #expect(seen.count == 1000)
        for bad in ["", "../../etc/passwd", String(repeating: "A", count: 32), String(repeating: "a", count: 31), String(repeating: "g", count: 32)] {
            #expect(!TAPJob.isWellFormedID(bad))
        }
    }

    @Test func phasesParseInAnyCaseAndOnlyTheActiveOnesBlock() {
        #expect(UWSPhase(name: "executing") == .executing)
        #expect(UWSPhase(name: "RUN") == nil)
        #expect(UWSPhase.allCases.filter(\.isActive) == [.pending, .queued, .executing])
    }

    @Test func resultFilesAreNamedByContentType() {
        #expect(TAPJobResult.fileExtension(for: "application/x-votable+xml;serialization=BINARY2") == "xml")
        #expect(TAPJobResult.fileExtension(for: "text/csv; header=present") == "csv")
        #expect(TAPJobResult.fileExtension(for: "text/tab-separated-values") == "tsv")
        #expect(TAPJobResult.fileExtension(for: "application/x-whatever") == "dat")
    }
}
