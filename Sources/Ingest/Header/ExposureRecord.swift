/// Everything `hinfo` derives from one header: the exposure row's values and one row per detector.
/// Optional properties are nil when the header cannot fill them; they are written as NULL.
import TimeScales

public struct ExposureRecord: Sendable {
    public var instrument: Instrument
    public var controller: Controller?
    public var controllerCode: String?
    public var exposureID: Int64
    public var exposureName: String?
    public var dayObs: Int
    public var seqNum: Int

    public var obsStart: TAITimestamp?
    public var obsEnd: TAITimestamp?
    public var expMidpoint: TAITimestamp?
    public var expTime: Double?
    public var shutTime: Double?
    public var darkTime: Double?

    public var groupID: String?
    public var curIndex: Int64?
    public var maxIndex: Int64?
    public var imgType: String?
    public var scienceProgram: String?
    public var observationReason: String?
    public var targetName: String?
    public var physicalFilter: String?
    public var band: String?

    public var sRA: Double?
    public var sDec: Double?
    public var skyRotation: Double?
    public var altAzStart: Horizontal?
    public var altAzEnd: Horizontal?
    public var altAzMiddle: Horizontal?
    public var airmass: Double?

    public var airTemperature: Double?
    /// Pa, whatever unit the header used.
    public var pressure: Double?
    public var humidity: Double?
    public var windSpeed: Double?
    public var windDirection: Double?
    public var dimmSeeing: Double?
    public var focusZ: Double?
    public var domeAzimuth: Double?
    public var shutterLower: Double?
    public var shutterUpper: Double?
    public var vignette: String?
    public var vignetteMin: String?
    public var schedulerNote: String?

    public var canSeeSky: Bool?
    public var emulated: Bool?
    public var simulated: Bool?

    public var detectors: [DetectorRecord]

    /// Azimuth (degrees, [0, 360), north through east) and altitude (degrees).
    public struct Horizontal: Sendable, Equatable {
        public var azimuth: Double
        public var altitude: Double
        public var zenithDistance: Double { 90 - altitude }

        public init(azimuth: Double, altitude: Double) {
            self.azimuth = azimuth
            self.altitude = altitude
        }
    }
}

/// One `ccdexposure` row.
public struct DetectorRecord: Sendable, Equatable {
    /// `R22_S11`.
    public var name: String
    public var detector: Int
    public var ccdexposureID: Int64

    public init(name: String, detector: Int, ccdexposureID: Int64) {
        self.name = name
        self.detector = detector
        self.ccdexposureID = ccdexposureID
    }
}

extension ExposureRecord {
    /// The `exposure` row: column name to value, for every column this record can fill. Columns the
    /// target table lacks are dropped by the writer.
    public var exposureColumns: [(String, ColumnValue)] {
        var columns: [(String, ColumnValue)] = [
            ("exposure_id", .int(exposureID)),
            ("exposure_name", .text(exposureName)),
            ("controller", .text(controllerCode)),
            ("day_obs", .int(Int64(dayObs))),
            ("seq_num", .int(Int64(seqNum))),
            ("physical_filter", .text(physicalFilter)),
            ("band", .text(band)),
            ("s_ra", .double(sRA)),
            ("s_dec", .double(sDec)),
            ("sky_rotation", .double(skyRotation)),
            ("azimuth_start", .double(altAzStart?.azimuth)),
            ("azimuth_end", .double(altAzEnd?.azimuth)),
            ("azimuth", .double(altAzMiddle?.azimuth)),
            ("altitude_start", .double(altAzStart?.altitude)),
            ("altitude_end", .double(altAzEnd?.altitude)),
            ("altitude", .double(altAzMiddle?.altitude)),
            ("zenith_distance_start", .double(altAzStart?.zenithDistance)),
            ("zenith_distance_end", .double(altAzEnd?.zenithDistance)),
            ("zenith_distance", .double(altAzMiddle?.zenithDistance)),
            ("airmass", .double(airmass)),
            ("exp_midpt", .timestamp(expMidpoint)),
            ("exp_midpt_mjd", .double(expMidpoint?.mjd)),
            ("obs_start", .timestamp(obsStart)),
            ("obs_start_mjd", .double(obsStart?.mjd)),
            ("obs_end", .timestamp(obsEnd)),
            ("obs_end_mjd", .double(obsEnd?.mjd)),
            ("exp_time", .double(expTime)),
            ("shut_time", .double(shutTime)),
            ("dark_time", .double(darkTime)),
            ("group_id", .text(groupID)),
            ("cur_index", .int(curIndex)),
            ("max_index", .int(maxIndex)),
            ("img_type", .text(imgType)),
            ("emulated", .bool(emulated)),
            ("science_program", .text(scienceProgram)),
            ("observation_reason", .text(observationReason)),
            ("target_name", .text(targetName)),
            ("air_temp", .double(airTemperature)),
            ("pressure", .double(pressure)),
            ("humidity", .double(humidity)),
            ("wind_speed", .double(windSpeed)),
            ("wind_dir", .double(windDirection)),
            ("dimm_seeing", .double(dimmSeeing)),
            ("focus_z", .double(focusZ)),
            ("simulated", .bool(simulated)),
            ("vignette", .text(vignette)),
            ("vignette_min", .text(vignetteMin)),
            ("scheduler_note", .text(schedulerNote)),
            ("can_see_sky", .bool(canSeeSky)),
        ]
        if instrument == .latiss {
            columns += [
                ("dome_azimuth", .double(domeAzimuth)),
                ("shut_lower", .double(shutterLower)),
                ("shut_upper", .double(shutterUpper)),
            ]
        }
        return columns
    }

    /// The `ccdexposure` rows.
    public var detectorColumns: [[(String, ColumnValue)]] {
        detectors.map { detector in
            [
                ("ccdexposure_id", .int(detector.ccdexposureID)),
                ("exposure_id", .int(exposureID)),
                ("day_obs", .int(Int64(dayObs))),
                ("seq_num", .int(Int64(seqNum))),
                ("detector", .int(Int64(detector.detector))),
            ]
        }
    }
}

/// A value for one column, sent to PostgreSQL in text form.
public enum ColumnValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)
    case timestamp(TAITimestamp)

    static func text(_ value: String?) -> ColumnValue { value.map(ColumnValue.text) ?? .null }
    static func int(_ value: Int64?) -> ColumnValue { value.map(ColumnValue.int) ?? .null }
    /// Non-finite numbers fill no column: NaN is the header's way of saying "unknown".
    static func double(_ value: Double?) -> ColumnValue {
        guard let value, value.isFinite else { return .null }
        return .double(value)
    }
    static func bool(_ value: Bool?) -> ColumnValue { value.map(ColumnValue.bool) ?? .null }
    static func timestamp(_ value: TAITimestamp?) -> ColumnValue { value.map(ColumnValue.timestamp) ?? .null }

    /// PostgreSQL's text form; nil for NULL. Doubles use the shortest text that reads back exactly.
    public var postgresText: String? {
        switch self {
        case .null: return nil
        case .bool(let value): return value ? "t" : "f"
        case .int(let value): return String(value)
        case .double(let value): return value.description
        case .text(let value): return value
        // To the millisecond, as the reference's astropy ISO strings (the schema promises 10 ms).
        case .timestamp(let value): return value.isoTextMilliseconds
        }
    }

    public var isNull: Bool { self == .null }
}
