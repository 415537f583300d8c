import Foundation
import Yams

/// Typed access to the YAML nodes of a Felis file, turning every shape mistake into a ``FelisError``
/// that says where it is.
///
/// It also counts the nodes it visits: YAML aliases let a small file expand into an enormous tree
/// ("billion laughs"), and the budget stops that long before memory or time run out.
final class YAMLFields {
    let source: String?
    private var budget: Int

    init(source: String?, nodeBudget: Int = 2_000_000) {
        self.source = source
        self.budget = nodeBudget
    }

    /// Where an error is reported: the table and column being read.
    struct Context {
        var table: String?
        var column: String?
    }

    func error(_ kind: FelisError.Kind, _ message: String, at node: Node?, _ context: Context = Context()) -> FelisError {
        FelisError(kind, message, source: source, line: node?.mark?.line, table: context.table, column: context.column)
    }

    /// Charges one node against the budget.
    func visit(_ node: Node, _ context: Context) throws {
        budget -= 1
        if budget < 0 {
            throw error(.tooComplex, "document expands to too many YAML nodes (aliases?)", at: node, context)
        }
    }

    /// The key-value pairs of a mapping, keyed by their string keys. Duplicate keys are an error,
    /// because which one wins is not obvious to the author.
    func mapping(_ node: Node, what: String, _ context: Context) throws -> [String: Node] {
        try visit(node, context)
        guard case .mapping(let mapping) = node else {
            throw error(.invalidStructure, "\(what) must be a mapping, found \(shape(of: node))", at: node, context)
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            try visit(key, context)
            guard case .scalar(let scalar) = key else {
                throw error(.invalidStructure, "keys of \(what) must be plain strings", at: key, context)
            }
            if fields[scalar.string] != nil {
                throw error(.duplicateName, "key '\(scalar.string)' appears twice in \(what)", at: key, context)
            }
            fields[scalar.string] = value
        }
        return fields
    }

    /// The items of a sequence; nil for YAML null (an empty `key:`).
    func sequence(_ node: Node?, what: String, _ context: Context) throws -> [Node]? {
        guard let node, !isNull(node) else { return nil }
        try visit(node, context)
        guard case .sequence(let sequence) = node else {
            throw error(.invalidStructure, "\(what) must be a list, found \(shape(of: node))", at: node, context)
        }
        return Array(sequence)
    }

    /// A scalar's text; nil when the field is absent or null.
    func string(_ node: Node?, what: String, _ context: Context) throws -> String? {
        guard let node, !isNull(node) else { return nil }
        try visit(node, context)
        guard case .scalar(let scalar) = node else {
            throw error(.invalidStructure, "\(what) must be a single value, found \(shape(of: node))", at: node, context)
        }
        return scalar.string
    }

    /// A required, non-empty string.
    func requiredString(_ fields: [String: Node], _ key: String, in what: String, at owner: Node, _ context: Context) throws -> String {
        guard let value = try string(fields[key], what: "'\(key)' of \(what)", context) else {
            throw error(.missingField, "\(what) has no '\(key)'", at: owner, context)
        }
        return value
    }

    /// Optional free text, whitespace trimmed as Felis does; empty text counts as absent.
    func text(_ node: Node?, what: String, _ context: Context) throws -> String? {
        guard let value = try string(node, what: what, context) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    func integer(_ node: Node?, what: String, _ context: Context) throws -> Int? {
        guard let value = try string(node, what: what, context) else { return nil }
        guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
            throw error(.invalidValue, "\(what) must be an integer, found '\(value.prefix(40))'", at: node, context)
        }
        return number
    }

    func boolean(_ node: Node?, what: String, _ context: Context) throws -> Bool? {
        guard let value = try string(node, what: what, context) else { return nil }
        guard let flag = Self.parseBoolean(value) else {
            throw error(.invalidValue, "\(what) must be true or false, found '\(value.prefix(40))'", at: node, context)
        }
        return flag
    }

    /// One string or a list of strings (Felis accepts both for `primaryKey`).
    func strings(_ node: Node?, what: String, _ context: Context) throws -> [String]? {
        guard let node, !isNull(node) else { return nil }
        if case .scalar = node { return [try string(node, what: what, context)].compactMap { $0 } }
        guard let items = try sequence(node, what: what, context) else { return nil }
        return try items.map { item in
            guard let value = try string(item, what: "an item of \(what)", context) else {
                throw error(.invalidValue, "\(what) has an empty item", at: item, context)
            }
            return value
        }
    }

    /// True for YAML null: `~`, `null`, or nothing after the colon (but not the quoted string 'null').
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// True when the scalar was quoted in the file, so it is a string whatever it looks like.
    func isQuoted(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .singleQuoted || scalar.style == .doubleQuoted
    }

    static func parseBoolean(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "y", "t", "1": return true
        case "false", "no", "off", "n", "f", "0": return false
        default: return nil
        }
    }

    private func shape(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "the value '\(scalar.string.prefix(40))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
