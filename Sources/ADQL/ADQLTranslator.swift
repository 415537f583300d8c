/// PostgreSQL text for an ADQL query, and the TOP of its outermost SELECT (the TAP layer compares it
/// with MAXREC).
public struct ADQLTranslation: Sendable, Hashable {
    public var sql: String
    public var top: Int?
    /// The published tables the query reads, each once, in order of appearance (their columns' units,
    /// UCDs and descriptions describe the result's columns).
    public var tables: [ADQLTableName]

    public init(sql: String, top: Int?, tables: [ADQLTableName] = []) {
        self.sql = sql
        self.top = top
        self.tables = tables
    }
}

/// Turns ADQL syntax trees into PostgreSQL (with pgSphere for geometry).
///
/// Every identifier is emitted quoted (regular ones folded to lower case, as PostgreSQL folds them),
/// every table is resolved against the ``ADQLCatalog``, every function comes from ADQL's list, and every
/// operator is parenthesized: the output's meaning is the tree's, whatever the input looked like.
public struct ADQLTranslator: Sendable {
    public let catalog: ADQLCatalog

    public init(catalog: ADQLCatalog) {
        self.catalog = catalog
    }

    public func translate(_ query: ADQLQuery) throws(ADQLError) -> ADQLTranslation {
        let log = ADQLTableLog()
        let sql = try ADQLSQLWriter(catalog: catalog, tablesRead: log).query(query, in: [])
        var top: Int?
        if case .select(let select) = query.body { top = select.top }
        return ADQLTranslation(sql: sql, top: top, tables: log.tables)
    }

    /// Parses `text` and translates it.
    public func translate(_ text: String, limits: ADQLLimits = .standard) throws(ADQLError) -> ADQLTranslation {
        try translate(try ADQLParser.parse(text, limits: limits))
    }
}

/// What one query level makes visible to names: its FROM items and its WITH names.
struct ADQLScope {
    struct Source {
        /// The name SQL refers to it by (alias, WITH name, or the table's stored name).
        var exposed: String
        /// The published table, when the source is one and has no alias (so `schema.table.column` works).
        var table: ADQLTableName?
        var aliased: Bool
    }

    var sources: [Source] = []
    var withNames: [String] = []
}

/// The published tables a translation resolved, collected as the writer meets them.
final class ADQLTableLog {
    private(set) var tables: [ADQLTableName] = []

    func add(_ table: ADQLTableName) {
        if !tables.contains(table) { tables.append(table) }
    }
}

/// The translation itself; `scopes` run from the outermost query level to the innermost.
struct ADQLSQLWriter {
    let catalog: ADQLCatalog
    var tablesRead = ADQLTableLog()

    func query(_ query: ADQLQuery, in outer: [ADQLScope]) throws(ADQLError) -> String {
        var scopes = outer
        var text = ""
        if !query.with.isEmpty {
            var withScope = ADQLScope()
            var parts: [String] = []
            for common in query.with {
                if withScope.withNames.contains(common.name.folded) {
                    throw ADQLError("WITH name '\(common.name.display)' is used twice", at: common.name.position)
                }
                parts.append(SQLText.identifier(common.name.folded) + " AS (" + (try self.query(common.query, in: scopes + [withScope])) + ")")
                withScope.withNames.append(common.name.folded)
            }
            scopes.append(withScope)
            text = "WITH " + parts.joined(separator: ", ") + " "
        }
        var orderScopes = scopes
        var top: Int?
        if case .select(let select) = query.body {
            let (selectText, selectScope) = try self.select(select, in: scopes)
            text += selectText
            orderScopes.append(selectScope)
            top = select.top
        } else {
            text += try setExpression(query.body, in: scopes)
        }
        if !query.orderBy.isEmpty {
            var items: [String] = []
            for item in query.orderBy {
                items.append(try expression(item.expression, in: orderScopes) + (item.descending ? " DESC" : " ASC"))
            }
            text += " ORDER BY " + items.joined(separator: ", ")
        }
        if let top { text += " LIMIT \(top)" }
        if let offset = query.offset { text += " OFFSET \(offset)" }
        return text
    }

    func setExpression(_ expression: ADQLSetExpression, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        switch expression {
        case .select(let select):
            var text = try self.select(select, in: scopes).text
            if let top = select.top { text += " LIMIT \(top)" }
            return "(" + text + ")"
        case .parenthesized(let query):
            return "(" + (try self.query(query, in: scopes)) + ")"
        case .operation(let op, let all, let left, let right, _):
            return "(" + (try setExpression(left, in: scopes)) + " " + op.rawValue + (all ? " ALL " : " ")
                + (try setExpression(right, in: scopes)) + ")"
        }
    }

    /// The SELECT without its TOP (the caller places the LIMIT after ORDER BY), and the names its FROM makes visible.
    func select(_ select: ADQLSelect, in outer: [ADQLScope]) throws(ADQLError) -> (text: String, scope: ADQLScope) {
        var scope = ADQLScope()
        var from: [String] = []
        for reference in select.from {
            from.append(try tableReference(reference, in: outer, adding: &scope))
        }
        let scopes = outer + [scope]
        var items: [String] = []
        for item in select.items {
            switch item {
            case .all:
                items.append("*")
            case .allOf(let name):
                items.append(SQLText.identifier(try source(name.parts, in: scopes).exposed) + ".*")
            case .expression(let value, let alias):
                var text = try expression(value, in: scopes)
                if let alias { text += " AS " + SQLText.identifier(alias.folded) }
                items.append(text)
            }
        }
        var text = "SELECT " + (select.distinct ? "DISTINCT " : "") + items.joined(separator: ", ")
        text += " FROM " + from.joined(separator: ", ")
        if let condition = select.whereClause { text += " WHERE " + (try expression(condition, in: scopes)) }
        if !select.groupBy.isEmpty {
            var groups: [String] = []
            for group in select.groupBy { groups.append(try expression(group, in: scopes)) }
            text += " GROUP BY " + groups.joined(separator: ", ")
        }
        if let having = select.having { text += " HAVING " + (try expression(having, in: scopes)) }
        return (text, scope)
    }

    func tableReference(_ reference: ADQLTableReference, in outer: [ADQLScope], adding scope: inout ADQLScope) throws(ADQLError) -> String {
        switch reference {
        case .table(let name, let alias):
            let aliasText = alias.map { " AS " + SQLText.identifier($0.folded) } ?? ""
            if name.parts.count == 1,
               let withName = (outer.reversed().lazy.flatMap(\.withNames).first { name.parts[0].matches($0) }) {
                scope.sources.append(.init(exposed: alias?.folded ?? withName, table: nil, aliased: true))
                return SQLText.identifier(withName) + aliasText
            }
            let table = try catalog.resolve(name)
            tablesRead.add(table)
            scope.sources.append(.init(exposed: alias?.folded ?? table.table, table: table, aliased: alias != nil))
            return SQLText.identifier(table.schema) + "." + SQLText.identifier(table.table) + aliasText
        case .derived(let query, let alias):
            let text = "(" + (try self.query(query, in: outer)) + ") AS " + SQLText.identifier(alias.folded)
            scope.sources.append(.init(exposed: alias.folded, table: nil, aliased: true))
            return text
        case .join(let join):
            let left = try tableReference(join.left, in: outer, adding: &scope)
            let right = try tableReference(join.right, in: outer, adding: &scope)
            var text = "(" + left + (join.natural ? " NATURAL " : " ") + join.kind.rawValue + " JOIN " + right
            switch join.condition {
            case .on(let condition):
                text += " ON " + (try expression(condition, in: outer + [scope]))
            case .using(let columns):
                text += " USING (" + columns.map { SQLText.identifier($0.folded) }.joined(separator: ", ") + ")"
            case nil:
                break
            }
            return text + ")"
        }
    }

    /// The FROM item a qualifier (`alias`, `table` or `schema.table`) names, innermost query level first.
    func source(_ qualifier: [ADQLIdentifier], in scopes: [ADQLScope]) throws(ADQLError) -> ADQLScope.Source {
        let name = ADQLQualifiedName(qualifier)
        for scope in scopes.reversed() {
            let found = scope.sources.filter { source in
                if qualifier.count == 1 {
                    if qualifier[0].folded == source.exposed { return true }
                    return !source.aliased && source.table.map { qualifier[0].matches($0.table) } == true
                }
                guard qualifier.count == 2, let table = source.table else { return false }
                return qualifier[0].matches(table.schema) && qualifier[1].matches(table.table)
            }
            if found.count == 1 { return found[0] }
            if found.count > 1 {
                throw ADQLError("'\(name.display)' is ambiguous", at: name.position, hint: "give the tables different aliases")
            }
        }
        throw ADQLError("Unknown table or alias '\(name.display)'", at: name.position, hint: "name it in FROM")
    }
}
