import HeaderFile
import Ingest
import Foundation
import Testing
import TimeScales

@Suite("header translation rules", .needsConsDBReference)
struct TranslationRulesTests {
    /// The real header with `changes`; for another instrument than LATISS without its LATISS sensor section.
    static func translate(_ changes: [String: HeaderValue?], instrument: Instrument = .latiss) throws -> ExposureRecord {
        var header = try Headers.realLATISS(replacing: changes)
        if instrument != .latiss { header = HeaderFile(sections: header.sections.filter { !$0.name.hasPrefix("R00S00") }) }
        return try HeaderTranslator(instrument: instrument).translate(header)
    }

    static func value(_ record: ExposureRecord, _ name: String) -> ColumnValue? {
        record.exposureColumns.first { $0.0 == name }?.1
    }

    @Test func pressureIsStoredInPascal() throws {
        #expect(try Self.translate(["PRESSURE": .double(735.8)]).pressure == 73580.0)
        #expect(try Self.translate(["PRESSURE": .double(73580.0)]).pressure == 73580.0)
        #expect(try Self.translate(["PRESSURE": nil]).pressure == nil)
    }

    @Test func simulatedReadsTheHierarchKeywords() throws {
        #expect(try Self.translate(["HIERARCH SIMULATE ATDOME": .int(1)]).simulated == true)
        #expect(try Self.translate(["HIERARCH SIMULATE ATDOME": .string("1")]).simulated == true)
        let none: [String: HeaderValue?] = ["HIERARCH SIMULATE ATMCS": nil, "HIERARCH SIMULATE ATHEXAPOD": nil, "HIERARCH SIMULATE ATPNEUMATICS": nil,
                                            "HIERARCH SIMULATE ATDOME": nil, "HIERARCH SIMULATE ATSPECTROGRAPH": nil]
        #expect(try Self.translate(none).simulated == nil)
        #expect(try Self.translate(["HIERARCH SIMULATE ATDOME": .int(1)]).emulated == true)
    }

    @Test func missingIdentityKeywordsAreMappingErrors() throws {
        #expect(throws: HeaderMappingError.self) { try Self.translate(["SEQNUM": nil]) }
        #expect(throws: HeaderMappingError.self) { try Self.translate(["SEQNUM": .string("three")]) }
        #expect(throws: HeaderMappingError.self) { try Self.translate(["DAYOBS": .string("2024-13-45")]) }
        #expect(throws: HeaderMappingError.self) { try Self.translate(["CONTRLLR": .string("X")]) }
        #expect(throws: HeaderMappingError.self) { try Self.translate(["MJD-BEG": .string("yesterday")]) }
        #expect(throws: HeaderMappingError.self) {
            try HeaderTranslator(instrument: .latiss).translate(HeaderFile(sections: []))
        }
    }

    /// Times outside 1900–2199 (or absurd exposure times) are mapping errors, never an arithmetic trap.
    @Test func hostileTimesAreMappingErrors() throws {
        let cases: [[String: HeaderValue?]] = [
            ["MJD-BEG": .double(200_000)], ["MJD-BEG": .double(-1e300)], ["MJD-BEG": .double(.infinity)],
            ["MJD-BEG": nil, "DATE-BEG": .string("2300-01-01T00:00:00")], ["MJD-BEG": nil, "DATE-BEG": .string("1677-01-01T00:00:00")],
            ["DATE-END": .string("9999-12-31T23:59:59")], ["DATE-END": nil, "EXPTIME": .double(1e12)],
            ["DATE-END": nil, "EXPTIME": .double(9e18)],
        ]
        for changes in cases {
            #expect(throws: HeaderMappingError.self, "\(changes)") { try Self.translate(changes) }
        }
        // A NaN exposure time is no exposure time: the end falls back to the start.
        let record = try Self.translate(["DATE-END": nil, "EXPTIME": .double(.nan)])
        #expect(record.obsEnd == record.obsStart)
        #expect(TAITimestamp(iso: "2199-12-31T23:59:59.999")!.adding(seconds: 1) == nil)
        #expect(TAITimestamp.midpoint(TAITimestamp(nanoseconds: .max), TAITimestamp(nanoseconds: .max)).nanoseconds == .max)
    }

    @Test func dayObsFallsBackToTheStartTime() throws {
        // 17:20 TAI on 2024-08-01 is after the 12:00 TAI rollover: still day 20240801; 09:00 is the day before.
        #expect(try Self.translate(["DAYOBS": nil]).dayObs == 20240801)
        let early = try Self.translate(["DAYOBS": nil, "MJD-BEG": nil, "DATE-BEG": .string("2024-08-02T09:00:00.000")])
        #expect(early.dayObs == 20240801)
        #expect(try Self.translate(["DAYOBS": .string("2024-08-01")]).dayObs == 20240801)
    }

    @Test func absentKeywordsGiveNullNotPlaceholders() throws {
        let record = try Self.translate(["FOCUSZ": nil, "PROGRAM": nil, "OBJECT": nil, "CURINDEX": nil, "ROTPA": nil, "AIRTEMP": nil, "REASON": nil, "TESTTYPE": nil])
        #expect(record.focusZ == nil)
        #expect(record.scienceProgram == nil)
        #expect(record.targetName == nil)
        #expect(record.curIndex == nil && record.maxIndex == nil)
        #expect(record.skyRotation == nil)
        #expect(record.airTemperature == nil)
        // A flat with no REASON/TESTTYPE has no reason; a science image would default to "science".
        #expect(record.observationReason == nil)
        #expect(try Self.translate(["REASON": nil, "TESTTYPE": nil, "IMGTYPE": .string("OBJECT")]).observationReason == "science")
        #expect(try Self.translate(["NOT_THERE": nil]).exposureName == "AT_O_20240801_000302")
    }

    @Test func endTimeFallsBackToStartPlusExposure() throws {
        let record = try Self.translate(["DATE-END": nil])
        #expect(record.obsEnd == record.obsStart!.adding(seconds: 0.93)!)
        let utcEnd = try Self.translate(["TIMESYS": .string("UTC")])
        // A UTC DATE-END is 37 s earlier than the same text read as TAI.
        #expect(utcEnd.obsEnd!.nanoseconds - TAITimestamp(iso: "2024-08-01T17:20:55.134")!.nanoseconds == 37_000_000_000)
    }

    @Test func trackedScienceImagesGetSkyPositionsAndAirmass() throws {
        let record = try Self.translate(["IMGTYPE": .string("OBJECT"), "TRACKSYS": .string("RADEC"), "RADESYS": .string("ICRS"), "AMSTART": .double(1.25)])
        // RASTART/DECSTART come before RA/DEC.
        #expect(record.sRA == 103.26093940689663)
        #expect(record.sDec == -78.68457809075902)
        #expect(record.airmass == 1.25)
        #expect(record.imgType == "science")
        #expect(record.canSeeSky == false)  // VIGN_MIN FULLY wins
        let middle = try #require(record.altAzMiddle)
        #expect((0..<360).contains(middle.azimuth))
        #expect((-90...90).contains(middle.altitude))
        // Without AMSTART the airmass is sec(z) at the start.
        let computed = try Self.translate(["IMGTYPE": .string("OBJECT"), "TRACKSYS": .string("RADEC"), "AMSTART": nil])
        #expect(abs(computed.airmass! - 1 / sin(38.960695248799894 * .pi / 180)) < 1e-12)
        #expect(try Self.translate(["IMGTYPE": .string("OBJECT"), "TRACKSYS": .string("LOCAL")]).sRA == nil)
        #expect(try Self.translate(["IMGTYPE": .string("OBJECT"), "TRACKSYS": .string("RADEC"), "RADESYS": .string("GAPPT")]).sRA == nil)
    }

    @Test func altAzOutsideWhatAMountReportsIsNull() throws {
        #expect(try Self.translate(["AZSTART": .double(-999)]).altAzStart == nil)
        #expect(try Self.translate(["ELSTART": .double(-91)]).altAzStart == nil)
        #expect(try Self.translate(["ELSTART": .double(-20)]).altAzStart?.altitude == -5.55)
        #expect(try Self.translate(["ELSTART": nil]).altAzMiddle == nil)
    }

    @Test func canSeeSkyRules() throws {
        #expect(try Self.translate(["VIGN_MIN": .string("NO")]).canSeeSky == true)
        #expect(try Self.translate(["VIGN_MIN": .string("UNKNOWN")]).canSeeSky == nil)
        #expect(try Self.translate(["SHUTTIME": .double(0)]).canSeeSky == false)
        #expect(try Self.translate(["VIGN_MIN": nil, "IMGTYPE": .string("BIAS")]).canSeeSky == false)
        #expect(try Self.translate(["VIGN_MIN": nil, "IMGTYPE": .string("OBJECT")]).canSeeSky == true)
        #expect(try Self.translate(["VIGN_MIN": nil]).canSeeSky == nil)
    }

    @Test func latissFilterAndGrating() throws {
        #expect(try Self.translate(["GRATING": .string("blue300lpmm_qn1")]).physicalFilter == "SDSSr_65mm~blue300lpmm_qn1")
        #expect(try Self.translate(["FILTER": .string("empty_3")]).physicalFilter == "empty~empty")
        #expect(try Self.translate(["GRATING": nil]).physicalFilter == "SDSSr_65mm~unknown")
        #expect(try Self.translate(["GRATING": nil, "FILTER": nil]).physicalFilter == nil)
    }

    @Test func lsstCamFiltersAndDarkTime() throws {
        let record = try Self.translate(["FILTER": .string("r_57"), "FILTER2": .string("empty"), "SHUTTIME": .double(0.95), "DARKTIME": nil], instrument: .lsstCam)
        #expect(record.physicalFilter == "r_57")
        #expect(record.shutTime == 0.95)
        #expect(record.expTime == 0.93)
        #expect(record.darkTime == 0.95)
        #expect(try Self.translate(["FILTER": .string("NONE")], instrument: .lsstCam).physicalFilter == "none")
    }

    @Test func latissIgnoresShutterTimeAndShortDarkTime() throws {
        let record = try Self.translate(["SHUTTIME": .double(0.95), "DARKTIME": .double(0.5)])
        #expect(record.shutTime == 0.93)
        #expect(record.darkTime == 0.93)
    }
}
