import Felis

/// The Felis schema a config defines for one instrument, `efd_<instrument>`, exactly as the reference
/// generates it: `exposure_efd` and `visit1_efd` with one column per pivoted config column (in config
/// order), and the two unpivoted tables with one row per (exposure or visit, column, field).
public enum EFDSchema {
    public static func felis(for config: EFDConfig, instrument: String) -> FelisSchema {
        let instrument = instrument.lowercased()
        let name = "efd_\(instrument)"
        return FelisSchema(
            name: name, id: "#\(name)", description: "Transformed EFD Consolidated Database for \(instrument).", version: config.version,
            tables: [
                pivoted(.exposure, config.columns(for: .exposure)),
                unpivoted(.exposureUnpivoted),
                pivoted(.visit, config.columns(for: .visit)),
                unpivoted(.visitUnpivoted),
            ]
        )
    }

    /// The id column of a table: `exposure_id` or `visit_id`.
    public static func idColumn(_ table: EFDTable) -> String { table.isVisit ? "visit_id" : "exposure_id" }

    private static func pivoted(_ table: EFDTable, _ columns: [EFDColumn]) -> FelisTable {
        let name = table.rawValue
        let id = idColumn(table)
        let visit = table.isVisit
        var felisColumns = [
            column(table, "day_obs", .int, nullable: false, "Day of observation in YYYYMMDD format.", ucd: "meta.id.part"),
            column(table, "seq_num", .int, nullable: false, visit ? "Sequence number for the visit." : "Sequence number for the exposure.", ucd: "meta.id.part"),
            column(table, id, .long, nullable: false, visit ? "Visit unique ID." : "Exposure unique ID.", ucd: "meta.id"),
            FelisColumn(name: "created_at", id: "#\(name).created_at", datatype: .timestamp, defaultValue: .currentTimestamp,
                        description: visit ? "Timestamp when record was created, default current timestamp." : "Timestamp when the record was created, default is current timestamp."),
        ]
        for summary in columns {
            felisColumns.append(FelisColumn(
                name: summary.name, id: "#\(name).\(summary.name)", datatype: FelisDatatype(rawValue: summary.datatype) ?? .float,
                description: summary.description, unit: summary.unit, ucd: summary.ucd
            ))
        }
        return FelisTable(
            name: name, id: "#\(name)", description: visit ? "Transformed EFD topics by visit." : "Transformed EFD topics by exposure.",
            columns: felisColumns, primaryKey: ["day_obs", "seq_num"],
            constraints: [FelisConstraint(name: "un_\(name)_\(id)", id: "#\(name).un_\(name)_\(id)", kind: .unique,
                                          description: "Ensure \(id) is unique.", columns: [id])]
        )
    }

    private static func unpivoted(_ table: EFDTable) -> FelisTable {
        let name = table.rawValue
        let id = idColumn(table)
        let visit = table.isVisit
        let stop = visit ? "." : ""
        return FelisTable(
            name: name, id: "#\(name)", description: visit ? "Unpivoted EFD visit data." : "Unpivoted EFD exposure data.",
            columns: [
                column(table, "day_obs", .int, nullable: false, "Day of observation in YYYYMMDD format.", ucd: "meta.id.part"),
                column(table, "seq_num", .int, nullable: false, visit ? "Sequence number for the visit." : "Sequence number for the exposure.", ucd: "meta.id.part"),
                column(table, id, .long, nullable: false, visit ? "Unique identifier for the visit." : "Unique identifier for the exposure.", ucd: "meta.id"),
                FelisColumn(name: "property", id: "#\(name).property", datatype: .string, length: 64, nullable: false,
                            defaultValue: .text("default_property"), description: "Property name for unpivoted data\(stop)"),
                FelisColumn(name: "field", id: "#\(name).field", datatype: .string, length: 32, nullable: false,
                            defaultValue: .text("default_field"), description: "Field name for unpivoted data."),
                FelisColumn(name: "value", id: "#\(name).value", datatype: .float, description: "Value corresponding to the parameter\(stop)"),
                FelisColumn(name: "created_at", id: "#\(name).created_at", datatype: .timestamp, defaultValue: .currentTimestamp,
                            description: "Timestamp when record was created, default current timestamp."),
            ],
            primaryKey: ["day_obs", "seq_num", id, "property", "field"]
        )
    }

    private static func column(_ table: EFDTable, _ name: String, _ type: FelisDatatype, nullable: Bool, _ description: String, ucd: String) -> FelisColumn {
        FelisColumn(name: name, id: "#\(table.rawValue).\(name)", datatype: type, nullable: nullable, description: description, ucd: ucd)
    }
}
