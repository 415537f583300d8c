/// A Felis table that production ConsDB serves as a view over another table instead of storing it.
///
/// Felis files declare `visit1` and `ccdvisit1` as tables, but in ConsDB every exposure is a visit of
/// visit system 1, so production defines them as views over `exposure` and `ccdexposure` with the ids
/// renamed. This type is that rule and nothing else, so changing it (another view, another rename)
/// happens here.
public struct ViewRule: Sendable, Hashable {
    /// The Felis table created as a view, e.g. `visit1`.
    public var view: String
    /// The table the view selects from, e.g. `exposure`.
    public var baseTable: String
    /// View column name to base column name where they differ, e.g. `visit_id` to `exposure_id`.
    /// Every other view column reads the base column of the same name.
    public var renamedColumns: [String: String]

    public init(view: String, baseTable: String, renamedColumns: [String: String]) {
        self.view = view
        self.baseTable = baseTable
        self.renamedColumns = renamedColumns
    }

    /// The base-table column a view column reads.
    public func sourceColumn(for viewColumn: String) -> String {
        renamedColumns[viewColumn] ?? viewColumn
    }

    /// `visit1` over `exposure`.
    public static let visit1 = ViewRule(view: "visit1", baseTable: "exposure", renamedColumns: ["visit_id": "exposure_id"])
    /// `ccdvisit1` over `ccdexposure`.
    public static let ccdvisit1 = ViewRule(
        view: "ccdvisit1", baseTable: "ccdexposure",
        renamedColumns: ["ccdvisit_id": "ccdexposure_id", "visit_id": "exposure_id"]
    )
}

/// The set of view rules a schema is applied with.
public struct ViewRules: Sendable, Hashable {
    public var rules: [ViewRule]

    public init(_ rules: [ViewRule]) {
        self.rules = rules
    }

    /// What production ConsDB does: `visit1` and `ccdvisit1` are views.
    public static let production = ViewRules([.visit1, .ccdvisit1])
    /// Every Felis table becomes a table.
    public static let none = ViewRules([])

    /// The rules that apply to `schema`, by view name: those whose view and base table are both in
    /// the Felis file, and whose view does not already exist in the database as something other than
    /// a view (a database created by Python Felis has `visit1` as a table; it is then kept a table).
    func active(for schema: FelisSchema, catalog: CatalogSchema?) -> [String: ViewRule] {
        var active: [String: ViewRule] = [:]
        for rule in rules where schema.table(rule.view) != nil && schema.table(rule.baseTable) != nil {
            if let existing = catalog?.tables[rule.view], existing.kind != .view { continue }
            active[rule.view] = rule
        }
        return active
    }
}
