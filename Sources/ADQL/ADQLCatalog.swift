/// A table a query may name, spelled as stored in the database (exact case).
public struct ADQLTableName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String
    public var table: String

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    public var description: String { "\(schema).\(table)" }
}

/// The published tables: the only ones a query can reach.
public struct ADQLCatalog: Sendable {
    public let tables: [ADQLTableName]
    private let lowered: [(schema: String, table: String)]

    public init(tables: [ADQLTableName]) {
        self.tables = tables
        self.lowered = tables.map { ($0.schema.lowercased(), $0.table.lowercased()) }
    }

    /// The published table `name` names: `table` (unique among all schemas) or `schema.table`.
    ///
    /// Regular identifiers match ignoring case and delimited ones exactly; when a regular name matches
    /// several spellings, the one PostgreSQL itself would pick (all lower case) wins.
    public func resolve(_ name: ADQLQualifiedName) throws(ADQLError) -> ADQLTableName {
        let parts = name.parts
        guard parts.count <= 2 else {
            throw ADQLError("Table name '\(name.display)' has a catalog part, which is not supported", at: name.position,
                            hint: "write schema.table")
        }
        let table = parts[parts.count - 1]
        let schema = parts.count == 2 ? parts[0] : nil
        let tableKey = table.isDelimited ? table.name : table.name.lowercased()
        let schemaKey = schema.map { $0.isDelimited ? $0.name : $0.name.lowercased() }
        var candidates: [ADQLTableName] = []
        for (i, t) in tables.enumerated() {
            guard (table.isDelimited ? t.table : lowered[i].table) == tableKey else { continue }
            if let schema, let schemaKey, (schema.isDelimited ? t.schema : lowered[i].schema) != schemaKey { continue }
            candidates.append(t)
        }
        if candidates.count > 1 {
            let folded = candidates.filter { candidate in
                candidate.table == table.folded && (schema.map { candidate.schema == $0.folded } ?? true)
            }
            if folded.count == 1 { return folded[0] }
        }
        switch candidates.count {
        case 1:
            return candidates[0]
        case 0:
            throw ADQLError("Table '\(name.display)' is not published", at: name.position)
        default:
            let names = candidates.map(\.description).sorted().prefix(5).joined(separator: ", ")
            throw ADQLError("Table '\(name.display)' is ambiguous", at: name.position, hint: "name its schema: \(names)")
        }
    }
}
