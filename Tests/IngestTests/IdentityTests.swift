import DevServices
import Ingest
import Testing
import TimeScales

@Suite("exposure and detector ids")
struct IdentityTests {
    @Test(arguments: [
        (20240801, 302, Controller.ocs, Int64(2024080100302)),
        (20190319, 1, .ccs, 3019031900001),
        (20240403, 451, .simulatedImages, 7024040300451),
        (20231005, 7, .ccs, 2023100500007),  // CCS stopped counting after 2023-10-04
        (20250418, 9, .simulatedImages, 2025041800009),  // simulation controllers after 2025-04-17
        (20260101, 3, .phosim, 4026010100003),  // PhoSim always counts
    ])
    func exposureIDs(_ dayObs: Int, _ seqNum: Int, _ controller: Controller, _ expected: Int64) throws {
        #expect(try ExposureID.make(dayObs: dayObs, seqNum: seqNum, controller: controller) == expected)
    }

    @Test func exposureIDLimits() {
        #expect(throws: IdentityError.self) { try ExposureID.make(dayObs: 20240801, seqNum: 100_000, controller: .ocs) }
        #expect(throws: IdentityError.self) { try ExposureID.make(dayObs: 2024080, seqNum: 1, controller: .ocs) }
        #expect(throws: IdentityError.self) { try ExposureID.make(dayObs: 20240801, seqNum: -1, controller: .ocs) }
    }

    /// Expected values from obs_lsst's own tests and the reference's ComCamSim fixture (FACTS §2).
    @Test(arguments: [
        (Int64(2026031500051), 1, Int64(0xb8e803301)),
        (3019031900001, 29, 0x269200011d),
        (2023110700078, 1, 0x9e1004e01),
        (7024040300451, 0, 730865976064),
        (2024080100302, 0, 44677803520),
    ])
    func detectorExposureIDs(_ exposureID: Int64, _ detector: Int, _ expected: Int64) throws {
        #expect(try DetectorExposureID.make(exposureID: exposureID, detector: detector) == expected)
    }

    @Test func detectorExposureIDLimits() {
        #expect(throws: IdentityError.self) { try DetectorExposureID.make(exposureID: 2024080100302, detector: 256) }
        #expect(throws: IdentityError.self) { try DetectorExposureID.make(exposureID: 2024080140000, detector: 0) }
        #expect(throws: IdentityError.self) { try DetectorExposureID.make(exposureID: 2009123100001, detector: 0) }
    }

    @Test func lsstCamNumbersEveryDetectorOnce() {
        let sensors = DemoHeaders.sensors(of: .lsstCam)
        #expect(sensors.count == 205)
        let numbers = sensors.compactMap { Instrument.lsstCam.detector(raft: String($0.prefix(3)), sensor: String($0.suffix(3))) }
        #expect(numbers.sorted() == Array(0...204))
        #expect(Instrument.lsstCam.detector(raft: "R22", sensor: "S11") == 94)
        #expect(Instrument.lsstCam.detector(raft: "R00", sensor: "SW1") == 192)
        #expect(Instrument.lsstCam.detector(raft: "R44", sensor: "SW1") == 204)
        #expect(Instrument.lsstCam.detector(raft: "R00", sensor: "S11") == nil)
        #expect(Instrument.lsstComCam.detector(raft: "R22", sensor: "S22") == 8)
        #expect(Instrument.lsstComCam.detector(raft: "R21", sensor: "S22") == nil)
    }

    @Test func schemasPerController() {
        #expect(Instrument.lsstComCam.schema(for: .simulatedImages) == "cdb_lsstcomcamsim")
        #expect(Instrument.lsstCam.schema(for: .ccs) == nil)
        #expect(Instrument(name: "lsstcam") == .lsstCam)
        #expect(Instrument.latiss.eventTopic == "lsst.sal.ATHeaderService.logevent_largeFileObjectAvailable")
    }

    @Test func taiTimestamps() throws {
        let time = try #require(TAITimestamp(iso: "2024-08-01T17:20:53.970"))
        #expect(time.isoText == "2024-08-01T17:20:53.970000")
        #expect(TAITimestamp(mjd: time.mjd)!.isoText == time.isoText)
        #expect(TAITimestamp(iso: "2024-08-01")?.isoText == "2024-08-01T00:00:00.000000")
        #expect(TAITimestamp(iso: "1969-12-31T23:59:59.5")?.nanoseconds == -500_000_000)
        #expect(TAITimestamp(iso: "1969-12-31T23:59:59.5")?.isoText == "1969-12-31T23:59:59.500000")
        for bad in ["", "2024-8-01", "2024-02-30T00:00:00", "2024-08-01T25:00:00", "2024-08-01T17:20:53.", "2024-08-01Tab:cd:ef", "yesterday"] {
            #expect(TAITimestamp(iso: bad) == nil, "\(bad)")
        }
        #expect(TAITimestamp(mjd: .nan) == nil)
        #expect(time.dayObs == 20240801)
        #expect(TAITimestamp(iso: "2024-08-02T11:59:59")!.dayObs == 20240801)
        #expect(TAITimestamp(iso: "2024-08-02T12:00:00")!.dayObs == 20240802)
    }
}
