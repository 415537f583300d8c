/// Checks that a live schema is exactly what a Felis file describes (after the view rules): the same
/// tables and views, columns with the same types, nullability and defaults, and the same primary keys,
/// unique constraints, foreign keys, checks and indexes.
public enum SchemaConformance {
    /// The differences between `felis` and `catalog`; empty when they conform.
    ///
    /// Column order of tables is not compared (columns added by a migration come last); the column
    /// order of views is. Comments are compared where the file has a description.
    public static func differences(
        _ felis: FelisSchema, catalog: CatalogSchema?, viewRules: ViewRules = .production
    ) -> [SchemaDifference] {
        guard let catalog else { return [SchemaDifference(message: "schema \(felis.name) does not exist")] }
        var check = ConformanceCheck()
        let target = SchemaTarget(felis, catalog: catalog, rules: viewRules)
        if let description = target.description, description != catalog.comment {
            check.report(nil, nil, "schema comment is \(quoted(catalog.comment)), expected \(quoted(description))")
        }
        for table in target.tables {
            check.table(table, live: catalog.tables[table.name])
        }
        for view in target.views {
            check.view(view, live: catalog.tables[view.name], schema: felis.name)
        }
        let known = Set(target.tables.map(\.name) + target.views.map(\.name))
        for name in catalog.tables.keys.sorted() where !known.contains(name) {
            check.report(name, nil, "exists in the database but not in the Felis file")
        }
        return check.differences
    }

    static func quoted(_ text: String?) -> String {
        text.map { "'\($0.prefix(60))'" } ?? "none"
    }
}

/// One way a live schema differs from its Felis file.
public struct SchemaDifference: Sendable, Equatable, CustomStringConvertible {
    public var table: String?
    public var column: String?
    public var message: String

    public init(table: String? = nil, column: String? = nil, message: String) {
        self.table = table
        self.column = column
        self.message = message
    }

    public var description: String {
        SchemaWarning(table: table, column: column, message: message).description
    }
}

private struct ConformanceCheck {
    var differences: [SchemaDifference] = []

    mutating func report(_ table: String?, _ column: String?, _ message: String) {
        differences.append(SchemaDifference(table: table, column: column, message: message))
    }

    mutating func table(_ table: FelisTable, live: CatalogTable?) {
        let name = table.name
        guard let live else { return report(name, nil, "table is missing") }
        guard live.kind == .table || live.kind == .partitionedTable else {
            return report(name, nil, "is a \(live.kind.rawValue), expected a table")
        }
        if let description = table.description, description != live.comment {
            report(name, nil, "comment is \(SchemaConformance.quoted(live.comment)), expected \(SchemaConformance.quoted(description))")
        }
        for column in table.columns {
            self.column(column, of: name, live: live.column(column.name))
        }
        for extra in live.columns where table.column(extra.name) == nil {
            report(name, extra.name, "column exists in the database but not in the Felis file")
        }
        if live.primaryKey != table.primaryKey {
            report(name, nil, "primary key is (\(live.primaryKey.joined(separator: ", "))), expected (\(table.primaryKey.joined(separator: ", ")))")
        }
        constraints(table, live: live)
        indexes(table, live: live)
    }

    mutating func column(_ column: FelisColumn, of table: String, live: CatalogColumn?) {
        guard let live else { return report(table, column.name, "column is missing") }
        let type = column.postgresType.formatType
        if live.type != type { report(table, column.name, "type is \(live.type), expected \(type)") }
        if live.isNullable != column.nullable {
            report(table, column.name, live.isNullable ? "is nullable, expected NOT NULL" : "is NOT NULL, expected nullable")
        }
        if !column.autoincrement, !ColumnDefaultSQL.matches(column.defaultValue, catalog: live.defaultExpression, datatype: column.datatype) {
            let expected = column.defaultValue.map { ColumnDefaultSQL.expression($0) } ?? "none"
            report(table, column.name, "default is \(live.defaultExpression ?? "none"), expected \(expected)")
        }
        if let description = column.description, description != live.comment {
            report(table, column.name, "comment is \(SchemaConformance.quoted(live.comment)), expected \(SchemaConformance.quoted(description))")
        }
    }

    mutating func constraints(_ table: FelisTable, live: CatalogTable) {
        let name = table.name
        for constraint in table.constraints {
            guard let existing = live.constraint(constraint.name) else {
                report(name, nil, "\(constraint.kind.rawValue) constraint \(constraint.name) is missing")
                continue
            }
            switch constraint.kind {
            case .unique:
                if existing.kind != .unique || existing.columns != constraint.columns {
                    report(name, nil, "constraint \(constraint.name) is \(existing.kind.rawValue) on (\(existing.columns.joined(separator: ", "))), expected unique on (\(constraint.columns.joined(separator: ", ")))")
                }
            case .foreignKey:
                let same = existing.kind == .foreignKey && existing.columns == constraint.columns
                    && existing.referencedTable == constraint.referencedTable && existing.referencedColumns == constraint.referencedColumns
                if !same {
                    report(name, nil, "foreign key \(constraint.name) is (\(existing.columns.joined(separator: ", "))) -> \(existing.referencedTable ?? "?")(\(existing.referencedColumns.joined(separator: ", "))), expected (\(constraint.columns.joined(separator: ", "))) -> \(constraint.referencedTable ?? "?")(\(constraint.referencedColumns.joined(separator: ", ")))")
                }
            case .check:
                if existing.kind != .check { report(name, nil, "constraint \(constraint.name) is not a check constraint") }
            }
            if let description = constraint.description, description != existing.comment {
                report(name, nil, "comment of constraint \(constraint.name) is \(SchemaConformance.quoted(existing.comment)), expected \(SchemaConformance.quoted(description))")
            }
        }
        let declared = Set(table.constraints.map(\.name))
        for existing in live.constraints where !declared.contains(existing.name) {
            switch existing.kind {
            case .unique, .foreignKey, .check:
                report(name, nil, "\(existing.kind) constraint \(existing.name) exists in the database but not in the Felis file")
            default:
                break  // the primary key is compared above; NOT NULL and triggers are not Felis constraints
            }
        }
    }

    mutating func indexes(_ table: FelisTable, live: CatalogTable) {
        for index in table.indexes {
            guard let existing = live.index(index.name) else {
                report(table.name, nil, "index \(index.name) is missing")
                continue
            }
            if !index.columns.isEmpty, existing.columns != index.columns {
                report(table.name, nil, "index \(index.name) is on (\(existing.columns.joined(separator: ", "))), expected (\(index.columns.joined(separator: ", ")))")
            }
        }
        let declared = Set(table.indexes.map(\.name))
        for existing in live.indexes where !existing.isConstraintIndex && !declared.contains(existing.name) {
            report(table.name, nil, "index \(existing.name) exists in the database but not in the Felis file")
        }
    }

    mutating func view(_ view: ViewTarget, live: CatalogTable?, schema: String) {
        guard let live else { return report(view.name, nil, "view is missing") }
        guard live.kind == .view else { return report(view.name, nil, "is a \(live.kind.rawValue), expected a view") }
        let expected = view.columns.map { "\($0.name) \($0.type.formatType)" }
        let actual = live.columns.map { "\($0.name) \($0.type)" }
        if expected != actual {
            report(view.name, nil, "view columns are [\(actual.joined(separator: ", "))], expected [\(expected.joined(separator: ", "))]")
        }
        let reads = view.references(schema: schema)
        if Set(live.viewReferences) != reads {
            let names = { (references: Set<CatalogColumnReference>) in
                references.map { "\($0.table).\($0.column)" }.sorted().joined(separator: ", ")
            }
            report(view.name, nil, "view reads [\(names(Set(live.viewReferences)))], expected [\(names(reads))]")
        }
        if let description = view.description, description != live.comment {
            report(view.name, nil, "comment is \(SchemaConformance.quoted(live.comment)), expected \(SchemaConformance.quoted(description))")
        }
        for column in view.columns {
            if let description = column.description, description != live.column(column.name)?.comment {
                report(view.name, column.name, "comment is \(SchemaConformance.quoted(live.column(column.name)?.comment)), expected \(SchemaConformance.quoted(description))")
            }
        }
    }
}
