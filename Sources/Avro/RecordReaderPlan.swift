// The plan an ``AvroRecordReader`` makes from a schema and its columns, and the reads it runs.

/// What the reader does with one top-level field.
enum ReaderOperation: Sendable {
    case skipBoolean
    case skipInt
    case skipLong
    /// float, double or fixed.
    case skipBytes(Int)
    /// string or bytes.
    case skipLengthPrefixed
    /// Any other type, by index into the reader's skipped types.
    case skipType(Int)
    case number(NumberKind, slot: Int)
    /// `["null", T]` or `[T, "null"]` with a numeric T.
    case nullableNumber(NumberKind, slot: Int, numberBranch: Int)
    /// Another union with a numeric branch, by index into the reader's unions.
    case scalarUnion(Int, slot: Int)
    /// An array of plain numbers; `slots` indexes the reader's element slots.
    case numberArray(NumberKind, slots: Range<Int>)
    /// An array of nullable numbers, by index into the reader's arrays.
    case array(Int)
    /// A union holding an array of numbers.
    case optionalArray(Int, arrayBranch: Int)
}

struct ReaderPlanner {
    let schema: AvroSchema
    var matched = Set<Int>()
    var operations: [ReaderOperation] = []
    var elementSlots: [Int] = []
    var skippedTypes: [AvroType] = []
    var unions: [[ScalarPlan.Branch]] = []
    var arrays: [ArrayPlan] = []

    init(schema: AvroSchema) { self.schema = schema }

    mutating func plan(_ field: AvroField, slot: Int?, columns: [String]) {
        if let slot, let plan = ScalarPlan(field.type, schema: schema) {
            operations.append(scalar(plan, slot: slot))
        } else if let found = ReaderPlanner.numericArray(field.type, schema: schema),
                  let items = ScalarPlan(found.items, schema: schema),
                  let slots = elementSlots(of: field.name, columns: columns) {
            switch (items, found.union) {
            case (.number(let kind), nil):
                operations.append(.numberArray(kind, slots: slots))
            case (_, nil):
                arrays.append(ArrayPlan(items: items, slots: slots, minimumItemSize: schema.minimumEncodedSize(found.items), unionBranches: []))
                operations.append(.array(arrays.count - 1))
            case (_, let union?):
                arrays.append(ArrayPlan(items: items, slots: slots, minimumItemSize: schema.minimumEncodedSize(found.items),
                                        unionBranches: union.branches))
                operations.append(.optionalArray(arrays.count - 1, arrayBranch: union.index))
            }
        } else {
            operations.append(skip(field.type))
        }
    }

    /// Claims the columns that name elements of array field `name`; `nil` when there are none.
    mutating func elementSlots(of name: String, columns: [String]) -> Range<Int>? {
        var slots: [Int] = []
        for (slot, column) in columns.enumerated() where !matched.contains(slot) {
            guard let index = AvroRecordReader.elementIndex(column, of: name) else { continue }
            if index >= slots.count { slots.append(contentsOf: repeatElement(-1, count: index + 1 - slots.count)) }
            slots[index] = slot
            matched.insert(slot)
        }
        guard !slots.isEmpty else { return nil }
        let start = elementSlots.count
        elementSlots.append(contentsOf: slots)
        return start..<elementSlots.count
    }

    mutating func scalar(_ plan: ScalarPlan, slot: Int) -> ReaderOperation {
        switch plan {
        case .number(let kind):
            return .number(kind, slot: slot)
        case .union(let branches):
            if branches.count == 2 {
                switch (branches[0], branches[1]) {
                case (.absent(.null), .number(let kind)): return .nullableNumber(kind, slot: slot, numberBranch: 1)
                case (.number(let kind), .absent(.null)): return .nullableNumber(kind, slot: slot, numberBranch: 0)
                default: break
                }
            }
            unions.append(branches)
            return .scalarUnion(unions.count - 1, slot: slot)
        }
    }

    /// An array of numbers, or a union holding one: the items' type and, for a union, its branches and the
    /// array's branch.
    static func numericArray(
        _ type: AvroType, schema: AvroSchema
    ) -> (items: AvroType, union: (branches: [AvroType], index: Int)?)? {
        switch schema.resolve(type) {
        case .array(let items) where ScalarPlan(items, schema: schema) != nil:
            return (items, nil)
        case .union(let branches):
            for (index, branch) in branches.enumerated() {
                if case .array(let items) = schema.resolve(branch), ScalarPlan(items, schema: schema) != nil {
                    return (items, (branches, index))
                }
            }
            return nil
        default:
            return nil
        }
    }

    mutating func skip(_ type: AvroType) -> ReaderOperation {
        switch schema.resolve(type) {
        case .null: return .skipBytes(0)
        case .boolean: return .skipBoolean
        case .int: return .skipInt
        case .long: return .skipLong
        case .float: return .skipBytes(4)
        case .double: return .skipBytes(8)
        case .fixed(let fixed): return .skipBytes(fixed.size)
        case .string, .bytes: return .skipLengthPrefixed
        default:
            skippedTypes.append(type)
            return .skipType(skippedTypes.count - 1)
        }
    }
}

enum NumberKind: Sendable {
    case boolean, int, long, float, double

    init?(_ type: AvroType) {
        switch type {
        case .boolean: self = .boolean
        case .int: self = .int
        case .long: self = .long
        case .float: self = .float
        case .double: self = .double
        default: return nil
        }
    }

    var encodedSize: Int {
        switch self {
        case .boolean, .int, .long: return 1
        case .float: return 4
        case .double: return 8
        }
    }
}

/// How to read one value that becomes a column: a number, or a union with at least one number branch.
enum ScalarPlan: Sendable {
    enum Branch: Sendable {
        case absent(AvroType)
        case number(NumberKind)
    }

    case number(NumberKind)
    case union([Branch])

    init?(_ type: AvroType, schema: AvroSchema) {
        let resolved = schema.resolve(type)
        if let kind = NumberKind(resolved) {
            self = .number(kind)
            return
        }
        guard case .union(let branches) = resolved else { return nil }
        let plans = branches.map { branch in NumberKind(branch).map(Branch.number) ?? .absent(branch) }
        guard plans.contains(where: { if case .number = $0 { return true } else { return false } }) else { return nil }
        self = .union(plans)
    }
}

struct ArrayPlan: Sendable {
    var items: ScalarPlan
    /// Where the element slots of this array are in the reader's element slots.
    var slots: Range<Int>
    var minimumItemSize: Int
    /// For an array inside a union, the union's branches.
    var unionBranches: [AvroType]
}

extension AvroInput {
    mutating func read(_ kind: NumberKind) throws(AvroError) -> Double {
        switch kind {
        case .boolean: return try readBoolean() ? 1 : 0
        case .int: return Double(try readInt())
        case .long: return Double(try readLong())
        case .float: return Double(try readFloat())
        case .double: return try readDouble()
        }
    }

    /// The value of a scalar, `nil` when a union holds null or another non-numeric branch.
    mutating func read(_ plan: ScalarPlan, schema: AvroSchema) throws(AvroError) -> Double? {
        switch plan {
        case .number(let kind):
            return try read(kind)
        case .union(let branches):
            let branch = try readIndex(below: branches.count, long: true, kind: .unionBranchOutOfRange, what: "union branch")
            switch branches[branch] {
            case .number(let kind): return try read(kind)
            case .absent(let type):
                try skip(type, schema: schema, depth: 2)
                return nil
            }
        }
    }
}
