import TimeScales

/// When an exposure began and ended, and for how long the shutter was open, from the header's time
/// keywords (the reference's `datetime_begin`, `datetime_end`, `exposure_time`, `dark_time`).
struct ExposureTimes {
    var begin: TAITimestamp?
    var end: TAITimestamp?
    /// Requested exposure time (s): `exp_time`.
    var requested: Double?
    /// Actual exposure time (s): `shut_time`.
    var exposure: Double?
    /// SHUTTIME as the translation sees it (LATISS ignores a non-zero one).
    var shutter: Double?
    var dark: Double?

    init(_ keywords: HeaderKeywords, instrument: Instrument) throws(HeaderMappingError) {
        begin = try Self.begin(keywords)
        shutter = keywords.double("SHUTTIME")
        switch instrument {
        case .latiss:
            // obs_lsst's LATISS fix-up drops any non-zero SHUTTIME: EXPTIME is the exposure time.
            if let value = shutter, value != 0 { shutter = nil }
            requested = keywords.double("EXPTIME")
            exposure = requested
            if let darkTime = keywords.double("DARKTIME"), darkTime >= (exposure ?? 0) {
                dark = darkTime
            } else {
                dark = exposure
            }
        case .lsstComCam, .lsstCam:
            requested = keywords.double("EXPTIME")
            if let value = shutter, value > 0 { exposure = value } else { exposure = requested }
            dark = keywords.double("DARKTIME") ?? exposure
        }
        end = try Self.end(keywords, begin: begin, exposureTime: exposure)
    }

    /// The first defined of MJD-BEG, DATE-BEG, MJD-OBS, DATE-OBS, read as TAI whatever TIMESYS says (as
    /// the reference does).
    static func begin(_ keywords: HeaderKeywords) throws(HeaderMappingError) -> TAITimestamp? {
        for keyword in ["MJD-BEG", "DATE-BEG", "MJD-OBS", "DATE-OBS"] where keywords.isDefined(keyword) {
            if keyword.hasPrefix("MJD") {
                guard let mjd = keywords.double(keyword), let time = TAITimestamp(mjd: mjd) else {
                    throw HeaderMappingError("\(keyword) is not an MJD of the years 1900–2199: \(keywords.section[keyword]!)")
                }
                return time
            }
            guard let text = keywords.string(keyword), let time = TAITimestamp(iso: text) else {
                throw HeaderMappingError("\(keyword) is not an ISO date of the years 1900–2199: \(keywords.section[keyword]!)")
            }
            return time
        }
        return nil
    }

    /// DATE-END in the TIMESYS scale (UTC when none is given, as FITS says); else the start plus the
    /// exposure time.
    static func end(_ keywords: HeaderKeywords, begin: TAITimestamp?, exposureTime: Double?) throws(HeaderMappingError) -> TAITimestamp? {
        if keywords.isDefined("DATE-END") {
            guard let text = keywords.string("DATE-END"), let time = TAITimestamp(iso: text) else {
                throw HeaderMappingError("DATE-END is not an ISO date: \(keywords.section["DATE-END"]!)")
            }
            let scale = keywords.string("TIMESYS")?.uppercased() ?? "UTC"
            switch scale {
            case "TAI": return time
            case "UTC":
                // Whole leap seconds, added in integer nanoseconds so no rounding creeps in.
                let offset = LeapSeconds.taiMinusUTC(utcUnixSeconds: time.taiUnixSeconds)
                return time.adding(seconds: offset)
            default:
                throw HeaderMappingError("TIMESYS '\(scale)' is not a time scale this worker converts (TAI or UTC)")
            }
        }
        guard let begin else { return nil }
        guard let exposureTime, exposureTime >= 0 else { return begin }
        guard let end = begin.adding(seconds: exposureTime) else {
            throw HeaderMappingError("exposure time \(exposureTime) s puts the end outside 1900–2199")
        }
        return end
    }
}
