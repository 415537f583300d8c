import Foundation
import Yams

/// Reads and strictly checks consistency rules files (`config/consistency/<instrument>.yaml`).
///
/// Every key is known, every value has its type, every name is a plain SQL identifier: the SQL is
/// generated from these values with quoted identifiers and bind parameters, never pasted from the file.
public enum RuleFileLoader {
    /// Largest rules file read: they are a few kilobytes; this stops a mistaken path early.
    static let maximumBytes = 1 << 20

    /// Every `*.yaml` file of `directory`, keyed by instrument; two files naming one instrument are an error.
    public static func loadDirectory(_ directory: String) throws -> [String: RuleSet] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw RuleFileError(file: directory, line: nil, rule: nil, message: "cannot list the rules directory: \(error.localizedDescription)")
        }
        var sets: [String: RuleSet] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            let set = try load(file: path)
            if let other = sets[set.instrument] {
                throw RuleFileError(file: path, line: nil, rule: nil, message: "instrument '\(set.instrument)' already has rules in \(other.source)")
            }
            sets[set.instrument] = set
        }
        if sets.isEmpty {
            throw RuleFileError(file: directory, line: nil, rule: nil, message: "holds no rules files (*.yaml)")
        }
        return sets
    }

    public static func load(file path: String) throws -> RuleSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuleFileError(file: path, line: nil, rule: nil, message: "cannot be read")
        }
        guard data.count <= maximumBytes else {
            throw RuleFileError(file: path, line: nil, rule: nil, message: "is larger than \(maximumBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RuleFileError(file: path, line: nil, rule: nil, message: "is not UTF-8")
        }
        return try parse(text, source: path)
    }

    /// Parses one file's text; `source` names it in errors.
    public static func parse(_ text: String, source: String) throws -> RuleSet {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw RuleFileError(file: source, line: nil, rule: nil, message: "is not valid YAML: \(error)")
        }
        guard let root else { throw RuleFileError(file: source, line: nil, rule: nil, message: "is empty") }
        let reader = Reader(source: source, rule: nil)
        let top = try reader.mapping(root, what: "the file", keys: ["instrument", "schema", "description", "rules"])
        let instrument = try reader.identifier(top["instrument"], "instrument", required: true, at: root)!
        let schema = try reader.identifier(top["schema"], "schema", required: true, at: root)!
        guard let rulesNode = top["rules"], case .sequence(let items) = rulesNode else {
            throw reader.error("'rules' must be a list of rules", at: top["rules"] ?? root)
        }
        var rules: [ConsistencyRule] = []
        var seen: Set<String> = []
        for item in items {
            let rule = try parseRule(item, source: source, instrument: instrument, schema: schema)
            guard seen.insert(rule.name).inserted else {
                throw RuleFileError(file: source, line: rule.line, rule: rule.name, message: "is defined twice")
            }
            rules.append(rule)
        }
        if rules.isEmpty { throw reader.error("'rules' is empty", at: rulesNode) }
        return RuleSet(instrument: instrument, schema: schema, rules: rules, source: source)
    }

    /// The keys every kind takes, and those of each kind.
    static let commonKeys: Set<String> = ["name", "kind", "class", "description"]
    static let kindKeys: [String: Set<String>] = [
        "detector_set": ["table", "detectors"],
        "id_encoding": ["id_column", "multiplier"],
        "key_agreement": ["table", "key", "columns"],
        "row_per_exposure": ["table", "schema", "key", "base", "base_key", "img_types", "except_img_types", "wait_seconds"],
        "ccd_rows": ["table", "key", "expected", "expected_by_img_type", "img_types", "except_img_types"],
        "forbidden_ccd_rows": ["products", "detectors", "img_types", "except_img_types"],
        "dead_letters": ["worker_contains"],
        "failed_batch_tasks": ["batch_instrument"],
    ]

    static func parseRule(_ node: Node, source: String, instrument: String, schema: String) throws -> ConsistencyRule {
        var reader = Reader(source: source, rule: nil)
        guard case .mapping(let mapping) = node else { throw reader.error("a rule must be a mapping", at: node) }
        // The name first, so that every later error can name the rule.
        let nameNode = mapping.first { $0.key.scalar?.string == "name" }?.value
        let name = try reader.identifier(nameNode, "name", required: true, at: node)!
        reader.rule = name
        let kindText = try reader.string(mapping.first { $0.key.scalar?.string == "kind" }?.value, "kind", required: true, at: node)!
        guard let extra = kindKeys[kindText] else {
            throw reader.error("unknown kind '\(kindText)'; known kinds: \(kindKeys.keys.sorted().joined(separator: ", "))", at: node)
        }
        let fields = try reader.mapping(node, what: "a \(kindText) rule", keys: commonKeys.union(extra))
        let categoryText = try reader.string(fields["class"], "class", required: true, at: node)!
        guard let category = ConsistencyRule.Category(rawValue: categoryText) else {
            throw reader.error("'class' must be one of \(ConsistencyRule.Category.allCases.map(\.rawValue).joined(separator: ", ")); got '\(categoryText)'", at: fields["class"])
        }
        let description = try reader.string(fields["description"], "description", required: false, at: node)
        func table(_ key: String, default fallback: String? = nil, schema tableSchema: String = schema) throws -> TableName {
            let name = try reader.identifier(fields[key], key, required: fallback == nil, at: node) ?? fallback!
            return TableName(tableSchema, name)
        }
        func column(_ key: String, default fallback: String) throws -> String {
            try reader.identifier(fields[key], key, required: false, at: node) ?? fallback
        }
        func imageTypes() throws -> ImageTypeFilter {
            let only = try reader.stringList(fields["img_types"], "img_types")
            let except = try reader.stringList(fields["except_img_types"], "except_img_types") ?? []
            if only != nil, !except.isEmpty { throw reader.error("give 'img_types' or 'except_img_types', not both", at: fields["except_img_types"]) }
            return ImageTypeFilter(only: only, except: except)
        }
        let kind: RuleKind
        switch kindText {
        case "detector_set":
            guard let detectors = try reader.detectors(fields["detectors"], "detectors") else { throw reader.error("has no 'detectors'", at: node) }
            kind = .detectorSet(table: try table("table", default: "ccdexposure"), detectors: detectors)
        case "id_encoding":
            let multiplier = try reader.integer(fields["multiplier"], "multiplier", range: 1...1_000_000_000) ?? 100_000
            kind = .idEncoding(idColumn: try column("id_column", default: "exposure_id"), multiplier: multiplier)
        case "key_agreement":
            let columns = try reader.identifierList(fields["columns"], "columns") ?? ["day_obs", "seq_num"]
            if columns.isEmpty { throw reader.error("'columns' is empty", at: fields["columns"]) }
            kind = .keyAgreement(table: try table("table", default: "ccdexposure"), key: try column("key", default: "exposure_id"), columns: columns)
        case "row_per_exposure":
            let tableSchema = try reader.identifier(fields["schema"], "schema", required: false, at: node) ?? schema
            let wait = try reader.integer(fields["wait_seconds"], "wait_seconds", range: 0...(30 * 86_400))
            kind = .rowPerExposure(
                base: try table("base", default: "exposure"), baseKey: try column("base_key", default: "exposure_id"),
                table: try table("table", schema: tableSchema), key: try column("key", default: "exposure_id"),
                imageTypes: try imageTypes(), waitSeconds: wait
            )
        case "ccd_rows":
            guard let expected = try reader.integer(fields["expected"], "expected", range: 0...100_000) else { throw reader.error("has no 'expected'", at: node) }
            var byType: [String: Int] = [:]
            if let node = fields["expected_by_img_type"] {
                for (key, value) in try reader.plainMapping(node, "expected_by_img_type") {
                    byType[key] = try reader.integer(value, "expected_by_img_type.\(key)", range: 0...100_000)
                }
            }
            kind = .ccdRows(
                product: ProductTable(table: try table("table"), key: try column("key", default: "ccdexposure_id")),
                expected: expected, expectedByImageType: byType, imageTypes: try imageTypes()
            )
        case "forbidden_ccd_rows":
            guard let productsNode = fields["products"], case .sequence(let items) = productsNode, !items.isEmpty else {
                throw reader.error("'products' must be a non-empty list of {table, key}", at: fields["products"] ?? node)
            }
            var products: [ProductTable] = []
            for item in items {
                let product = try reader.mapping(item, what: "a product", keys: ["table", "key"])
                let name = try reader.identifier(product["table"], "table", required: true, at: item)!
                let key = try reader.identifier(product["key"], "key", required: false, at: item) ?? "ccdexposure_id"
                products.append(ProductTable(table: TableName(schema, name), key: key))
            }
            let detectors = try reader.detectors(fields["detectors"], "detectors")
            let types = try imageTypes()
            if detectors == nil, types == .all {
                throw reader.error("needs 'detectors' or 'img_types' (else it forbids every product row)", at: node)
            }
            kind = .forbiddenCCDRows(products: products, detectors: detectors, imageTypes: types)
        case "dead_letters":
            kind = .deadLetters(workerContains: try reader.string(fields["worker_contains"], "worker_contains", required: false, at: node) ?? instrument)
        case "failed_batch_tasks":
            kind = .failedBatchTasks(instrument: try reader.string(fields["batch_instrument"], "batch_instrument", required: false, at: node) ?? instrument)
        default:
            throw reader.error("unknown kind '\(kindText)'", at: node)
        }
        if category == .ingest, !(kindText == "dead_letters" || kindText == "failed_batch_tasks") {
            throw reader.error("class 'ingest' is for dead_letters and failed_batch_tasks rules", at: fields["class"])
        }
        return ConsistencyRule(name: name, category: category, description: description, kind: kind, line: line(of: node))
    }

    static func line(of node: Node?) -> Int? { node?.mark.map { $0.line } }

    /// Typed access to one rule's nodes, every mistake an error with file, line and rule.
    struct Reader {
        var source: String
        var rule: String?

        func error(_ message: String, at node: Node?) -> RuleFileError {
            RuleFileError(file: source, line: RuleFileLoader.line(of: node), rule: rule, message: message)
        }

        func mapping(_ node: Node, what: String, keys: Set<String>) throws -> [String: Node] {
            guard case .mapping(let mapping) = node else { throw error("\(what) must be a mapping", at: node) }
            var fields: [String: Node] = [:]
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else { throw error("keys of \(what) must be plain names", at: key) }
                guard keys.contains(scalar.string) else {
                    throw error("unknown key '\(scalar.string)' in \(what); known keys: \(keys.sorted().joined(separator: ", "))", at: key)
                }
                guard fields[scalar.string] == nil else { throw error("key '\(scalar.string)' appears twice", at: key) }
                fields[scalar.string] = value
            }
            return fields
        }

        func plainMapping(_ node: Node, _ what: String) throws -> [(String, Node)] {
            guard case .mapping(let mapping) = node else { throw error("'\(what)' must be a mapping", at: node) }
            var pairs: [(String, Node)] = []
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key, !scalar.string.isEmpty else { throw error("keys of '\(what)' must be names", at: key) }
                pairs.append((scalar.string, value))
            }
            return pairs
        }

        func string(_ node: Node?, _ what: String, required: Bool, at owner: Node) throws -> String? {
            guard let node else {
                if required { throw error("has no '\(what)'", at: owner) }
                return nil
            }
            guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw error("'\(what)' must be a non-empty text value", at: node) }
            guard !scalar.string.utf8.contains(0), scalar.string.utf8.count <= 500 else { throw error("'\(what)' is too long or holds NUL", at: node) }
            return scalar.string
        }

        /// A plain SQL name: lower-case letters, digits and underscores, starting with a letter or underscore.
        func identifier(_ node: Node?, _ what: String, required: Bool, at owner: Node) throws -> String? {
            guard let text = try string(node, what, required: required, at: owner) else { return nil }
            guard Self.isIdentifier(text) else {
                throw error("'\(what)' must be a plain SQL name (a-z, 0-9, _; at most 63 characters); got '\(text)'", at: node)
            }
            return text
        }

        static func isIdentifier(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            guard let first = bytes.first, bytes.count <= 63 else { return false }
            func letter(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || b == 95 }
            return letter(first) && bytes.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
        }

        func integer(_ node: Node?, _ what: String, range: ClosedRange<Int>) throws -> Int? {
            guard let node else { return nil }
            guard case .scalar(let scalar) = node, let value = Int(scalar.string) else { throw error("'\(what)' must be a whole number", at: node) }
            guard range.contains(value) else { throw error("'\(what)' must be between \(range.lowerBound) and \(range.upperBound); got \(value)", at: node) }
            return value
        }

        func items(_ node: Node, _ what: String) throws -> [Node] {
            guard case .sequence(let sequence) = node else { throw error("'\(what)' must be a list", at: node) }
            return Array(sequence)
        }

        func stringList(_ node: Node?, _ what: String) throws -> [String]? {
            guard let node else { return nil }
            return try items(node, what).map { item in
                guard case .scalar(let scalar) = item, !scalar.string.isEmpty, scalar.string.utf8.count <= 100, !scalar.string.utf8.contains(0) else {
                    throw error("items of '\(what)' must be short text values", at: item)
                }
                return scalar.string
            }
        }

        func identifierList(_ node: Node?, _ what: String) throws -> [String]? {
            guard let node else { return nil }
            return try items(node, what).map { item in try identifier(item, what, required: true, at: node)! }
        }

        /// Numbers and `first-last` ranges, as a list or as one comma-separated text.
        func detectors(_ node: Node?, _ what: String) throws -> DetectorSet? {
            guard let node else { return nil }
            var pieces: [(String, Node)] = []
            switch node {
            case .scalar(let scalar):
                pieces = scalar.string.split(separator: ",").map { (String($0), node) }
            case .sequence(let sequence):
                for item in sequence {
                    guard case .scalar(let scalar) = item else { throw error("items of '\(what)' must be numbers or ranges like 0-188", at: item) }
                    pieces.append((scalar.string, item))
                }
            default:
                throw error("'\(what)' must be a list of numbers and ranges like 0-188", at: node)
            }
            var numbers: [Int] = []
            for (piece, at) in pieces {
                let parts = piece.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
                let bounds = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low >= 0, high <= 9999, low <= high else {
                    throw error("'\(what)': '\(piece)' is not a detector number or range (0-9999)", at: at)
                }
                numbers += Array(low...high)
            }
            if numbers.isEmpty { throw error("'\(what)' is empty", at: node) }
            return DetectorSet(numbers)
        }
    }
}
