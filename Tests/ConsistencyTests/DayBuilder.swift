import Consistency
import Felis
import FelisCatalog
import Foundation
import Ingest
import Postgres
import TestSupport

/// A ConsDB database with the real Felis schemas of LSSTCam and LATISS (and their EFD schemas), the
/// ingest tables, and days of exposures written the way a correct night leaves them.
struct ConsistencyDatabase {
    let url: String
    let connection: Connection

    static let day = DayObs("20240801")!
    static let lsstcamDetectors = Array(0...204)
    static let guiders = [189, 190, 193, 194, 197, 198, 201, 202]
    static let wavefront = [191, 192, 195, 196, 199, 200, 203, 204]

    /// A fresh database with the schemas; foreign keys dropped, because the rules check exactly what a
    /// database without them (as the reference's are) could hold, and the broken days must be writable.
    static func with<T: Sendable>(_ body: (ConsistencyDatabase) async throws -> T) async throws -> T {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            for name in ["cdb_lsstcam", "cdb_latiss", "efd_lsstcam", "efd_latiss"] {
                try await SchemaApplier.apply(felisFile: ReferenceData.felis("\(name).yaml"), on: connection)
            }
            let constraints = try await connection.query("""
                SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(k.conname)
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE k.contype = 'f' AND (n.nspname LIKE 'cdb\\_%' OR n.nspname LIKE 'efd\\_%')
                """).rows
            for row in constraints { _ = try await connection.execute("ALTER TABLE \(row[0]!) DROP CONSTRAINT \(row[1]!)") }
            try await DeadLetters.create(on: connection)
            let pool = ConnectionPool(configuration: .init(conninfo: url, maxConnections: 1))
            try await BatchTaskQueue(pool: pool).create()
            await pool.shutdown()
            try await CheckLog.create(on: connection)
            return try await body(ConsistencyDatabase(url: url, connection: connection))
        }
    }

    /// One exposure of a day: its number and type.
    struct Exposure {
        var seq: Int
        var imgType: String
    }

    /// LSSTCam's correct day: one exposure of each kind the rules treat differently.
    static let lsstcamNight = [
        Exposure(seq: 1, imgType: "science"), Exposure(seq: 2, imgType: "acq"), Exposure(seq: 3, imgType: "cwfs"),
        Exposure(seq: 4, imgType: "bias"), Exposure(seq: 5, imgType: "indome"), Exposure(seq: 6, imgType: "flat"),
    ]
    static let latissNight = [
        Exposure(seq: 1, imgType: "science"), Exposure(seq: 2, imgType: "bias"), Exposure(seq: 3, imgType: "engtest"),
    ]

    static func exposureID(_ seq: Int, day: DayObs = day) -> Int { day.value * 100_000 + seq }
    static func ccdID(_ seq: Int, _ detector: Int, day: DayObs = day) -> Int { exposureID(seq, day: day) * 1000 + detector }

    /// Writes a correct LSSTCam day: 205 ccdexposure rows each; quicklook rows as the pipelines make them
    /// (exposure_quicklook for on-sky types, visit1_quicklook for all but indome/test, ccdexposure_quicklook
    /// for all but guiders, only science detectors for cwfs, ccdvisit1_quicklook for 193 detectors of
    /// science and acq); EFD rows for every exposure and visit.
    func writeLSSTCamDay(_ exposures: [Exposure] = lsstcamNight, day: DayObs = ConsistencyDatabase.day, obsEnd: String? = nil) async throws {
        let schema = "cdb_lsstcam"
        for exposure in exposures {
            try await writeExposure(schema: schema, efdSchema: "efd_lsstcam", exposure, day: day, detectors: Self.lsstcamDetectors, obsEnd: obsEnd)
            let type = exposure.imgType
            if ["science", "acq", "cwfs", "focus", "engtest"].contains(type) {
                try await insert(schema, "exposure_quicklook", ["exposure_id": "\(Self.exposureID(exposure.seq, day: day))", "day_obs": "\(day.value)", "seq_num": "\(exposure.seq)"])
            }
            if !["indome", "test"].contains(type) {
                try await insert(schema, "visit1_quicklook", ["visit_id": "\(Self.exposureID(exposure.seq, day: day))", "day_obs": "\(day.value)", "seq_num": "\(exposure.seq)"])
                let detectors = type == "cwfs" ? Array(0...188) : Self.lsstcamDetectors.filter { !Self.guiders.contains($0) }
                try await insertCCD(schema, "ccdexposure_quicklook", key: "ccdexposure_id", exposure.seq, day: day, detectors: detectors)
            }
            if ["science", "acq"].contains(type) {
                let detectors = Array(0...188) + [191, 192, 195, 196]
                try await insertCCD(schema, "ccdvisit1_quicklook", key: "ccdvisit_id", exposure.seq, day: day, detectors: detectors)
            }
        }
    }

    /// Writes a correct LATISS day: one ccdexposure row (detector 0); exposure_quicklook for science.
    func writeLATISSDay(_ exposures: [Exposure] = latissNight, day: DayObs = ConsistencyDatabase.day) async throws {
        for exposure in exposures {
            try await writeExposure(schema: "cdb_latiss", efdSchema: "efd_latiss", exposure, day: day, detectors: [0], obsEnd: nil)
            if exposure.imgType == "science" {
                try await insert("cdb_latiss", "exposure_quicklook", ["exposure_id": "\(Self.exposureID(exposure.seq, day: day))", "day_obs": "\(day.value)", "seq_num": "\(exposure.seq)"])
            }
        }
    }

    private func writeExposure(schema: String, efdSchema: String, _ exposure: Exposure, day: DayObs, detectors: [Int], obsEnd: String?) async throws {
        let id = Self.exposureID(exposure.seq, day: day)
        let end = obsEnd ?? "'\(DayObs.text(day.start.addingTimeInterval(3600 * 6)))'"
        let keys = ["day_obs": "\(day.value)", "seq_num": "\(exposure.seq)"]
        try await insert(schema, "exposure", keys.merging(["exposure_id": "\(id)", "img_type": "'\(exposure.imgType)'", "obs_end": end]) { $1 })
        if try await isTable(schema, "visit1") {
            try await insert(schema, "visit1", keys.merging(["visit_id": "\(id)", "img_type": "'\(exposure.imgType)'", "obs_end": end]) { $1 })
        }
        try await insertCCD(schema, "ccdexposure", key: "ccdexposure_id", exposure.seq, day: day, detectors: detectors, extra: ["exposure_id": "\(id)"])
        try await insert(efdSchema, "exposure_efd", keys.merging(["exposure_id": "\(id)"]) { $1 })
        try await insert(efdSchema, "visit1_efd", keys.merging(["visit_id": "\(id)"]) { $1 })
    }

    func isTable(_ schema: String, _ table: String) async throws -> Bool {
        try await connection.query("""
            SELECT c.relkind = 'r' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = \(schema) AND c.relname = \(table)
            """).rows.first?.first == "t"
    }

    /// One row per detector, keyed `key = ccdID(seq, detector)`.
    func insertCCD(_ schema: String, _ table: String, key: String, _ seq: Int, day: DayObs, detectors: [Int], extra: [String: String] = [:]) async throws {
        var values = extra
        values[key] = "\(Self.exposureID(seq, day: day))::bigint * 1000 + d"
        values["day_obs"] = "\(day.value)"
        values["seq_num"] = "\(seq)"
        values["detector"] = "d"
        try await insert(schema, table, values, from: "FROM unnest('{\(detectors.map(String.init).joined(separator: ","))}'::int[]) AS d")
    }

    /// Inserts rows, filling every other NOT NULL column without a default with a placeholder of its type.
    /// Test data only: the values are SQL the test wrote.
    func insert(_ schema: String, _ table: String, _ values: [String: String], from: String = "") async throws {
        var all = values
        let columns = try await connection.query("""
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = \(schema) AND table_name = \(table) AND is_nullable = 'NO' AND column_default IS NULL
            """).rows
        for row in columns where all[row[0]!] == nil {
            let type = row[1]!
            all[row[0]!] = switch type {
            case let t where t.contains("int") || t.contains("double") || t == "real" || t == "numeric": "0"
            case "boolean": "false"
            case let t where t.hasPrefix("timestamp"): "'2024-08-01 00:00:00'"
            default: "'x'"
            }
        }
        let names = all.keys.sorted()
        let list = names.map { SQL.quoteIdentifier($0) }.joined(separator: ", ")
        _ = try await connection.execute(
            "INSERT INTO \(SQL.quoteIdentifier(schema)).\(SQL.quoteIdentifier(table)) (\(list)) SELECT \(names.map { all[$0]! }.joined(separator: ", ")) \(from)"
        )
    }

    /// The LSSTCam rules shipped in config/consistency.
    static func rules(_ instrument: String) throws -> RuleSet {
        try RuleFileLoader.load(file: TestFiles.package("config/consistency/\(instrument).yaml").path)
    }

    func check(_ instrument: String, day: DayObs = ConsistencyDatabase.day) async throws -> ConsistencyReport {
        try await ConsistencyChecker.run(try Self.rules(instrument), day: day, on: connection)
    }
}

extension DayObs {
    /// Timestamp text (UTC) for test data.
    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
