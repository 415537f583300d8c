import HeaderFile
import Ingest
import Testing
import TimeScales

/// The real LATISS header translated column by column. Expected values are FACTS.md §6's derivation
/// (computed with astropy from the reference's rules), except where this worker deliberately differs:
/// `simulated` (read from the HIERARCH SIMULATE keywords: false, not NULL).
@Suite("header translation: the real LATISS header", .needsConsDBReference)
struct TranslationTests {
    static func record() throws -> ExposureRecord {
        try HeaderTranslator(instrument: .latiss).translate(Headers.realLATISS())
    }

    static func column(_ name: String) throws -> ColumnValue {
        let columns = try record().exposureColumns
        return try #require(columns.first { $0.0 == name }?.1, "no column \(name)")
    }

    static func double(_ name: String) throws -> Double? {
        switch try column(name) {
        case .double(let value): return value
        case .null: return nil
        case let other: Issue.record("\(name) is \(other)"); return nil
        }
    }

    @Test func identity() throws {
        let record = try Self.record()
        #expect(record.exposureID == 2024080100302)
        #expect(try Self.column("exposure_name") == .text("AT_O_20240801_000302"))
        #expect(try Self.column("controller") == .text("O"))
        #expect(try Self.column("day_obs") == .int(20240801))
        #expect(try Self.column("seq_num") == .int(302))
        #expect(record.detectors == [DetectorRecord(name: "RXX_S00", detector: 0, ccdexposureID: 44677803520)])
    }

    @Test func textColumns() throws {
        let expected: [String: ColumnValue] = [
            "physical_filter": .text("SDSSr_65mm~empty"), "band": .text("r"), "img_type": .text("flat"),
            "observation_reason": .text("block-271_1"), "science_program": .text("BLOCK-271"),
            "target_name": .text("FlatField position"), "group_id": .text("BL271_O_20240801_000001"),
            "vignette": .text("FULLY"), "vignette_min": .text("FULLY"), "scheduler_note": .text("here is a test OBSANNOT string"),
        ]
        for (name, value) in expected {
            #expect(try Self.column(name) == value, "\(name)")
        }
    }

    @Test func timesAreTAI() throws {
        // The start comes from MJD-BEG (first in the reference's order), 0.17 ms after DATE-BEG; times are
        // stored to the millisecond as the reference's astropy ISO text has them.
        #expect(try Self.record().obsStart == TAITimestamp(mjd: 60523.72284687701))
        #expect(try Self.column("obs_start").postgresText == "2024-08-01T17:20:53.970")
        #expect(try Self.column("obs_end").postgresText == "2024-08-01T17:20:55.134")
        #expect(try Self.column("exp_midpt").postgresText == "2024-08-01T17:20:54.552")
        #expect(abs(try #require(try Self.double("obs_start_mjd")) - 60523.72284687701) < 1e-9)
        #expect(abs(try #require(try Self.double("obs_end_mjd")) - 60523.722860347225) < 1e-9)
        #expect(abs(try #require(try Self.double("exp_midpt_mjd")) - 60523.72285361212) < 1e-9)
        #expect(try Self.double("exp_time") == 0.93)
        #expect(try Self.double("shut_time") == 0.93)
        #expect(try Self.double("dark_time") == 1.1633970737457275)
        #expect(try Self.column("cur_index") == .int(1))
        #expect(try Self.column("max_index") == .int(1))
    }

    @Test func pointingOfAFlat() throws {
        // A flat tracks nothing: no s_ra/s_dec/airmass; mid-exposure alt/az is the mean of start and end.
        #expect(try Self.double("s_ra") == nil)
        #expect(try Self.double("s_dec") == nil)
        #expect(try Self.double("airmass") == nil)
        #expect(try Self.double("sky_rotation") == 2.4620564838684063)
        let expected: [String: Double] = [
            "azimuth_start": 188.76149903304022, "azimuth_end": 188.76144577649436, "azimuth": 188.76147240477508,
            "altitude_start": 38.960695248799894, "altitude_end": 38.960736728966296, "altitude": 38.96071598888612,
            "zenith_distance_start": 51.039304751200106, "zenith_distance_end": 90 - 38.960736728966296,
            "zenith_distance": 90 - 38.96071598888612,
        ]
        for (name, value) in expected {
            let actual = try #require(try Self.double(name), "\(name) is NULL")
            #expect(abs(actual - value) < 1e-9, "\(name): \(actual) vs \(value)")
        }
    }

    @Test func environmentAndFlags() throws {
        #expect(try Self.double("air_temp") == 8.949999809265137)
        #expect(try Self.double("pressure") == 73580.0)
        #expect(try Self.double("humidity") == 28.0)
        #expect(try Self.double("wind_speed") == 18.59819984436035)
        #expect(try Self.double("wind_dir") == 13.384214401245117)
        #expect(try Self.double("dimm_seeing") == nil)
        #expect(try Self.double("focus_z") == 0.0)
        #expect(try Self.double("dome_azimuth") == 2.58)
        #expect(try Self.double("shut_lower") == 0.0)
        #expect(try Self.double("shut_upper") == 0.0)
        #expect(try Self.column("can_see_sky") == .bool(false))
        #expect(try Self.column("emulated") == .bool(false))
        // The reference never finds these keywords (NULL); HeaderService writes them with HIERARCH.
        #expect(try Self.column("simulated") == .bool(false))
        // s_region needs camera geometry this worker does not have: never filled.
        #expect(!(try Self.record().exposureColumns.contains { $0.0 == "s_region" }))
    }
}
