/// The instruments `hinfo` ingests, with what differs between them: the HeaderService that announces
/// their headers, their schemas per controller, detector numbering and the CSCs whose simulation flags
/// the header carries.
public enum Instrument: String, Sendable, CaseIterable {
    case latiss = "LATISS"
    case lsstComCam = "LSSTComCam"
    case lsstCam = "LSSTCam"

    /// Accepts any letter case (`latiss`, `LSSTCAM`).
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = match
    }

    /// The HeaderService component whose `logevent_largeFileObjectAvailable` announces headers.
    public var headerService: String {
        switch self {
        case .latiss: return "ATHeaderService"
        case .lsstComCam: return "CCHeaderService"
        case .lsstCam: return "MTHeaderService"
        }
    }

    /// `lsst.sal.<HeaderService>.logevent_largeFileObjectAvailable`.
    public var eventTopic: String { "lsst.sal.\(headerService).logevent_largeFileObjectAvailable" }

    /// The ConsDB schema that takes this controller's exposures, or nil when this instrument's headers from
    /// that controller are not ingested (as in the reference: ComCam's simulated images go to their own
    /// schema, every other non-OCS controller is skipped).
    public func schema(for controller: Controller) -> String? {
        switch (self, controller) {
        case (.latiss, .ocs): return "cdb_latiss"
        case (.lsstComCam, .ocs): return "cdb_lsstcomcam"
        case (.lsstComCam, .simulatedImages): return "cdb_lsstcomcamsim"
        case (.lsstCam, .ocs): return "cdb_lsstcam"
        default: return nil
        }
    }

    /// The CSCs whose `SIMULATE <CSC>` keywords say whether the observatory ran in simulation.
    public var simulationCSCs: [String] {
        switch self {
        case .latiss: return ["ATMCS", "ATHEXAPOD", "ATPNEUMATICS", "ATDOME", "ATSPECTROGRAPH"]
        case .lsstComCam, .lsstCam:
            return ["MTMOUNT", "MTM1M3", "MTM2", "CAMHEXAPOD", "M2HEXAPOD", "MTROTATOR", "MTDOME", "MTDOMETRAJECTORY"]
        }
    }

    /// Whether the instrument was on the mountain (not in a lab) on this observing day: LATISS from 2020,
    /// ComCam from 2024-08-24, LSSTCam from 2025-03-01 (PhoSim images always count as on-mountain).
    func isOnMountain(dayObs: Int, controller: Controller?) -> Bool {
        switch self {
        case .latiss: return dayObs >= 20200101
        case .lsstComCam: return dayObs > 20240824
        case .lsstCam: return dayObs > 20250301 || controller == .phosim
        }
    }

    /// The detector number of a sensor (`R22`, `S11`): the camera's numbering (FACTS §2).
    public func detector(raft: String, sensor: String) -> Int? {
        switch self {
        case .latiss:
            return (raft == "RXX" || raft == "R00") && sensor == "S00" ? 0 : nil
        case .lsstComCam:
            guard raft == "R22", let index = Self.scienceSensorIndex(sensor) else { return nil }
            return index
        case .lsstCam:
            if let first = Self.scienceRaftFirstDetector[raft], let index = Self.scienceSensorIndex(sensor) {
                return first + index
            }
            guard let corner = Self.cornerRaftFirstDetector[raft], let offset = Self.cornerSensorOffset[sensor] else { return nil }
            return corner + offset
        }
    }

    /// S00=0, S01=1, S02=2, S10=3, ... S22=8.
    static func scienceSensorIndex(_ sensor: String) -> Int? {
        let digits = Array(sensor.utf8)
        guard digits.count == 3, digits[0] == UInt8(ascii: "S"),
              (48...50).contains(digits[1]), (48...50).contains(digits[2]) else { return nil }
        return Int(digits[1] - 48) * 3 + Int(digits[2] - 48)
    }

    /// The science rafts' first detector numbers (R01 0, R02 9, ... R43 180).
    public static let scienceRaftFirstDetector: [String: Int] = {
        let rafts = ["R01", "R02", "R03", "R10", "R11", "R12", "R13", "R14", "R20", "R21", "R22", "R23", "R24",
                     "R30", "R31", "R32", "R33", "R34", "R41", "R42", "R43"]
        return Dictionary(uniqueKeysWithValues: rafts.enumerated().map { ($1, $0 * 9) })
    }()

    /// Corner rafts hold two guiders and two wavefront sensors each, numbered after the 189 science sensors.
    public static let cornerRaftFirstDetector = ["R00": 189, "R04": 193, "R40": 197, "R44": 201]
    static let cornerSensorOffset = ["SG0": 0, "SG1": 1, "SW0": 2, "SW1": 3]
}
