import EFD
import Postgres
import TimeScales

/// An exposure or visit whose EFD summary the stream computes: its keys and its time span in UTC unix
/// seconds (the EFD's time index), from the TAI `obs_start`/`obs_end` of its ConsDB row.
public struct ObservationWindow: Sendable, Hashable {
    public var kind: WindowKind
    /// `exposure_id` or `visit_id`.
    public var id: Int64
    public var dayObs: Int
    public var seqNum: Int
    public var span: SampleWindow

    public init(kind: WindowKind, id: Int64, dayObs: Int, seqNum: Int, span: SampleWindow) {
        self.kind = kind
        self.id = id
        self.dayObs = dayObs
        self.seqNum = seqNum
        self.span = span
    }

    public struct Key: Sendable, Hashable {
        public var kind: WindowKind
        public var id: Int64
    }

    public var key: Key { Key(kind: kind, id: id) }
}

/// Reads exposure and visit windows from ConsDB: `cdb_<instrument>.exposure` rows, and the `visit1` view
/// (optionally only rows where a boolean column is true, e.g. `can_see_sky`).
public struct WindowSource: Sendable {
    public var schema: String
    /// A boolean column of `visit1` that says which exposures are visits; nil: all of them.
    public var visitFilterColumn: String?

    public init(schema: String, visitFilterColumn: String? = nil) {
        self.schema = schema
        self.visitFilterColumn = visitFilterColumn
    }

    /// Refuses to start on a ConsDB without the `exposure` table or the `visit1` view, or whose `visit1` lacks
    /// the visit filter column (or has it with another type than boolean).
    public func check(on connection: Connection) async throws {
        let relations = try await connection.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relname IN ('exposure', 'visit1')
            """).rows.compactMap { $0.first ?? nil }
        for relation in ["exposure", "visit1"] where !relations.contains(relation) {
            throw WindowSourceError(message: "\(schema).\(relation) does not exist: apply the instrument's ConsDB schema first (consdb schema apply)")
        }
        guard let visitFilterColumn else { return }
        let type = try await connection.query("""
            SELECT data_type FROM information_schema.columns
            WHERE table_schema = \(schema) AND table_name = 'visit1' AND column_name = \(visitFilterColumn)
            """).rows.first?.first ?? nil
        guard let type else {
            throw WindowSourceError(message: "the visit filter column \(visitFilterColumn) is not a column of \(schema).visit1")
        }
        guard type == "boolean" else {
            throw WindowSourceError(message: "the visit filter column \(visitFilterColumn) of \(schema).visit1 is \(type), not boolean")
        }
    }

    /// Windows of exposures (and visits) that ended at or after `since` (UTC unix seconds).
    public func windows(endingAfter since: Double, on connection: Connection) async throws -> [ObservationWindow] {
        // obs_end is TAI; compare in TAI.
        try await windows(where: "obs_end >= \(Self.tai(since))::timestamp", on: connection)
    }

    /// Windows of exposures (and visits) that begin in `[from, before)` (UTC unix seconds): a batch task's.
    public func windows(beginningFrom from: Double, before: Double, on connection: Connection) async throws -> [ObservationWindow] {
        try await windows(where: "obs_start >= \(Self.tai(from))::timestamp AND obs_start < \(Self.tai(before))::timestamp", on: connection)
    }

    /// Windows of exposures (and visits) that ended after `since` and have no row in `efdSchema`'s
    /// `exposure_efd` (`visit1_efd`): what the failure monitor queues again.
    public func windowsWithoutRows(endingAfter since: Double, efdSchema: String, on connection: Connection) async throws -> [ObservationWindow] {
        let condition: (WindowKind) -> SQL = { kind in
            let table = kind == .exposure ? "exposure_efd" : "visit1_efd"
            return """
                obs_end >= \(Self.tai(since))::timestamp AND NOT EXISTS (
                    SELECT 1 FROM \(SQL.qualified(efdSchema, table)) x WHERE x.day_obs = w.day_obs AND x.seq_num = w.seq_num)
                """
        }
        return try await windows(where: condition, on: connection)
    }

    private func windows(where condition: SQL, on connection: Connection) async throws -> [ObservationWindow] {
        try await windows(where: { _ in condition }, on: connection)
    }

    private func windows(where condition: (WindowKind) -> SQL, on connection: Connection) async throws -> [ObservationWindow] {
        var windows: [ObservationWindow] = []
        let exposures = try await connection.query("""
            SELECT exposure_id, day_obs, seq_num, obs_start, obs_end FROM \(SQL.qualified(schema, "exposure")) w
            WHERE obs_start IS NOT NULL AND obs_end IS NOT NULL AND \(condition(.exposure))
            """)
        windows += exposures.rows.compactMap { Self.window(.exposure, $0) }
        var visitQuery: SQL = """
            SELECT visit_id, day_obs, seq_num, obs_start, obs_end FROM \(SQL.qualified(schema, "visit1")) w
            WHERE obs_start IS NOT NULL AND obs_end IS NOT NULL AND \(condition(.visit))
            """
        if let visitFilterColumn { visitQuery.append(" AND \(identifier: visitFilterColumn)") }
        let visits = try await connection.query(visitQuery)
        windows += visits.rows.compactMap { Self.window(.visit, $0) }
        return windows
    }

    /// UTC unix seconds as the TAI `timestamp` text ConsDB stores.
    static func tai(_ utc: Double) -> String {
        TAITimestamp(taiUnixSeconds: LeapSeconds.taiUnixSeconds(fromUTCUnixSeconds: utc))?.isoText ?? "1970-01-01T00:00:00"
    }

    static func window(_ kind: WindowKind, _ row: [String?]) -> ObservationWindow? {
        guard row.count == 5, let id = row[0].flatMap({ Int64($0) }), let day = row[1].flatMap({ Int($0) }), let seq = row[2].flatMap({ Int($0) }),
              let start = row[3].flatMap({ TAITimestamp(iso: $0) }), let end = row[4].flatMap({ TAITimestamp(iso: $0) })
        else { return nil }
        let span = SampleWindow(begin: LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: start.taiUnixSeconds),
                                end: LeapSeconds.utcUnixSeconds(fromTAIUnixSeconds: max(start, end).taiUnixSeconds))
        return ObservationWindow(kind: kind, id: id, dayObs: day, seqNum: seq, span: span)
    }
}

/// ConsDB lacks what the stream reads its windows from.
public struct WindowSourceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
