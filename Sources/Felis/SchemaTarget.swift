/// What a Felis schema should become in PostgreSQL once the view rules are applied: the tables to
/// create (with foreign keys to views redirected to the views' base tables) and the views.
///
/// The planner and the conformance check both work from this, so they cannot disagree about what
/// "applied" means.
struct SchemaTarget {
    var name: String
    var description: String?
    /// Tables stored as tables, in file order.
    var tables: [FelisTable]
    var views: [ViewTarget]
    var warnings: [SchemaWarning]

    init(_ felis: FelisSchema, catalog: CatalogSchema?, rules: ViewRules) {
        name = felis.name
        description = felis.description
        warnings = []
        let active = rules.active(for: felis, catalog: catalog)
        for rule in rules.rules where active[rule.view] == nil && felis.table(rule.baseTable) != nil {
            if let existing = catalog?.tables[rule.view], felis.table(rule.view) != nil {
                warnings.append(SchemaWarning(
                    table: rule.view,
                    message: "exists as a \(existing.kind.rawValue), not as a view over \(rule.baseTable) as in production; kept as it is"
                ))
            }
        }

        views = []
        tables = []
        for table in felis.tables {
            if let rule = active[table.name], let base = felis.table(rule.baseTable) {
                views.append(ViewTarget(table: table, rule: rule, base: base, schema: felis.name, catalog: catalog, warnings: &warnings))
                // A view cannot carry constraints or indexes. Its primary key and unique constraints
                // are already enforced on the base table (visit_id is exposure_id); foreign keys
                // declared on it (ccdvisit1 -> visit1) follow from the base tables' own.
                continue
            }
            var table = table
            table.constraints = Self.withoutRedundantUniques(table)
            table.constraints = table.constraints.map { constraint in
                guard constraint.kind == .foreignKey, let referenced = constraint.referencedTable,
                      let rule = active[referenced] else { return constraint }
                // PostgreSQL cannot point a foreign key at a view: point it at the rows the view shows.
                var redirected = constraint
                redirected.referencedTable = rule.baseTable
                redirected.referencedColumns = constraint.referencedColumns.map(rule.sourceColumn(for:))
                return redirected
            }
            tables.append(table)
        }
    }
}

extension SchemaTarget {
    /// The table's constraints without unique constraints on exactly the primary key's columns, or
    /// on exactly those of an earlier unique constraint. PostgreSQL drops such duplicates from a
    /// CREATE TABLE (so the reference databases do not have them either: the Felis files declare
    /// `un_exposure_ds` on exposure's own key); adding them later would build a second, useless index.
    static func withoutRedundantUniques(_ table: FelisTable) -> [FelisConstraint] {
        var keys: Set<[String]> = table.primaryKey.isEmpty ? [] : [table.primaryKey]
        return table.constraints.filter { constraint in
            guard constraint.kind == .unique else { return true }
            return keys.insert(constraint.columns).inserted
        }
    }
}

/// A view to create for a Felis table under a ``ViewRule``.
struct ViewTarget {
    struct Column {
        var name: String
        var type: PostgresColumnType
        /// The base-table column it reads, or nil when the base table has none (the view then
        /// selects a typed NULL).
        var source: String?
        /// Whether the base column's type differs from the Felis type, so the view casts it.
        var needsCast: Bool
        var description: String?
    }

    var name: String
    var description: String?
    var baseTable: String
    var columns: [Column]

    init(table: FelisTable, rule: ViewRule, base: FelisTable, schema: String, catalog: CatalogSchema?, warnings: inout [SchemaWarning]) {
        name = table.name
        description = table.description
        baseTable = base.name
        let liveBase = catalog?.tables[base.name]
        columns = table.columns.map { column in
            let sourceName = rule.sourceColumn(for: column.name)
            guard let source = base.column(sourceName) else {
                warnings.append(SchemaWarning(
                    table: table.name, column: column.name,
                    message: "\(base.name) has no column \(sourceName); the view shows NULL for it"
                ))
                return Column(name: column.name, type: column.postgresType, source: nil, needsCast: false, description: column.description)
            }
            // The type the view would show without a cast is the live column's, once it exists.
            let sourceType = liveBase?.column(sourceName)?.type ?? source.postgresType.formatType
            let needsCast = sourceType != column.postgresType.formatType
            if needsCast {
                warnings.append(SchemaWarning(
                    table: table.name, column: column.name,
                    message: "\(base.name).\(sourceName) is \(sourceType) but the view column is \(column.postgresType.formatType); the view casts it"
                ))
            }
            return Column(name: column.name, type: column.postgresType, source: sourceName, needsCast: needsCast, description: column.description)
        }
    }

    /// The base-table columns the view reads, as the catalog reports them.
    func references(schema: String) -> Set<CatalogColumnReference> {
        Set(columns.compactMap { column in
            column.source.map { CatalogColumnReference(schema: schema, table: baseTable, column: $0) }
        })
    }

    /// The view's query.
    func selectSQL(schema: String) -> String {
        let items = columns.map { column -> String in
            let name = SQLText.identifier(column.name)
            guard let source = column.source else { return "CAST(NULL AS \(column.type.ddl)) AS \(name)" }
            let expression = SQLText.identifier(source)
            if column.needsCast { return "CAST(\(expression) AS \(column.type.ddl)) AS \(name)" }
            return source == column.name ? expression : "\(expression) AS \(name)"
        }
        return "SELECT " + items.joined(separator: ", ") + " FROM " + SQLText.qualified(schema, baseTable)
    }
}
