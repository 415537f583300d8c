import Astrometry
import Foundation
import HeaderFile
import TimeScales

/// Why a header cannot become rows: the keyword or section at fault and what is wrong with it.
public struct HeaderMappingError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Turns a HeaderService header into an ``ExposureRecord``, following the reference's ObservationInfo
/// translation for LSSTCam, ComCam and LATISS (FACTS §4–5), with these deliberate differences:
/// a value the header does not give is nil (stored NULL) instead of a placeholder (the reference's
/// `focus_z` 0.0, `airmass` 1.0, "unknown" programs and targets, 1/1 sequence indices); `simulated` reads
/// the `HIERARCH SIMULATE <CSC>` keywords HeaderService actually writes; `pressure` is always in Pa.
public struct HeaderTranslator: Sendable {
    public var instrument: Instrument
    public var site: ObservingSite

    public init(instrument: Instrument, site: ObservingSite = .cerroPachon) {
        self.instrument = instrument
        self.site = site
    }

    public func translate(_ header: HeaderFile) throws(HeaderMappingError) -> ExposureRecord {
        guard let primary = header.primary else { throw HeaderMappingError("the header has no PRIMARY section") }
        let keywords = HeaderKeywords(primary)

        // Identity.
        guard let seqNum = keywords.int("SEQNUM") else {
            throw HeaderMappingError(keywords.isDefined("SEQNUM") ? "SEQNUM is not an integer: \(primary["SEQNUM"]!)" : "SEQNUM is missing")
        }
        let controllerCode = keywords.string("CONTRLLR")
        let controller = try controllerCode.map { (code) throws(HeaderMappingError) -> Controller in
            guard let controller = Controller(code: code) else { throw HeaderMappingError("CONTRLLR '\(code)' is not one of O, C, H, P, Q, S") }
            return controller
        }
        let times = try ExposureTimes(keywords, instrument: instrument)
        let dayObs = try Self.dayObs(keywords, begin: times.begin)
        let exposureID: Int64
        do {
            exposureID = try ExposureID.make(dayObs: dayObs, seqNum: Int(clamping: seqNum), controller: controller)
        } catch {
            throw HeaderMappingError("cannot form exposure_id from DAYOBS/SEQNUM/CONTRLLR: \(error)")
        }

        var record = ExposureRecord(
            instrument: instrument, controller: controller, controllerCode: controllerCode, exposureID: exposureID,
            exposureName: keywords.firstString("OBSID", "IMGNAME"), dayObs: dayObs, seqNum: Int(seqNum), detectors: []
        )
        record.obsStart = times.begin
        record.obsEnd = times.end
        if let begin = times.begin, let end = times.end { record.expMidpoint = .midpoint(begin, end) }
        record.expTime = times.requested
        record.shutTime = times.exposure
        record.darkTime = times.dark

        // Observation type and purpose.
        let observationType = self.observationType(keywords)
        record.imgType = observationType
        record.observationReason = keywords.firstString("REASON", "TESTTYPE")?.lowercased() ?? (observationType == "science" ? "science" : nil)
        // ComCam's translator derives from LSSTCam's, RUNNUM fallback included.
        record.scienceProgram = keywords.firstString("PROGRAM") ?? (instrument != .latiss ? keywords.firstString("RUNNUM") : nil)
        record.targetName = keywords.firstString("OBJECT")
        record.groupID = keywords.firstString("GROUPID") ?? String(exposureID)
        if let current = keywords.int("CURINDEX") {
            record.curIndex = current
            record.maxIndex = keywords.int("MAXINDEX")
        }
        record.physicalFilter = physicalFilter(keywords)
        record.band = keywords.firstString("FILTBAND")

        // Pointing.
        let onMountain = instrument.isOnMountain(dayObs: dayObs, controller: controller)
        let onSky = onMountain && keywords.string("TRACKSYS")?.lowercased() != "local"
            && !["bias", "dark", "flat"].contains(observationType ?? "")
        let tracking = trackingRADec(keywords, observationType: observationType)
        record.sRA = tracking?.ra
        record.sDec = tracking?.dec
        record.skyRotation = keywords.double("ROTPA") ?? keywords.double("ROTANGLE")
        if onMountain {
            record.altAzStart = Self.horizontal(azimuth: keywords.double("AZSTART"), altitude: keywords.double("ELSTART"))
            record.altAzEnd = Self.horizontal(azimuth: keywords.double("AZEND"), altitude: keywords.double("ELEND"))
        }
        record.altAzMiddle = middleAltAz(tracking: tracking, midpoint: record.expMidpoint, start: record.altAzStart, end: record.altAzEnd)
        if onSky {
            if let airmass = keywords.double("AMSTART") {
                record.airmass = airmass
            } else if let start = record.altAzStart, start.altitude > 0 {
                record.airmass = 1 / sin(start.altitude * .pi / 180)
            }
        }

        // Environment and telescope state.
        record.airTemperature = keywords.double("AIRTEMP")
        record.pressure = keywords.double("PRESSURE").map { $0 > 10_000 ? $0 : $0 * 100 }
        record.humidity = keywords.double("HUMIDITY")
        record.windSpeed = keywords.double("WINDSPD")
        record.windDirection = keywords.double("WINDDIR")
        record.dimmSeeing = keywords.double("SEEING")
        record.focusZ = keywords.double("FOCUSZ")
        record.vignette = keywords.string("VIGNETTE")
        record.vignetteMin = keywords.string("VIGN_MIN")
        record.schedulerNote = keywords.string("OBSANNOT")
        if instrument == .latiss {
            record.domeAzimuth = keywords.double("DOMEAZ")
            record.shutterLower = keywords.double("SHUTLOWR")
            record.shutterUpper = keywords.double("SHUTUPPR")
        }
        record.canSeeSky = canSeeSky(keywords, shutterTime: times.shutter, observationType: observationType, controller: controller)
        record.emulated = emulated(keywords, controller: controller)
        record.simulated = simulated(keywords)

        record.detectors = try detectors(header, exposureID: exposureID)
        return record
    }

    // MARK: Identity and time

    /// int(DAYOBS) (written as 'YYYYMMDD', or as a date); else the TAI date of the start 12 hours earlier.
    static func dayObs(_ keywords: HeaderKeywords, begin: TAITimestamp?) throws(HeaderMappingError) -> Int {
        if let text = keywords.string("DAYOBS") {
            var digits = text.split(separator: "T", maxSplits: 1).first.map(String.init) ?? text
            digits.removeAll { $0 == "-" }
            guard digits.count == 8, let value = Int(digits), CivilDate(yyyymmdd: value) != nil else {
                throw HeaderMappingError("DAYOBS '\(text)' is not a YYYYMMDD date")
            }
            return value
        }
        guard let begin else { throw HeaderMappingError("DAYOBS is missing and no start time gives the observing day") }
        return begin.dayObs
    }

    // MARK: Observation type, filter, pointing

    /// IMGTYPE lowercased (LATISS: OBSTYPE first), with "object" and "skyexp" reading "science".
    func observationType(_ keywords: HeaderKeywords) -> String? {
        let raw = instrument == .latiss ? keywords.firstString("OBSTYPE", "IMGTYPE") : keywords.firstString("IMGTYPE")
        guard let type = raw?.lowercased(), !type.isEmpty else { return nil }
        return type == "object" || type == "skyexp" ? "science" : type
    }

    func physicalFilter(_ keywords: HeaderKeywords) -> String? {
        switch instrument {
        case .latiss:
            let filter = keywords.section["FILTER"]
            let grating = keywords.section["GRATING"]
            if filter == nil && grating == nil { return nil }
            func part(_ value: HeaderValue?, nullMeans: String) -> String {
                guard let value else { return "unknown" }
                guard var text = value.text else { return nullMeans }
                while text.last == " " { text.removeLast() }
                return text.lowercased().hasPrefix("empty") ? "empty" : text
            }
            return part(filter, nullMeans: "unknown") + "~" + part(grating, nullMeans: "empty")
        case .lsstComCam, .lsstCam:
            var parts = ["FILTER", "FILTER1", "FILTER2"].compactMap { keywords.isDefined($0) ? keywords.string($0) : nil }
            guard !parts.isEmpty else { return nil }
            parts = parts.map { $0 == "NONE" ? "none" : $0 }
            var joined = parts.joined(separator: "~")
            while joined.hasSuffix("~empty") { joined.removeLast("~empty".count) }
            return joined
        }
    }

    /// The ICRS position tracked: none for biases and flats, for TRACKSYS other than RADEC, or for
    /// apparent-place frames; RASTART/DECSTART before RA/DEC.
    func trackingRADec(_ keywords: HeaderKeywords, observationType: String?) -> (ra: Double, dec: Double)? {
        if ["bias", "flat"].contains(observationType ?? "") { return nil }
        if keywords.isDefined("TRACKSYS"), keywords.string("TRACKSYS")?.uppercased() != "RADEC" { return nil }
        if keywords.string("RADESYS")?.lowercased() == "gappt" { return nil }
        let pairs = [("RASTART", "DECSTART"), ("RA", "DEC")]
        for (raKey, decKey) in pairs {
            if let ra = keywords.double(raKey), let dec = keywords.double(decKey), (-90...90).contains(dec) {
                return (ra.truncatingRemainder(dividingBy: 360) + (ra < 0 ? 360 : 0), dec)
            }
        }
        return nil
    }

    /// An alt/az pair as the reference keeps it: altitude clamped to [−5.55°, 90°], azimuth wrapped to
    /// [0°, 360°), nothing for values no mount reports (az < −360° or alt < −90°).
    static func horizontal(azimuth: Double?, altitude: Double?) -> ExposureRecord.Horizontal? {
        guard let azimuth, let altitude, azimuth >= -360, altitude >= -90 else { return nil }
        var wrapped = azimuth.truncatingRemainder(dividingBy: 360)
        if wrapped < 0 { wrapped += 360 }
        return ExposureRecord.Horizontal(azimuth: wrapped, altitude: min(90, max(-5.55, altitude)))
    }

    /// Mid-exposure alt/az: the tracked position transformed at the midpoint when there is one, else the
    /// direction halfway between start and end.
    func middleAltAz(tracking: (ra: Double, dec: Double)?, midpoint: TAITimestamp?, start: ExposureRecord.Horizontal?, end: ExposureRecord.Horizontal?) -> ExposureRecord.Horizontal? {
        if let tracking, let midpoint {
            let position = ApparentPlace.horizontal(rightAscension: tracking.ra, declination: tracking.dec, taiUnixSeconds: midpoint.taiUnixSeconds, site: site)
            guard position.azimuth.isFinite, position.altitude.isFinite else { return nil }
            return ExposureRecord.Horizontal(azimuth: position.azimuth, altitude: position.altitude)
        }
        guard let start, let end,
              let mean = HorizontalPosition.mean(HorizontalPosition(azimuth: start.azimuth, altitude: start.altitude),
                                                 HorizontalPosition(azimuth: end.azimuth, altitude: end.altitude))
        else { return nil }
        return ExposureRecord.Horizontal(azimuth: mean.azimuth, altitude: mean.altitude)
    }

    // MARK: Flags

    func canSeeSky(_ keywords: HeaderKeywords, shutterTime: Double?, observationType: String?, controller: Controller?) -> Bool? {
        if shutterTime == 0 { return false }
        if let vignetting = keywords.string("VIGN_MIN") {
            switch vignetting.uppercased() {
            case "FULLY": return false
            case "UNKNOWN": return nil
            default: return true
            }
        }
        guard instrument == .latiss || controller == .phosim else { return nil }
        switch observationType {
        case "science", "object": return true
        case "bias", "dark": return false
        default: return nil
        }
    }

    /// Simulated content anywhere: a simulation controller, or any `SIMULATE` keyword set.
    func emulated(_ keywords: HeaderKeywords, controller: Controller?) -> Bool {
        if controller?.isSimulation == true { return true }
        return keywords.keywords(containing: "SIMULATE").contains { Self.isSet($0.1) }
    }

    /// Whether any of the instrument's CSCs ran in simulation, from `HIERARCH SIMULATE <CSC>` (or the bare
    /// `SIMULATE <CSC>` the reference looks for); nil when the header carries none of these keywords.
    func simulated(_ keywords: HeaderKeywords) -> Bool? {
        var found = false
        for csc in instrument.simulationCSCs {
            for keyword in ["HIERARCH SIMULATE \(csc)", "SIMULATE \(csc)"] {
                guard let value = keywords.section[keyword] else { continue }
                found = true
                if Self.isSet(value) { return true }
            }
        }
        return found ? false : nil
    }

    /// A flag value that is on: true, a non-zero number (also written as text), or other non-empty text.
    static func isSet(_ value: HeaderValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .double(let number): return number != 0 && !number.isNaN
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let number = Double(trimmed) { return number != 0 }
            return !trimmed.isEmpty && trimmed.lowercased() != "false"
        }
    }

    // MARK: Detectors

    /// One row per `<sensor>_PRIMARY` section; a section whose name is not a sensor of this camera makes
    /// the whole header unmappable (a wrong instrument, most likely).
    func detectors(_ header: HeaderFile, exposureID: Int64) throws(HeaderMappingError) -> [DetectorRecord] {
        var records: [DetectorRecord] = []
        var seen = Set<Int>()
        for section in header.sensorSections {
            let sensorName = section.name.dropLast("_PRIMARY".count)
            guard sensorName.count == 6 else { throw HeaderMappingError("section \(section.name) does not name a sensor (RnnSnn_PRIMARY)") }
            let raft = instrument == .latiss ? "RXX" : String(sensorName.prefix(3))
            let sensor = String(sensorName.suffix(3))
            guard let detector = instrument.detector(raft: raft, sensor: sensor) else {
                throw HeaderMappingError("section \(section.name): \(raft)_\(sensor) is not a detector of \(instrument.rawValue)")
            }
            guard seen.insert(detector).inserted else { throw HeaderMappingError("section \(section.name): detector \(detector) appears twice") }
            let id: Int64
            do { id = try DetectorExposureID.make(exposureID: exposureID, detector: detector) } catch {
                throw HeaderMappingError("section \(section.name): \(error)")
            }
            records.append(DetectorRecord(name: "\(raft)_\(sensor)", detector: detector, ccdexposureID: id))
        }
        return records
    }
}
