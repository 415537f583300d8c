import TimeScales

/// The camera controller that took an image (`CONTRLLR`). The raw values' order is part of the exposure
/// id encoding (FACTS §2): never reorder.
public enum Controller: Character, Sendable, CaseIterable {
    /// Observatory control system.
    case ocs = "O"
    /// Camera control system.
    case ccs = "C"
    /// PhoSim.
    case phosim = "H"
    /// Simulated OCS.
    case simulatedOCS = "P"
    /// Simulated CCS.
    case simulatedCCS = "Q"
    /// Simulated images.
    case simulatedImages = "S"

    /// Position in the encoding order O, C, H, P, Q, S.
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    /// The controllers whose images are simulated content.
    public var isSimulation: Bool { [.phosim, .simulatedOCS, .simulatedCCS, .simulatedImages].contains(self) }

    public init?(code: String) {
        guard code.count == 1, let controller = Controller(rawValue: code.first!) else { return nil }
        self = controller
    }
}

/// Why an exposure or detector id cannot be formed.
public struct IdentityError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The LSST exposure id: `day_obs * 100000 + seq_num`, with a thousand years added per controller index
/// where the controller still counts (FACTS §2).
public enum ExposureID {
    /// The largest id any LSST translator produces.
    public static let maximum: Int64 = 7_050_123_199_999

    /// Forms the id. `controller` nil (test stands) leaves the day alone.
    public static func make(dayObs: Int, seqNum: Int, controller: Controller?) throws(IdentityError) -> Int64 {
        guard (1000_00_00...9999_99_99).contains(dayObs) else { throw IdentityError("day_obs \(dayObs) is not a YYYYMMDD date") }
        guard (0..<100_000).contains(seqNum) else { throw IdentityError("seq_num \(seqNum) is not below 100000") }
        var day = dayObs
        if let controller, countsInID(controller, dayObs: dayObs) {
            day += 10_000_000 * controller.index
        }
        return Int64(day) * 100_000 + Int64(seqNum)
    }

    /// Whether the controller still shifts the id: CCS stopped after 2023-10-04 and the simulation
    /// controllers P, Q and S after 2025-04-17, when sequence counters were unified; PhoSim always does.
    static func countsInID(_ controller: Controller, dayObs: Int) -> Bool {
        switch controller {
        case .ocs: return false
        case .ccs: return dayObs <= 20231004
        case .phosim: return true
        case .simulatedOCS, .simulatedCCS, .simulatedImages: return dayObs <= 20250417
        }
    }

    /// Splits an id into day_obs, seq_num and controller (assumes the years 2000–2999 per controller).
    public static func unpack(_ id: Int64) throws(IdentityError) -> (dayObs: Int, seqNum: Int, controller: Controller) {
        guard id > 0, id <= maximum else { throw IdentityError("exposure id \(id) is out of range") }
        var (day, seq) = id.quotientAndRemainder(dividingBy: 100_000)
        let controllerIndex = Int(day / 10_000_000) - 2
        guard Controller.allCases.indices.contains(controllerIndex) else { throw IdentityError("exposure id \(id) has no controller digit") }
        day -= Int64(controllerIndex) * 10_000_000
        return (Int(day), Int(seq), Controller.allCases[controllerIndex])
    }
}

/// The detector-exposure id (`ccdexposure_id`) of LSSTCam, ComCam and LATISS: obs_lsst's
/// `RubinDimensionPacker` with controllers, `det + 256*(seq + 32768*(days since 2010-01-01 + 16384*ctrl))`.
public enum DetectorExposureID {
    public static func make(exposureID: Int64, detector: Int) throws(IdentityError) -> Int64 {
        let (dayObs, seqNum, controller) = try ExposureID.unpack(exposureID)
        guard (0..<256).contains(detector) else { throw IdentityError("detector \(detector) is not in 0..<256") }
        guard seqNum < 32768 else { throw IdentityError("seq_num \(seqNum) does not fit a detector-exposure id (limit 32767)") }
        guard let days = CivilDate(yyyymmdd: dayObs).map({ $0.daysSinceEpoch - CivilDate.packerEpoch.daysSinceEpoch }), days >= 0, days < 16384 else {
            throw IdentityError("day_obs \(dayObs) is outside 2010-01-01 ... 2054-11 for a detector-exposure id")
        }
        let controllerIndex = Int64(controller.index)
        return Int64(detector) + 256 * (Int64(seqNum) + 32768 * (Int64(days) + 16384 * controllerIndex))
    }
}

extension CivilDate {
    /// Day 0 of the detector-exposure id's day count.
    static let packerEpoch = CivilDate(year: 2010, month: 1, day: 1)
}

