import Consistency
import Testing

@Suite("seq_num runs and observing days")
struct SeqNumRunsTests {
    @Test func runsCollapse() {
        #expect(SeqNumRuns.text([]) == "")
        #expect(SeqNumRuns.text([7]) == "7")
        #expect(SeqNumRuns.text([3, 1, 2, 7]) == "1-3,7")
        #expect(SeqNumRuns.text([1, 1, 2, 4, 5, 6, 9, 10]) == "1-2,4-6,9-10")
    }

    @Test func dayObsParsing() {
        #expect(DayObs("20240801")?.value == 20240801)
        #expect(DayObs("20240229")?.value == 20240229)
        for bad in ["2023022", "20230229", "20241301", "2024-08-01", "+2024080", "２０２４０８０１", "", "20240800", "1' OR 1"] {
            #expect(DayObs(bad) == nil, "\(bad)")
        }
    }
}
