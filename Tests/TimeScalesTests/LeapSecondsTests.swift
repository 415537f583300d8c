import Foundation
import Testing
@testable import TimeScales

@Suite("LeapSeconds")
struct LeapSecondsTests {
    // UTC Unix seconds of some instants (POSIX time, e.g. `date -u -d 2017-01-01 +%s`).
    static let utc1972 = 63_072_000.0           // 1972-01-01T00:00:00Z
    static let utc1999 = 930_787_200.0          // 1999-07-01T00:00:00Z
    static let utc2017 = 1_483_228_800.0        // 2017-01-01T00:00:00Z
    static let utc2024 = 1_722_532_817.552      // 2024-08-01T17:20:17.552Z

    @Test("TAI - UTC at known dates")
    func knownValues() {
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: Self.utc1972) == 10)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: 78_796_800) == 11)     // 1972-07-01
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: 78_796_799.5) == 10)   // just before
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: Self.utc1999) == 32)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: Self.utc2017 - 1) == 36) // 2016-12-31T23:59:59
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: Self.utc2017 - 0.001) == 36)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: Self.utc2017) == 37)     // 2017-01-01T00:00:00
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: Self.utc2024) == 37)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: 2_082_715_200) == 37)    // 2035-12-31
    }

    @Test("before 1972 the 10 s offset is used")
    func before1972() {
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: 0) == 10)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: -1e9) == 10)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1000) == 990)
    }

    @Test("the table is the IERS one: 28 one-second steps from 10 s to 37 s")
    func tableShape() {
        let table = LeapSeconds.table
        #expect(table.count == 28)
        #expect(table.first?.taiMinusUTC == 10)
        #expect(table.last?.taiMinusUTC == 37)
        #expect(table.first?.utcUnixSeconds == Self.utc1972)
        #expect(table.last?.utcUnixSeconds == Self.utc2017)
        for (earlier, later) in zip(table, table.dropFirst()) {
            #expect(later.taiMinusUTC - earlier.taiMinusUTC == 1)
            #expect(later.utcUnixSeconds > earlier.utcUnixSeconds)
            // Steps happen at 00:00:00 UTC on 1 January or 1 July.
            #expect(later.utcUnixSeconds.truncatingRemainder(dividingBy: 86_400) == 0)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
    }

    @Test("the astropy reference instant: 2024-08-01T17:20:54.552 TAI = 17:20:17.552 UTC")
    func referenceInstant() {
        // astropy: Time("2024-08-01T17:20:54.552", scale="tai").unix_tai == 1722532854.552
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1_722_532_854.552) == Self.utc2024)
        #expect(LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: Self.utc2024) == 1_722_532_854.552)
    }

    @Test("around the 2016-12-31 leap second")
    func leapSecond() {
        // 23:59:59 UTC is TAI 1483228835; the leap second 23:59:60 is TAI [1483228836, 1483228837).
        #expect(LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: Self.utc2017 - 1) == 1_483_228_835)
        #expect(LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: Self.utc2017) == 1_483_228_837)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1_483_228_835.5) == Self.utc2017 - 0.5)
        // Inside the leap second the UTC Unix time holds at the following midnight.
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1_483_228_836) == Self.utc2017)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1_483_228_836.75) == Self.utc2017)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1_483_228_837) == Self.utc2017)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: 1_483_228_837.25) == Self.utc2017 + 0.25)

        // Continuous and non-decreasing across it.
        var previous = -Double.infinity
        for step in 0...400 {
            let tai = 1_483_228_834 + Double(step) * 0.01
            let utc = LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: tai)
            #expect(utc >= previous)
            #expect(utc - previous < 0.011 || previous == -.infinity)
            previous = utc
        }
    }

    @Test("UTC -> TAI -> UTC round trips, 1972-2040")
    func roundTripFromUTC() {
        var utc = Self.utc1972 - 86_400 * 30
        while utc < 2_208_988_800 {                 // 2040-01-01
            let tai = LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc)
            #expect(abs(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: tai) - utc) < 1e-6)
            #expect(tai - utc == LeapSeconds.taiMinusUTC(utcUnixSeconds: utc))
            utc += 86_400 * 9.7 + 0.123             // not aligned with days, hits many offsets
        }
        // Right at every step and just before it.
        for entry in LeapSeconds.table {
            for utc in [entry.utcUnixSeconds, entry.utcUnixSeconds - 0.5, entry.utcUnixSeconds + 0.5] {
                let tai = LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc)
                #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: tai) == utc)
            }
        }
    }

    @Test("TAI -> UTC -> TAI round trips outside leap seconds")
    func roundTripFromTAI() {
        for tai in [1_000_000.0, 500_000_000.25, 1_483_228_835.999, 1_483_228_837.0, 1_722_532_854.552, 2_082_715_200] {
            let utc = LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: tai)
            #expect(abs(LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc) - tai) < 1e-6)
        }
    }

    @Test("non-finite input")
    func nonFinite() {
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: .nan).isNaN)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: .nan).isNaN)
        #expect(LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: .nan).isNaN)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: .infinity) == 37)
        #expect(LeapSeconds.taiMinusUTC(utcUnixSeconds: -.infinity) == 10)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: .infinity) == .infinity)
        #expect(LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: -.infinity) == -.infinity)
    }
}
