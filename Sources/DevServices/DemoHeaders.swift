import Astrometry
import Foundation
import HeaderFile
import Ingest
import TimeScales

/// One made-up observation, for the demo night, tests and benchmarks.
public struct DemoObservation: Sendable {
    public var instrument: Instrument
    public var controller: Controller = .ocs
    public var dayObs: Int
    public var seqNum: Int
    public var begin: TAITimestamp
    public var exposureTime: Double = 30
    public var imageType: String = "OBJECT"
    public var rightAscension: Double = 150
    public var declination: Double = -30
    public var band: String = "r"
    /// Sensors to write sections for (`R22S11`), default every sensor of the camera.
    public var sensors: [String]

    public init(instrument: Instrument, dayObs: Int, seqNum: Int, begin: TAITimestamp, sensors: [String]? = nil) {
        self.instrument = instrument
        self.dayObs = dayObs
        self.seqNum = seqNum
        self.begin = begin
        self.sensors = sensors ?? DemoHeaders.sensors(of: instrument)
    }

    /// `MC_O_20261124_000012`.
    public var observationID: String {
        let camera = instrument == .latiss ? "AT" : instrument == .lsstComCam ? "CC" : "MC"
        let sequence = String(seqNum)
        return "\(camera)_\(controller.rawValue)_\(dayObs)_" + String(repeating: "0", count: max(0, 6 - sequence.count)) + sequence
    }
}

/// Writes HeaderService-shaped headers for made-up observations: the keywords `hinfo` reads, with
/// consistent times and pointing (alt/az computed from RA/Dec for Cerro Pachón), and one section per sensor.
public enum DemoHeaders {
    /// Every sensor section name of a camera: 205 for LSSTCam (189 science, 8 guider, 8 wavefront), 9 for
    /// ComCam, 1 for LATISS.
    public static func sensors(of instrument: Instrument) -> [String] {
        switch instrument {
        case .latiss: return ["R00S00"]
        case .lsstComCam: return scienceSensors.map { "R22" + $0 }
        case .lsstCam:
            let science = Instrument.scienceRaftFirstDetector.sorted { $0.value < $1.value }.flatMap { raft, _ in scienceSensors.map { raft + $0 } }
            let corners = Instrument.cornerRaftFirstDetector.sorted { $0.value < $1.value }.flatMap { raft, _ in ["SG0", "SG1", "SW0", "SW1"].map { raft + $0 } }
            return science + corners
        }
    }

    static let scienceSensors = ["S00", "S01", "S02", "S10", "S11", "S12", "S20", "S21", "S22"]

    public static func header(_ observation: DemoObservation) -> HeaderFile {
        let end = observation.begin.adding(seconds: observation.exposureTime) ?? observation.begin
        let start = ApparentPlace.horizontal(rightAscension: observation.rightAscension, declination: observation.declination,
                                             taiUnixSeconds: observation.begin.taiUnixSeconds, site: .cerroPachon)
        let finish = ApparentPlace.horizontal(rightAscension: observation.rightAscension, declination: observation.declination,
                                              taiUnixSeconds: end.taiUnixSeconds, site: .cerroPachon)
        let date = observation.begin.isoTextMilliseconds
        let dateEnd = end.isoTextMilliseconds
        func card(_ keyword: String, _ value: HeaderValue, _ comment: String = "") -> HeaderCard {
            HeaderCard(keyword: keyword, value: value, comment: comment)
        }
        var primary: [HeaderCard] = [
            card("SIMPLE", .bool(true)), card("ORIGIN", .string("LSST DM Header Service")),
            HeaderCard(keyword: nil, value: .null, comment: "---- Date, night and basic image information ----"),
            card("TIMESYS", .string("TAI")), card("DATE", .string(date)), card("DATE-OBS", .string(date)),
            card("DATE-BEG", .string(date)), card("DATE-END", .string(dateEnd)),
            card("MJD-OBS", .double(observation.begin.mjd)), card("MJD-BEG", .double(observation.begin.mjd)), card("MJD-END", .double(end.mjd)),
            card("OBSID", .string(observation.observationID)), card("GROUPID", .string("\(date)#1")),
            card("IMGTYPE", .string(observation.imageType)), card("BUNIT", .string("adu     ")),
            HeaderCard(keyword: nil, value: .null, comment: "---- Telescope info, location, observer ----"),
            card("INSTRUME", .string(observation.instrument.rawValue)),
            card("RA", .double(observation.rightAscension)), card("DEC", .double(observation.declination)),
            card("RASTART", .double(observation.rightAscension)), card("DECSTART", .double(observation.declination)),
            card("ROTPA", .double(12.5)), card("ROTCOORD", .string("sky")),
            card("AZSTART", .double(start.azimuth)), card("ELSTART", .double(start.altitude)),
            card("AZEND", .double(finish.azimuth)), card("ELEND", .double(finish.altitude)),
            card("AMSTART", .double(1 / max(0.05, sinDegrees(start.altitude)))),
            card("TRACKSYS", .string("RADEC")), card("RADESYS", .string("ICRS")), card("FOCUSZ", .double(-0.012)),
            card("OBJECT", .string("demo_field_\(observation.seqNum % 7)")),
            card("CAMCODE", .string(observation.instrument == .latiss ? "AT" : observation.instrument == .lsstComCam ? "CC" : "MC")),
            card("CONTRLLR", .string(String(observation.controller.rawValue))), card("DAYOBS", .string(String(observation.dayObs))),
            card("SEQNUM", .int(Int64(observation.seqNum))), card("PROGRAM", .string("DEMO")), card("REASON", .string("Demo_Survey")),
            card("OBSANNOT", .string("demo night")), card("CURINDEX", .int(1)), card("MAXINDEX", .int(1)),
            card("FILTBAND", .string(observation.band)), card("FILTER", .string("\(observation.band)_57")),
            card("EXPTIME", .double(observation.exposureTime)), card("SHUTTIME", .double(observation.exposureTime)),
            card("DARKTIME", .double(observation.exposureTime + 0.25)),
            card("AIRTEMP", .double(11.5)), card("PRESSURE", .double(744.5), "hPa"), card("HUMIDITY", .double(31.0)),
            card("WINDSPD", .double(4.2)), card("WINDDIR", .double(275.0)), card("SEEING", .double(0.71)),
            card("VIGNETTE", .string("NO")), card("VIGN_MIN", .string("NO")),
        ]
        if observation.instrument == .latiss {
            primary += [card("GRATING", .string("empty_1")), card("DOMEAZ", .double(start.azimuth)), card("SHUTLOWR", .double(0)), card("SHUTUPPR", .double(100))]
        }
        primary += observation.instrument.simulationCSCs.map { card("HIERARCH SIMULATE \($0)", .int(0), "\($0) Simulation Mode (False=0)") }
        var sections = [HeaderSection(name: "PRIMARY", cards: primary)]
        for (index, sensor) in observation.sensors.enumerated() {
            sections.append(HeaderSection(name: sensor + "_PRIMARY", cards: [
                card("CCD_MANU", .string("ITL")), card("CCD_TYPE", .string("3800C")), card("CCDTEMP", .double(-100.2)),
                card("LSST_NUM", .string("ITL-3800C-\(100 + index)")), card("RAFTBAY", .string(String(sensor.prefix(3)))),
                card("CCDSLOT", .string(String(sensor.suffix(3)))), card("DETSIZE", .string("[1:4072,1:4000]")),
            ]))
        }
        return HeaderFile(sections: sections)
    }

    static func sinDegrees(_ degrees: Double) -> Double {
        sin(degrees * .pi / 180)
    }
}

extension DemoHeaders {
    /// A night of `count` exposures of 30 s, 40 s apart from 01:00 TAI after the observing day's date, each
    /// pointed at a field well above the horizon, cycling through the bands.
    public static func night(instrument: Instrument, dayObs: Int, count: Int, sensors: [String]? = nil) -> [DemoObservation] {
        let date = String(format: "%04d-%02d-%02dT01:00:00", dayObs / 10000, dayObs / 100 % 100, dayObs % 100)
        guard let evening = TAITimestamp(iso: date)?.adding(seconds: 86400) else { return [] }
        let bands = ["g", "r", "i", "z", "y", "u"]
        return (1...max(1, count)).map { seq in
            var observation = DemoObservation(instrument: instrument, dayObs: dayObs, seqNum: seq, begin: evening.adding(seconds: Double(seq - 1) * 40) ?? evening, sensors: sensors)
            observation.band = bands[(seq - 1) / 4 % bands.count]
            return pointed(observation)
        }
    }

    /// The observation pointed at a field well above the horizon at its start: declination by sequence
    /// number, and the first right ascension (in 5° steps) that puts the field above 45°.
    public static func pointed(_ observation: DemoObservation) -> DemoObservation {
        var observation = observation
        let seq = observation.seqNum
        observation.declination = -20 - Double(seq % 5) * 8
        for step in 0..<72 {
            let ra = Double((seq * 7 + step * 5) % 360)
            let position = ApparentPlace.horizontal(rightAscension: ra, declination: observation.declination,
                                                    taiUnixSeconds: observation.begin.taiUnixSeconds, site: .cerroPachon)
            if position.altitude > 45 {
                observation.rightAscension = ra
                break
            }
        }
        return observation
    }
}
