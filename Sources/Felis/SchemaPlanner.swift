/// Plans the DDL that brings a live schema in line with a Felis file, without ever dropping data.
///
/// Planning is pure: it compares a ``FelisSchema`` with what `FelisCatalog.Catalog.load(schema:on:)` read and
/// returns statements; `FelisCatalog.SchemaApplier` runs them. A missing schema is created whole; an existing one
/// only gains what it lacks (tables, columns, constraints, indexes, views, comments). Anything that would
/// need a destructive or risky change (a column type, an extra column, a different key) is reported as a
/// warning and left alone. Planning an unchanged file against its own result gives no statements.
public struct SchemaPlanner: Sendable {
    /// Which Felis tables become views (production: `visit1` and `ccdvisit1`).
    public var viewRules: ViewRules
    /// The IVOA word list for checking UCDs (nil: their syntax only).
    public var ucdVocabulary: UCDVocabulary?

    public init(viewRules: ViewRules = .production, ucdVocabulary: UCDVocabulary? = nil) {
        self.viewRules = viewRules
        self.ucdVocabulary = ucdVocabulary
    }

    /// The statements and warnings for applying `felis` to a database whose schema is `catalog`
    /// (nil when the schema does not exist yet).
    ///
    /// - Parameter tablesWithRows: existing tables that hold rows, as far as the caller knows. A new
    ///   NOT NULL column without a default cannot be added to those as NOT NULL; it is added nullable,
    ///   with a warning. ``tablesNeedingRowCheck(_:catalog:)`` says which tables matter.
    /// - Throws: ``FelisError`` when a name or expression in the model cannot go into DDL (models
    ///   from the loader have been checked already; hand-built ones may not have).
    public func plan(_ felis: FelisSchema, catalog: CatalogSchema?, tablesWithRows: Set<String> = []) throws -> SchemaPlan {
        try FelisModelCheck.check(felis)
        let target = SchemaTarget(felis, catalog: catalog, rules: viewRules)
        var builder = PlanBuilder(target: target, catalog: catalog, tablesWithRows: tablesWithRows)
        builder.build()
        let descriptors = DescriptorCheck.warnings(felis, vocabulary: ucdVocabulary)
        return SchemaPlan(schema: felis.name, statements: builder.statements, warnings: descriptors + target.warnings + builder.warnings)
    }

    /// Existing tables that would get a NOT NULL column without a default: whether they hold rows
    /// decides how the column is added.
    public func tablesNeedingRowCheck(_ felis: FelisSchema, catalog: CatalogSchema?) -> [String] {
        guard let catalog else { return [] }
        let target = SchemaTarget(felis, catalog: catalog, rules: viewRules)
        return target.tables.compactMap { table in
            guard let live = catalog.tables[table.name], live.kind == .table else { return nil }
            let needs = table.columns.contains { column in
                live.column(column.name) == nil && !column.nullable && column.defaultValue == nil && !column.autoincrement
            }
            return needs ? table.name : nil
        }
    }
}

/// Collects statements in the order they must run. Buckets keep the order right whatever the order
/// of the tables in the file: tables and columns before the views that read them, and foreign keys
/// only once every table they point at exists.
private struct PlanBuilder {
    let target: SchemaTarget
    let catalog: CatalogSchema?
    let tablesWithRows: Set<String>
    let ddl: DDLStatements

    var schemaStatements: [String] = []
    var tableStatements: [String] = []
    var alterStatements: [String] = []
    var viewStatements: [String] = []
    var foreignKeyStatements: [String] = []
    var indexStatements: [String] = []
    var commentStatements: [String] = []
    var warnings: [SchemaWarning] = []

    init(target: SchemaTarget, catalog: CatalogSchema?, tablesWithRows: Set<String>) {
        self.target = target
        self.catalog = catalog
        self.tablesWithRows = tablesWithRows
        self.ddl = DDLStatements(schema: target.name)
    }

    var statements: [String] {
        schemaStatements + tableStatements + alterStatements + viewStatements + foreignKeyStatements + indexStatements + commentStatements
    }

    mutating func build() {
        if catalog == nil { schemaStatements.append(ddl.createSchema()) }
        if let description = target.description, description != catalog?.comment {
            commentStatements.append(ddl.commentOnSchema(description))
        }
        for table in target.tables {
            planTable(table, live: catalog?.tables[table.name])
        }
        for view in target.views {
            planView(view, live: catalog?.tables[view.name])
        }
        reportExtraRelations()
    }

    // MARK: - Tables

    private mutating func planTable(_ table: FelisTable, live: CatalogTable?) {
        guard let live else {
            tableStatements.append(ddl.createTable(table))
            addForeignKeys(table, live: nil)
            addIndexes(table, live: nil)
            addComments(table, live: nil)
            return
        }
        guard live.kind == .table || live.kind == .partitionedTable else {
            warnings.append(SchemaWarning(table: table.name, message: "exists as a \(live.kind.rawValue), not a table; left as it is"))
            return
        }
        for column in table.columns {
            planColumn(column, of: table, live: live)
        }
        for extra in live.columns where table.column(extra.name) == nil {
            warnings.append(SchemaWarning(table: table.name, column: extra.name, message: "exists only in the database (not in the Felis file); left as it is"))
        }
        planPrimaryKey(table, live: live)
        for constraint in table.constraints where constraint.kind != .foreignKey {
            planConstraint(constraint, of: table.name, live: live)
        }
        addForeignKeys(table, live: live)
        addIndexes(table, live: live)
        addComments(table, live: live)
    }

    private mutating func planColumn(_ column: FelisColumn, of table: FelisTable, live: CatalogTable) {
        guard let existing = live.column(column.name) else {
            // Existing rows would violate NOT NULL at once unless a default fills them.
            let mustRelax = !column.nullable && column.defaultValue == nil && !column.autoincrement && tablesWithRows.contains(table.name)
            if mustRelax {
                warnings.append(SchemaWarning(table: table.name, column: column.name, message: "added as nullable: it is NOT NULL without a default and the table already has rows"))
            }
            alterStatements.append(ddl.addColumn(column, to: table.name, allowNotNull: !mustRelax))
            return
        }
        let expected = column.postgresType.formatType
        if existing.type != expected {
            warnings.append(SchemaWarning(table: table.name, column: column.name, message: "type is \(existing.type) in the database but \(expected) in the Felis file; not changed"))
        }
        if existing.isNullable != column.nullable {
            let says = column.nullable ? "nullable" : "NOT NULL"
            let has = existing.isNullable ? "nullable" : "NOT NULL"
            warnings.append(SchemaWarning(table: table.name, column: column.name, message: "is \(has) in the database but \(says) in the Felis file; not changed"))
        }
        guard !column.autoincrement else { return }
        if !ColumnDefaultSQL.matches(column.defaultValue, catalog: existing.defaultExpression, datatype: column.datatype) {
            if let value = column.defaultValue {
                // Changing a default touches no stored row, so it is safe to apply.
                alterStatements.append(ddl.setDefault(value, column: column.name, of: table.name))
            } else if let current = existing.defaultExpression {
                warnings.append(SchemaWarning(table: table.name, column: column.name, message: "has default \(current) in the database but none in the Felis file; left as it is"))
            }
        }
    }

    private mutating func planPrimaryKey(_ table: FelisTable, live: CatalogTable) {
        guard !table.primaryKey.isEmpty else { return }
        let existing = live.primaryKey
        if existing.isEmpty {
            alterStatements.append(ddl.addConstraint(ddl.primaryKeyClause(table), to: table.name))
        } else if existing != table.primaryKey {
            warnings.append(SchemaWarning(table: table.name, message: "primary key is (\(existing.joined(separator: ", "))) in the database but (\(table.primaryKey.joined(separator: ", "))) in the Felis file; not changed"))
        }
    }

    private mutating func planConstraint(_ constraint: FelisConstraint, of table: String, live: CatalogTable) {
        guard let existing = live.constraint(constraint.name) else {
            alterStatements.append(ddl.addConstraint(ddl.constraintClause(constraint), to: table))
            return
        }
        if constraint.kind == .unique, existing.kind != .unique || existing.columns != constraint.columns {
            warnings.append(SchemaWarning(table: table, message: "constraint \(constraint.name) differs in the database (\(existing.kind.rawValue) on \(existing.columns.joined(separator: ", "))); not changed"))
        }
    }

    private mutating func addForeignKeys(_ table: FelisTable, live: CatalogTable?) {
        for constraint in table.constraints where constraint.kind == .foreignKey {
            guard let existing = live?.constraint(constraint.name) else {
                foreignKeyStatements.append(ddl.addConstraint(ddl.constraintClause(constraint), to: table.name))
                continue
            }
            let same = existing.kind == .foreignKey && existing.columns == constraint.columns
                && existing.referencedTable == constraint.referencedTable && existing.referencedColumns == constraint.referencedColumns
            if !same {
                warnings.append(SchemaWarning(table: table.name, message: "foreign key \(constraint.name) differs in the database; not changed"))
            }
        }
    }

    private mutating func addIndexes(_ table: FelisTable, live: CatalogTable?) {
        for index in table.indexes where live?.index(index.name) == nil {
            indexStatements.append(ddl.createIndex(index, on: table.name))
        }
    }

    private mutating func addComments(_ table: FelisTable, live: CatalogTable?) {
        if let description = table.description, description != live?.comment {
            commentStatements.append(ddl.commentOnRelation(table.name, isView: false, description))
        }
        for column in table.columns {
            if let description = column.description, description != live?.column(column.name)?.comment {
                commentStatements.append(ddl.commentOnColumn(column.name, of: table.name, description))
            }
        }
        for constraint in table.constraints {
            if let description = constraint.description, description != live?.constraint(constraint.name)?.comment {
                commentStatements.append(ddl.commentOnConstraint(constraint.name, of: table.name, description))
            }
        }
    }

    // MARK: - Views

    private mutating func planView(_ view: ViewTarget, live: CatalogTable?) {
        var live = live
        if let existing = live {
            let wanted = view.columns.map { ViewColumnShape(name: $0.name, type: $0.type.formatType) }
            let current = existing.columns.map { ViewColumnShape(name: $0.name, type: $0.type) }
            let sameReads = Set(existing.viewReferences) == view.references(schema: target.name)
            if current == wanted && sameReads {
                // Up to date.
            } else if wanted.starts(with: current) {
                // CREATE OR REPLACE VIEW keeps existing columns and may only append new ones.
                viewStatements.append(ddl.createView(view, replace: true))
            } else {
                warnings.append(SchemaWarning(table: view.name, message: "view columns changed in a way CREATE OR REPLACE VIEW cannot express; the view is dropped and created again"))
                viewStatements.append(ddl.dropView(view.name))
                viewStatements.append(ddl.createView(view, replace: false))
                live = nil  // its comments went with it
            }
        } else {
            viewStatements.append(ddl.createView(view, replace: true))
        }
        if let description = view.description, description != live?.comment {
            commentStatements.append(ddl.commentOnRelation(view.name, isView: true, description))
        }
        for column in view.columns {
            if let description = column.description, description != live?.column(column.name)?.comment {
                commentStatements.append(ddl.commentOnColumn(column.name, of: view.name, description))
            }
        }
    }

    private struct ViewColumnShape: Equatable {
        var name: String
        var type: String
    }

    private mutating func reportExtraRelations() {
        guard let catalog else { return }
        let known = Set(target.tables.map(\.name) + target.views.map(\.name))
        for name in catalog.tables.keys.sorted() where !known.contains(name) {
            warnings.append(SchemaWarning(table: name, message: "exists only in the database (not in the Felis file); left as it is"))
        }
    }
}
