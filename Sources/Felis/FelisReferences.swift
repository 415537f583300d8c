import Yams

/// Resolves the `"#table.column"` references of primary keys, constraints and indexes to names, and
/// checks the schema-wide rules that need every table at hand (unique names and ids).
///
/// A reference is looked up by the columns' `@id` first, because that is what Felis does and ids need
/// not match names (the reference files have `@id: "#ccdexposure_camera.ccd_temp_set"` on a column
/// named `temp_set`); failing that, `#table.column` is read as a table and a column name.
struct FelisReferences {
    let fields: YAMLFields
    let tables: [PendingTable]

    private struct ColumnAddress: Hashable {
        var table: String
        var column: String
    }

    func resolve() throws -> [FelisTable] {
        let ids = try columnIDs()
        try checkRelationNames()
        return try tables.map { pending in
            var table = pending.table
            let context = YAMLFields.Context(table: table.name)

            var seen: Set<String> = []
            for column in table.columns where !seen.insert(column.name).inserted {
                throw fields.error(.duplicateName, "column '\(column.name)' is defined twice", at: pending.node, .init(table: table.name, column: column.name))
            }

            if let key = pending.primaryKey {
                table.primaryKey = try key.references.map { reference in
                    try resolveOwn(reference, in: table.name, what: "primary key", ids: ids, at: key.node)
                }
                if Set(table.primaryKey).count != table.primaryKey.count {
                    throw fields.error(.duplicateName, "primary key names a column twice", at: key.node, context)
                }
                for index in table.columns.indices where table.primaryKey.contains(table.columns[index].name) {
                    table.columns[index].nullable = false
                }
            }

            var constraintNames: Set<String> = []
            for item in pending.constraints + pending.indexes where !constraintNames.insert(item.name).inserted {
                throw fields.error(.duplicateName, "constraint or index '\(item.name)' is defined twice", at: item.node, context)
            }
            table.constraints = try pending.constraints.map { try constraint($0, in: table.name, ids: ids) }
            table.indexes = try pending.indexes.map { try index($0, in: table.name, ids: ids) }
            return table
        }
    }

    private func constraint(_ item: PendingConstraint, in table: String, ids: [String: ColumnAddress]) throws -> FelisConstraint {
        let context = YAMLFields.Context(table: table)
        let what = "constraint '\(item.name)'"
        var constraint = FelisConstraint(
            name: item.name, id: item.id, kind: .unique, description: item.description,
            deferrable: item.deferrable, initially: item.initially, utype: item.utype
        )
        switch item.type {
        case "Check":
            constraint.kind = .check
            guard let expression = item.expression else {
                throw fields.error(.missingField, "\(what) has no 'expression'", at: item.node, context)
            }
            if let problem = SQLText.problem(withExpression: expression) {
                throw fields.error(.invalidValue, "\(what): \(problem)", at: item.node, context)
            }
            constraint.expression = expression
            return constraint
        case "ForeignKey":
            constraint.kind = .foreignKey
            guard let references = item.referencedColumns, !references.isEmpty else {
                throw fields.error(.missingField, "\(what) has no 'referencedColumns'", at: item.node, context)
            }
            let targets = try references.map { try resolveAny($0, what: what, ids: ids, at: item.node, table: table) }
            let targetTables = Set(targets.map(\.table))
            guard targetTables.count == 1, let target = targetTables.first else {
                throw fields.error(.invalidValue, "\(what) references columns of more than one table (\(targetTables.sorted().joined(separator: ", ")))", at: item.node, context)
            }
            constraint.referencedTable = target
            constraint.referencedColumns = targets.map(\.column)
        default:
            constraint.kind = .unique
        }
        guard let columns = item.columns, !columns.isEmpty else {
            throw fields.error(.missingField, "\(what) has no 'columns'", at: item.node, context)
        }
        constraint.columns = try columns.map { try resolveOwn($0, in: table, what: what, ids: ids, at: item.node) }
        if Set(constraint.columns).count != constraint.columns.count {
            throw fields.error(.duplicateName, "\(what) names a column twice", at: item.node, context)
        }
        if constraint.kind == .foreignKey, constraint.columns.count != constraint.referencedColumns.count {
            throw fields.error(.invalidValue, "\(what) has \(constraint.columns.count) columns but \(constraint.referencedColumns.count) referenced columns", at: item.node, context)
        }
        return constraint
    }

    private func index(_ item: PendingConstraint, in table: String, ids: [String: ColumnAddress]) throws -> FelisIndex {
        let context = YAMLFields.Context(table: table)
        let what = "index '\(item.name)'"
        var index = FelisIndex(name: item.name, id: item.id, description: item.description)
        switch (item.columns, item.expressions) {
        case (let columns?, nil) where !columns.isEmpty:
            index.columns = try columns.map { try resolveOwn($0, in: table, what: what, ids: ids, at: item.node) }
        case (nil, let expressions?) where !expressions.isEmpty:
            for expression in expressions {
                if let problem = SQLText.problem(withExpression: expression) {
                    throw fields.error(.invalidValue, "\(what): \(problem)", at: item.node, context)
                }
            }
            index.expressions = expressions
        default:
            throw fields.error(.invalidValue, "\(what) needs either 'columns' or 'expressions' (not both)", at: item.node, context)
        }
        return index
    }

    /// A reference that must name a column of `table` itself.
    private func resolveOwn(_ reference: String, in table: String, what: String, ids: [String: ColumnAddress], at node: Node) throws -> String {
        let address = try resolveAny(reference, what: what, ids: ids, at: node, table: table)
        guard address.table == table else {
            throw fields.error(.invalidValue, "\(what) names '\(reference)', a column of table \(address.table), not of this table", at: node, .init(table: table))
        }
        return address.column
    }

    private func resolveAny(_ reference: String, what: String, ids: [String: ColumnAddress], at node: Node, table: String) throws -> ColumnAddress {
        let normalized = reference.hasPrefix("#") ? reference : "#" + reference
        if let address = ids[normalized] { return address }
        let body = normalized.dropFirst()
        if let dot = body.firstIndex(of: ".") {
            let tableName = String(body[..<dot])
            let columnName = String(body[body.index(after: dot)...])
            if let target = tables.first(where: { $0.table.name == tableName }) {
                if target.table.column(columnName) != nil { return ColumnAddress(table: tableName, column: columnName) }
                throw fields.error(.unknownReference, "\(what) references '\(reference.prefix(80))', but table \(tableName) has no column \(columnName.prefix(63))", at: node, .init(table: table))
            }
            throw fields.error(.unknownReference, "\(what) references '\(reference.prefix(80))', but there is no table \(tableName.prefix(63))", at: node, .init(table: table))
        }
        throw fields.error(.unknownReference, "\(what) references '\(reference.prefix(80))', which is not a '#table.column' id", at: node, .init(table: table))
    }

    /// Every column's address by `@id`, plus by its `#table.column` spelling when that is not taken.
    private func columnIDs() throws -> [String: ColumnAddress] {
        var ids: [String: ColumnAddress] = [:]
        for pending in tables {
            for column in pending.table.columns {
                guard let id = column.id else { continue }
                if ids[id] != nil {
                    throw fields.error(.duplicateName, "@id '\(id.prefix(80))' is used twice", at: pending.node, .init(table: pending.table.name, column: column.name))
                }
                ids[id] = ColumnAddress(table: pending.table.name, column: column.name)
            }
        }
        for pending in tables {
            for column in pending.table.columns {
                let spelled = "#\(pending.table.name).\(column.name)"
                if ids[spelled] == nil { ids[spelled] = ColumnAddress(table: pending.table.name, column: column.name) }
            }
        }
        return ids
    }

    /// Tables, indexes and the indexes behind unique and primary keys share one namespace per
    /// PostgreSQL schema, so a clash would only surface half-way through an apply.
    private func checkRelationNames() throws {
        var owners: [String: String] = [:]
        func claim(_ name: String, by owner: String, at node: Node, table: String) throws {
            if let other = owners[name] {
                throw fields.error(.duplicateName, "the name '\(name)' is used by both \(other) and \(owner)", at: node, .init(table: table))
            }
            owners[name] = owner
        }
        for pending in tables {
            if owners[pending.table.name] != nil {
                throw fields.error(.duplicateName, "table '\(pending.table.name)' is defined twice", at: pending.node, .init(table: pending.table.name))
            }
            try claim(pending.table.name, by: "table \(pending.table.name)", at: pending.node, table: pending.table.name)
        }
        for pending in tables {
            let table = pending.table.name
            if pending.primaryKey != nil {
                try claim(DDLNames.primaryKey(of: table), by: "the primary key of \(table)", at: pending.node, table: table)
            }
            for item in pending.constraints where item.type == "Unique" {
                try claim(item.name, by: "unique constraint \(item.name) of \(table)", at: item.node, table: table)
            }
            for item in pending.indexes {
                try claim(item.name, by: "index \(item.name) of \(table)", at: item.node, table: table)
            }
        }
    }
}
