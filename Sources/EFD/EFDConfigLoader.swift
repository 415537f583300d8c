import Felis
import Foundation
import Yams

/// Every problem found in a config, each naming the column (and line) it concerns.
public struct EFDConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var problems: [String]
    public var source: String?

    public var description: String {
        let prefix = source.map { "\($0): " } ?? ""
        return prefix + "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the EFD config:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}

extension EFDConfig {
    /// Loads and validates a config file.
    public static func load(contentsOf url: URL) throws(EFDConfigError) -> EFDConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw EFDConfigError(problems: ["cannot be read: \(error.localizedDescription)"], source: url.path)
        }
        return try parse(text, source: url.path)
    }

    /// Parses and validates config text, collecting every problem before failing.
    public static func parse(_ text: String, source: String? = nil) throws(EFDConfigError) -> EFDConfig {
        if let problem = YAMLLimits.problem(with: text) {
            throw EFDConfigError(problems: ["line \(problem.line): \(problem.message)"], source: source)
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            // Yams quotes the offending line, which may be huge: keep the message readable.
            throw EFDConfigError(problems: ["not valid YAML: \(String(describing: error).prefix(300))"], source: source)
        }
        var reader = ConfigReader()
        let config = reader.config(root)
        guard reader.problems.isEmpty, let config else {
            throw EFDConfigError(problems: reader.problems.isEmpty ? ["the config is empty"] : reader.problems, source: source)
        }
        return config
    }
}

/// Reads the YAML tree, noting problems instead of stopping at the first.
struct ConfigReader {
    var problems: [String] = []

    static let columnKeys: Set<String> = [
        "name", "tables", "function", "function_args", "datatype", "ivoa", "description", "packed_series",
        "subset_field", "subset_value", "start_offset", "pre_aggregate_interval", "store_unpivoted", "topics",
    ]
    /// Summaries are floating-point values (every reference column is `float`).
    static let numericDatatypes: Set<String> = ["float", "double"]
    /// Names of the tables' own columns, which a summary column cannot take.
    static let reservedNames: Set<String> = ["day_obs", "seq_num", "exposure_id", "visit_id", "created_at", "property", "field", "value"]
    /// PostgreSQL's identifier limit; unpivoted `property` values are varchar(64) and `field` varchar(32).
    static let maximumNameLength = 63

    mutating func note(_ where_: String, _ node: Node?, _ message: String) {
        let line = node?.mark.map { " (line \($0.line))" } ?? ""
        problems.append("\(where_)\(line): \(message)")
    }

    mutating func config(_ root: Node?) -> EFDConfig? {
        guard let root, case .mapping(let top) = root else {
            note("config", root, "must be a mapping with `version` and `columns`")
            return nil
        }
        for key in top.keys where !["version", "columns"].contains(key.string ?? "") {
            note("config", key, "unknown key `\(key.string ?? "?")` (expected version, columns)")
        }
        var version = ""
        if let node = top["version"] {
            if let text = node.string, case .scalar = node, !text.isEmpty { version = text } else { note("config", node, "`version` must be a text value such as 1.1.0") }
        } else {
            note("config", root, "`version` is missing")
        }
        guard let list = top["columns"], case .sequence(let items) = list else {
            note("config", top["columns"] ?? root, "`columns` must be a list of columns")
            return nil
        }
        var columns: [EFDColumn] = []
        var names: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            guard let column = self.column(item, index: index) else { continue }
            if let first = names[column.name] {
                note("column \(column.name)", item, "duplicate name (also column #\(first + 1))")
                continue
            }
            names[column.name] = index
            columns.append(column)
        }
        if items.isEmpty { note("config", list, "`columns` is empty") }
        return EFDConfig(version: version, columns: columns)
    }

    // MARK: One column

    mutating func column(_ node: Node, index: Int) -> EFDColumn? {
        guard case .mapping(let fields) = node else {
            note("column #\(index + 1)", node, "must be a mapping")
            return nil
        }
        let name = fields["name"]?.string ?? ""
        let label = name.isEmpty ? "column #\(index + 1)" : "column \(name)"
        let before = problems.count
        if name.isEmpty {
            note(label, node, "`name` is missing")
        } else if Self.reservedNames.contains(name) {
            note(label, fields["name"], "name \(name) is a key or bookkeeping column of the EFD tables")
        } else if !Self.isIdentifier(name) {
            note(label, fields["name"], "name must be lower-case letters, digits and _ (starting with a letter), at most \(Self.maximumNameLength) characters")
        }
        for key in fields.keys where !Self.columnKeys.contains(key.string ?? "") {
            note(label, key, "unknown key `\(key.string ?? "?")`")
        }
        let storeUnpivoted = flag(fields["store_unpivoted"], label, "store_unpivoted") ?? false
        let tables = self.tables(fields["tables"], label, storeUnpivoted: storeUnpivoted)
        let function = self.function(fields["function"], arguments: fields["function_args"], label)
        let datatype = fields["datatype"]?.string ?? "float"
        if !Self.numericDatatypes.contains(datatype) {
            note(label, fields["datatype"], "datatype `\(datatype)` is not float or double")
        }
        var unit: String?, ucd: String?
        if let ivoa = fields["ivoa"] {
            if case .mapping(let pairs) = ivoa {
                for key in pairs.keys where !["unit", "ucd"].contains(key.string ?? "") {
                    note(label, key, "unknown ivoa key `\(key.string ?? "?")` (expected unit, ucd)")
                }
                unit = pairs["unit"]?.string.map(Self.unquotedUnit)
                ucd = pairs["ucd"]?.string
            } else {
                note(label, ivoa, "`ivoa` must be a mapping with unit and ucd")
            }
        }
        let description = fields["description"]?.string
        let packed = flag(fields["packed_series"], label, "packed_series") ?? false
        let (subsetField, subsetValues) = subset(fields["subset_field"], fields["subset_value"], label)
        var startOffset: Double?
        if let node = fields["start_offset"] {
            if let hours = node.float, hours.isFinite, hours <= 0, hours >= -168 {
                startOffset = hours
            } else {
                note(label, node, "start_offset must be a number of hours between -168 and 0, got `\(node.string ?? "?")`")
            }
        }
        var interval: AggregationInterval?
        if let node = fields["pre_aggregate_interval"] {
            if let text = node.string, let parsed = AggregationInterval(parsing: text) {
                interval = parsed
                if let function, ![.mean, .min, .max].contains(function) {
                    note(label, node, "pre_aggregate_interval applies to mean, min and max only")
                }
            } else {
                note(label, node, "pre_aggregate_interval must be a duration such as 1s, 500ms, 2m, got `\(node.string ?? "?")`")
            }
        }
        let topics = self.topics(fields["topics"], label, storeUnpivoted: storeUnpivoted)
        if packed, topics.count > 1 {
            note(label, fields["topics"], "packed_series reads one topic")
        }
        if let subsetField, !topics.isEmpty, topics.allSatisfy({ $0.fields.allSatisfy { $0 == subsetField } }) {
            note(label, fields["topics"], "has no field to summarize besides its subset_field \(subsetField)")
        }
        guard problems.count == before, let function, let tables else { return nil }
        return EFDColumn(
            name: name, tables: tables, function: function, datatype: datatype, unit: unit, ucd: ucd, description: description,
            packedSeries: packed, subsetField: subsetField, subsetValues: subsetValues, startOffsetHours: startOffset,
            preAggregateInterval: interval, storeUnpivoted: storeUnpivoted, topics: topics
        )
    }

    mutating func tables(_ node: Node?, _ label: String, storeUnpivoted: Bool) -> [EFDTable]? {
        guard let node, case .sequence(let items) = node, !items.isEmpty else {
            note(label, node, "`tables` must be a non-empty list of exposure_efd, visit1_efd, exposure_efd_unpivoted, visit1_efd_unpivoted")
            return nil
        }
        var tables: [EFDTable] = []
        for item in items {
            guard let name = item.string, let table = EFDTable(rawValue: name) else {
                note(label, item, "unknown table `\(item.string ?? "?")` (valid: \(EFDTable.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            if table.isUnpivoted != storeUnpivoted {
                note(label, item, storeUnpivoted
                     ? "store_unpivoted columns go only to exposure_efd_unpivoted and visit1_efd_unpivoted, not \(name)"
                     : "\(name) takes store_unpivoted columns only (set store_unpivoted: true)")
                continue
            }
            if tables.contains(table) { note(label, item, "table \(name) is listed twice"); continue }
            tables.append(table)
        }
        return tables.isEmpty ? nil : tables
    }

    mutating func function(_ node: Node?, arguments: Node?, _ label: String) -> SummaryFunction? {
        guard let name = node?.string else {
            note(label, node, "`function` is missing (one of \(SummaryFunction.names.joined(separator: ", ")))")
            return nil
        }
        var args: [String: Node] = [:]
        if let arguments {
            guard case .mapping(let pairs) = arguments else {
                note(label, arguments, "`function_args` must be a mapping")
                return nil
            }
            for (key, value) in pairs { args[key.string ?? "?"] = value }
        }
        func unexpected(_ allowed: [String]) -> Bool {
            let extra = args.keys.filter { !allowed.contains($0) }.sorted()
            if !extra.isEmpty {
                note(label, arguments, "function_args \(extra.joined(separator: ", ")) not accepted by \(name)" + (allowed.isEmpty ? "" : " (accepts \(allowed.joined(separator: ", ")))"))
            }
            return !extra.isEmpty
        }
        switch name {
        case "mean": return unexpected([]) ? nil : .mean
        case "min": return unexpected([]) ? nil : .min
        case "max": return unexpected([]) ? nil : .max
        case "most_recent_value": return unexpected([]) ? nil : .mostRecentValue
        case "stddev":
            if unexpected(["ddof"]) { return nil }
            guard let node = args["ddof"] else { return .stddev(ddof: 1) }
            guard let ddof = node.int, ddof >= 0, ddof < 1000 else {
                note(label, node, "ddof must be a non-negative integer")
                return nil
            }
            return .stddev(ddof: ddof)
        case "rms_from_polynomial_fit":
            if unexpected(["degree", "fit_basis"]) { return nil }
            guard let node = args["degree"], let degree = node.int, (0...10).contains(degree) else {
                note(label, args["degree"] ?? arguments ?? node, "rms_from_polynomial_fit needs an integer degree from 0 to 10")
                return nil
            }
            let basisName = args["fit_basis"]?.string ?? "index"
            guard let basis = SummaryFunction.FitBasis(rawValue: basisName) else {
                note(label, args["fit_basis"], "fit_basis must be index or time, got `\(basisName)`")
                return nil
            }
            return .rmsFromPolynomialFit(degree: degree, fitBasis: basis)
        default:
            note(label, node, "unknown function `\(name)` (valid: \(SummaryFunction.names.joined(separator: ", ")))")
            return nil
        }
    }

    mutating func subset(_ fieldNode: Node?, _ valueNode: Node?, _ label: String) -> (String?, [Double]) {
        switch (fieldNode, valueNode) {
        case (nil, nil):
            return (nil, [])
        case (let field?, nil):
            note(label, field, "subset_field needs a subset_value")
        case (nil, let value?):
            note(label, value, "subset_value needs a subset_field")
        case (let field?, let value?):
            guard let name = field.string, !name.isEmpty else {
                note(label, field, "subset_field must be a field name")
                return (nil, [])
            }
            let items: [Node]
            if case .sequence(let list) = value { items = Array(list) } else { items = [value] }
            let numbers = items.compactMap { $0.float }.filter(\.isFinite)
            guard !items.isEmpty, numbers.count == items.count else {
                note(label, value, "subset_value must be a number or a list of numbers")
                return (nil, [])
            }
            return (name, numbers)
        }
        return (nil, [])
    }

    mutating func topics(_ node: Node?, _ label: String, storeUnpivoted: Bool) -> [EFDTopicSelection] {
        guard let node, case .sequence(let items) = node, !items.isEmpty else {
            note(label, node, "`topics` must be a non-empty list of {name, fields}")
            return []
        }
        var topics: [EFDTopicSelection] = []
        for item in items {
            guard case .mapping(let pairs) = item, let name = pairs["name"]?.string, !name.isEmpty else {
                note(label, item, "each topic needs a `name`")
                continue
            }
            // librdkafka would read a name starting with ^ as a pattern and subscribe to whatever matches.
            guard !name.hasPrefix("^"), name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
                note(label, item, "topic name `\(name)` must be letters, digits, '.', '_' and '-'")
                continue
            }
            if topics.contains(where: { $0.name == name }) {
                note(label, item, "topic \(name) is listed twice")
                continue
            }
            for key in pairs.keys where !["name", "fields"].contains(key.string ?? "") {
                note(label, key, "unknown topic key `\(key.string ?? "?")`")
            }
            guard let list = pairs["fields"], case .sequence(let fieldItems) = list, !fieldItems.isEmpty else {
                note(label, item, "topic \(name) needs a non-empty `fields` list")
                continue
            }
            var fields: [String] = []
            for fieldItem in fieldItems {
                guard case .mapping(let fieldPairs) = fieldItem, let field = fieldPairs["name"]?.string, !field.isEmpty else {
                    note(label, fieldItem, "each field of topic \(name) needs a `name`")
                    continue
                }
                if storeUnpivoted, field.count > 32 {
                    note(label, fieldItem, "field \(field) is longer than the unpivoted tables' 32-character field column")
                }
                if fields.contains(field) { note(label, fieldItem, "field \(field) of topic \(name) is listed twice"); continue }
                if field == "private_efdStamp" { note(label, fieldItem, "private_efdStamp is the EFD time of every sample, not a field to summarize"); continue }
                fields.append(field)
            }
            topics.append(EFDTopicSelection(name: name, fields: fields))
        }
        return topics
    }

    mutating func flag(_ node: Node?, _ label: String, _ key: String) -> Bool? {
        guard let node else { return nil }
        if let value = node.bool { return value }
        note(label, node, "`\(key)` must be true or false")
        return nil
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= maximumNameLength else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The reference's configs quote some units inside the text (`"\"%\""`, and `"\"\""` for
    /// dimensionless); the schema it generates has them without the quotes.
    static func unquotedUnit(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        return String(text.dropFirst().dropLast())
    }
}
