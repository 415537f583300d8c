import Foundation
import Yams

extension FelisSchema {
    /// Loads and validates a Felis YAML file.
    ///
    /// - Throws: ``FelisError`` naming the file, line, table and column of the first problem.
    public static func load(contentsOf url: URL) throws -> FelisSchema {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FelisError(.unreadable, "cannot read the file: \(error.localizedDescription)", source: url.path)
        }
        return try parse(data: data, source: url.lastPathComponent)
    }

    /// Parses Felis YAML from raw bytes, which must be UTF-8 text.
    public static func parse(data: Data, source: String? = nil) throws -> FelisSchema {
        if data.count > YAMLLimits.maximumBytes {
            throw FelisError(.tooComplex, "document is larger than \(YAMLLimits.maximumBytes >> 20) MiB", source: source)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FelisError(.unreadable, "the file is not UTF-8 text", source: source)
        }
        return try parse(yaml: text, source: source)
    }

    /// Parses Felis YAML text. `source` names the text in errors (usually the file name).
    public static func parse(yaml: String, source: String? = nil) throws -> FelisSchema {
        try FelisLoader(source: source).load(yaml)
    }
}

/// Reads a Felis document in two passes: the YAML into tables and columns, keeping `#table.column`
/// references as written; then ``FelisReferences`` resolves those into names, once every column is
/// known (references may point forward).
struct FelisLoader {
    let fields: YAMLFields

    init(source: String?) {
        fields = YAMLFields(source: source)
    }

    func load(_ text: String) throws -> FelisSchema {
        let root = try compose(text)
        let top = try fields.mapping(root, what: "the document", .init())
        let name = try fields.requiredString(top, "name", in: "the schema", at: root, .init())
        try checkName(name, what: "schema name", at: root, .init())

        var schema = FelisSchema(
            name: name,
            id: try fields.string(top["@id"], what: "'@id' of the schema", .init()),
            description: try fields.text(top["description"], what: "'description' of the schema", .init()),
            version: try version(top["version"]),
            utype: try fields.string(top["votable:utype"], what: "'votable:utype' of the schema", .init())
        )
        guard let tableNodes = try fields.sequence(top["tables"], what: "'tables'", .init()) else {
            throw fields.error(.missingField, "the schema has no 'tables' list", at: root)
        }
        var pending: [PendingTable] = []
        for node in tableNodes {
            pending.append(try table(node))
        }
        schema.tables = try FelisReferences(fields: fields, tables: pending).resolve()
        return schema
    }

    /// Parses the text into a YAML tree, after checking it cannot blow the YAML library's stack.
    private func compose(_ text: String) throws -> Node {
        if text.utf8.contains(0) {
            throw FelisError(.unreadable, "the file contains NUL bytes (binary data, not YAML text)", source: fields.source)
        }
        if let problem = YAMLLimits.problem(with: text) {
            throw FelisError(.tooComplex, problem.message, source: fields.source, line: problem.line)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, source: fields.source)
        } catch {
            throw FelisError(.malformedYAML, "invalid YAML: \(error)", source: fields.source)
        }
        guard let root else {
            throw FelisError(.invalidStructure, "the document is empty", source: fields.source)
        }
        return root
    }

    private static func describe(_ error: YamlError, source: String?) -> FelisError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return FelisError(.malformedYAML, "invalid YAML: \(text)", source: source, line: mark.line)
        case .reader(let problem, _, _, _):
            return FelisError(.unreadable, "cannot read the text: \(problem)", source: source)
        default:
            return FelisError(.malformedYAML, "invalid YAML: \(error)", source: source)
        }
    }

    /// `version: {current: "3.5.0"}` or `version: "3.5.0"`.
    private func version(_ node: Node?) throws -> String? {
        guard let node, !fields.isNull(node) else { return nil }
        if case .mapping = node {
            let version = try fields.mapping(node, what: "'version'", .init())
            return try fields.string(version["current"], what: "'version.current'", .init())
        }
        return try fields.string(node, what: "'version'", .init())
    }

    // MARK: - Tables

    private func table(_ node: Node) throws -> PendingTable {
        let map = try fields.mapping(node, what: "a table", .init())
        let name = try fields.requiredString(map, "name", in: "a table", at: node, .init())
        let context = YAMLFields.Context(table: name)
        try checkName(name, what: "table name", at: node, context)

        var table = PendingTable(node: node, table: FelisTable(
            name: name,
            id: try fields.string(map["@id"], what: "'@id'", context),
            description: try fields.text(map["description"], what: "'description'", context),
            utype: try fields.string(map["votable:utype"], what: "'votable:utype'", context),
            tableIndex: try fields.integer(map["tap:table_index"], what: "'tap:table_index'", context)
        ))
        guard let columnNodes = try fields.sequence(map["columns"], what: "'columns'", context) else {
            throw fields.error(.missingField, "the table has no 'columns' list", at: node, context)
        }
        for columnNode in columnNodes {
            table.table.columns.append(try column(columnNode, table: name))
        }
        if let keyNode = map["primaryKey"] {
            if let references = try fields.strings(keyNode, what: "'primaryKey'", context) {
                table.primaryKey = (references: references, node: keyNode)
            }
        }
        for item in try fields.sequence(map["constraints"], what: "'constraints'", context) ?? [] {
            let constraint = try self.constraint(item, table: name)
            // Felis also lets an index be listed among the constraints, with "@type: Index".
            if constraint.type == "Index" { table.indexes.append(constraint) } else { table.constraints.append(constraint) }
        }
        for item in try fields.sequence(map["indexes"], what: "'indexes'", context) ?? [] {
            var index = try self.constraint(item, table: name, defaultType: "Index")
            index.type = "Index"
            table.indexes.append(index)
        }
        return table
    }

    private func column(_ node: Node, table: String) throws -> FelisColumn {
        let map = try fields.mapping(node, what: "a column", .init(table: table))
        let name = try fields.requiredString(map, "name", in: "a column", at: node, .init(table: table))
        let context = YAMLFields.Context(table: table, column: name)
        try checkName(name, what: "column name", at: node, context)

        let typeName = try fields.requiredString(map, "datatype", in: "the column", at: node, context)
        guard let datatype = FelisDatatype(rawValue: typeName) else {
            let known = FelisDatatype.allCases.map(\.rawValue).joined(separator: ", ")
            throw fields.error(.unknownDatatype, "unknown datatype '\(typeName.prefix(40))' (expected one of \(known))", at: map["datatype"], context)
        }
        let length = try fields.integer(map["length"], what: "'length'", context)
        let precision = try fields.integer(map["precision"], what: "'precision'", context)
        if datatype.isSized {
            guard let length else {
                throw fields.error(.missingLength, "\(datatype.rawValue) column needs a length", at: node, context)
            }
            guard (1...FelisDatatype.maximumLength).contains(length) else {
                throw fields.error(.invalidValue, "length \(length) is out of range (1 to \(FelisDatatype.maximumLength))", at: map["length"], context)
            }
        }
        if datatype == .timestamp, let precision, !(0...FelisDatatype.maximumTimestampPrecision).contains(precision) {
            throw fields.error(.invalidValue, "precision \(precision) is out of range (0 to \(FelisDatatype.maximumTimestampPrecision))", at: map["precision"], context)
        }
        let autoincrement = try fields.boolean(map["autoincrement"], what: "'autoincrement'", context) ?? false
        if autoincrement, !datatype.isInteger {
            throw fields.error(.invalidValue, "autoincrement needs an integer datatype, not \(datatype.rawValue)", at: map["autoincrement"], context)
        }
        var column = FelisColumn(
            name: name,
            id: try fields.string(map["@id"], what: "'@id'", context),
            datatype: datatype,
            length: datatype.isSized ? length : nil,
            precision: datatype == .timestamp ? precision : nil,
            nullable: (try fields.boolean(map["nullable"], what: "'nullable'", context) ?? true) && !autoincrement,
            description: try fields.text(map["description"], what: "'description'", context),
            unit: try fields.string(map["ivoa:unit"], what: "'ivoa:unit'", context)
                ?? fields.string(map["fits:tunit"], what: "'fits:tunit'", context),
            ucd: try fields.string(map["ivoa:ucd"], what: "'ivoa:ucd'", context),
            autoincrement: autoincrement,
            tap: try tapColumn(map, context)
        )
        if let valueNode = map["value"], !fields.isNull(valueNode) {
            if autoincrement {
                throw fields.error(.invalidValue, "an autoincrement column cannot also have a default 'value'", at: valueNode, context)
            }
            column.defaultValue = try FelisDefaultParser(fields: fields).parse(valueNode, for: column, context)
        }
        return column
    }

    /// The column's `votable:` and `tap:` keys, checked: TAP_SCHEMA and VOTable readers rely on them.
    private func tapColumn(_ map: [String: Node], _ context: YAMLFields.Context) throws -> FelisTAPColumn {
        let arraysize = try fields.string(map["votable:arraysize"], what: "'votable:arraysize'", context)
        if let arraysize, let problem = FelisTAPColumn.problem(withArraysize: arraysize) {
            throw fields.error(.invalidValue, "'votable:arraysize' '\(arraysize.prefix(40))': \(problem)", at: map["votable:arraysize"], context)
        }
        var flags: [String: Int] = [:]
        for key in ["tap:principal", "tap:std"] {
            // Felis writes these as 0 or 1; a YAML boolean means the same.
            guard let text = try fields.string(map[key], what: "'\(key)'", context) else { continue }
            if let flag = YAMLFields.parseBoolean(text), Int(text) == nil {
                flags[key] = flag ? 1 : 0
            } else if let value = Int(text), value == 0 || value == 1 {
                flags[key] = value
            } else {
                throw fields.error(.invalidValue, "'\(key)' must be 0 or 1, found '\(text.prefix(40))'", at: map[key], context)
            }
        }
        return FelisTAPColumn(
            arraysize: arraysize,
            xtype: try fields.string(map["votable:xtype"], what: "'votable:xtype'", context),
            utype: try fields.string(map["votable:utype"], what: "'votable:utype'", context),
            principal: flags["tap:principal"],
            std: flags["tap:std"],
            columnIndex: try fields.integer(map["tap:column_index"], what: "'tap:column_index'", context)
        )
    }

    private func constraint(_ node: Node, table: String, defaultType: String? = nil) throws -> PendingConstraint {
        let context = YAMLFields.Context(table: table)
        let map = try fields.mapping(node, what: "a constraint or index", context)
        let name = try fields.requiredString(map, "name", in: "a constraint or index", at: node, context)
        try checkName(name, what: "constraint or index name", at: node, context)
        guard let type = try fields.string(map["@type"], what: "'@type'", context) ?? defaultType else {
            throw fields.error(.missingField, "constraint '\(name)' has no '@type' (Unique, ForeignKey, Check or Index)", at: node, context)
        }
        guard ["Unique", "ForeignKey", "Check", "Index"].contains(type) else {
            throw fields.error(.unknownConstraintType, "constraint '\(name)' has unknown @type '\(type.prefix(40))' (expected Unique, ForeignKey, Check or Index)", at: map["@type"], context)
        }
        let initially = try fields.string(map["initially"], what: "'initially'", context)?.uppercased()
        if let initially, !["DEFERRED", "IMMEDIATE"].contains(initially) {
            throw fields.error(.invalidValue, "constraint '\(name)': 'initially' must be DEFERRED or IMMEDIATE", at: map["initially"], context)
        }
        return PendingConstraint(
            node: node, name: name, type: type,
            id: try fields.string(map["@id"], what: "'@id'", context),
            description: try fields.text(map["description"], what: "'description'", context),
            columns: try fields.strings(map["columns"], what: "'columns' of '\(name)'", context),
            referencedColumns: try fields.strings(map["referencedColumns"], what: "'referencedColumns' of '\(name)'", context),
            expression: try fields.string(map["expression"], what: "'expression' of '\(name)'", context),
            expressions: try fields.strings(map["expressions"], what: "'expressions' of '\(name)'", context),
            deferrable: try fields.boolean(map["deferrable"], what: "'deferrable'", context) ?? false,
            initially: initially,
            utype: try fields.string(map["votable:utype"], what: "'votable:utype' of '\(name)'", context)
        )
    }

    private func checkName(_ name: String, what: String, at node: Node, _ context: YAMLFields.Context) throws {
        if let problem = SQLText.problem(withName: name) {
            throw fields.error(.invalidName, "invalid \(what): \(problem)", at: node, context)
        }
    }
}

/// A table as read, before its key, constraint and index references are resolved.
struct PendingTable {
    var node: Node
    var table: FelisTable
    /// The `primaryKey` references, with the node they came from (for error lines).
    var primaryKey: (references: [String], node: Node)?
    var constraints: [PendingConstraint] = []
    var indexes: [PendingConstraint] = []

    init(node: Node, table: FelisTable) {
        self.node = node
        self.table = table
    }
}

/// A constraint or index as read, with its column references still as written.
struct PendingConstraint {
    var node: Node
    var name: String
    var type: String
    var id: String?
    var description: String?
    var columns: [String]?
    var referencedColumns: [String]?
    var expression: String?
    var expressions: [String]?
    var deferrable: Bool
    var initially: String?
    var utype: String?
}
