import JSON

/// A parsed Avro schema: the top-level type and the named types it defines.
///
/// Build one from the schema's JSON text (what the registry returns in its `"schema"` member) with
/// ``init(parsing:)``; parsing checks everything the decoder relies on, so a schema that parses can be
/// used to decode any input without further checks.
public struct AvroSchema: Sendable, Equatable {
    /// The type of the values this schema describes, usually a record.
    public let root: AvroType
    /// Every record, enum and fixed the schema defines, by full name, for resolving ``AvroType/reference(_:)``.
    public let namedTypes: [String: AvroType]

    /// Deepest nesting of types accepted by the parser.
    public static let maximumDepth = 64

    init(root: AvroType, namedTypes: [String: AvroType]) {
        self.root = root
        self.namedTypes = namedTypes
    }

    /// Parses a schema from its JSON text.
    public init(parsing text: String) throws(AvroError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses a schema from its JSON text as UTF-8 bytes.
    public init(parsing json: [UInt8]) throws(AvroError) {
        var parser = SchemaParser()
        let root = try parser.parse(JSONValue.parseForAvro(json), namespace: nil, depth: 0)
        self.init(root: root, namedTypes: parser.definitions)
    }

    /// `type` itself, or the definition it refers to when it is a reference.
    public func resolve(_ type: AvroType) -> AvroType {
        guard case .reference(let name) = type, let definition = namedTypes[name] else { return type }
        return definition
    }

    /// The top-level record, when the schema is one (every SAL topic is).
    public var rootRecord: AvroRecordSchema? {
        if case .record(let record) = resolve(root) { return record }
        return nil
    }

    /// The fewest bytes any value of `type` can take on the wire: a lower bound used to reject block counts
    /// the remaining input cannot hold. Cycles (recursive types) and very large types count as 0 beyond a
    /// small budget, which keeps the bound valid (only ever too low) and its cost fixed.
    func minimumEncodedSize(_ type: AvroType) -> Int {
        var budget = 64
        return minimumEncodedSize(type, budget: &budget)
    }

    private func minimumEncodedSize(_ type: AvroType, budget: inout Int) -> Int {
        guard budget > 0 else { return 0 }
        budget -= 1
        switch type {
        case .null: return 0
        case .boolean, .int, .long, .bytes, .string, .enumeration, .array, .map: return 1
        case .float: return 4
        case .double: return 8
        case .fixed(let fixed): return fixed.size
        case .record(let record):
            var total = 0
            for field in record.fields {
                let (sum, overflow) = total.addingReportingOverflow(minimumEncodedSize(field.type, budget: &budget))
                total = overflow ? Int.max : sum
            }
            return total
        case .union(let branches):
            var smallest = Int.max
            for branch in branches { smallest = min(smallest, minimumEncodedSize(branch, budget: &budget)) }
            return branches.isEmpty ? 1 : 1 &+ min(smallest, Int.max - 1)
        case .reference(let name):
            guard let definition = namedTypes[name] else { return 0 }
            return minimumEncodedSize(definition, budget: &budget)
        }
    }
}
