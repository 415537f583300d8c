/// Reads chosen numeric fields of record messages straight into a buffer of Doubles: the EFD stream's
/// fast path, one reader per topic schema.
///
/// Columns use the EFD's flattened names: a scalar field by its name, an element of an array field by the
/// field name and the element's index (`zForces0`, `zForces1`, ...), exactly as the EFD's InfluxDB columns
/// are named. Booleans, ints, longs, floats and doubles are read as Double, also inside `["null", T]`
/// unions (null leaves the column absent). Every other field, and array elements no column asks for, is
/// skipped without being built; blocks written with a byte size are jumped over. Strings are never
/// columns; decode with ``AvroDecoder`` when they are needed.
public struct AvroRecordReader: Sendable {
    public let schema: AvroSchema
    /// The requested column names, in slot order.
    public let columns: [String]
    /// Requested columns that cannot be a numeric field, or an element of a numeric array field, of this
    /// schema; their slots are always NaN. Array lengths are not part of a schema, so `zForces12` is matched
    /// for any numeric array `zForces` and stays NaN in messages whose array is shorter.
    public let unmatchedColumns: [String]
    public let options: AvroDecodingOptions
    private let recordName: String
    /// One operation per top-level field, in field order. Operations carry only plain values, so running
    /// them costs no reference counting; the few that need more index the tables below.
    private let operations: [ReaderOperation]
    private let fieldNames: [String]
    /// Column slot of each element of each array operation (-1 for elements nobody asked for).
    private let elementSlots: [Int]
    private let skippedTypes: [AvroType]
    private let unions: [[ScalarPlan.Branch]]
    private let arrays: [ArrayPlan]

    /// Plans the reading of `columns` from records of `schema`. Fails when the schema is not a record or a
    /// column is named twice.
    public init(schema: AvroSchema, columns: [String], options: AvroDecodingOptions = AvroDecodingOptions()) throws(AvroError) {
        guard let record = schema.rootRecord else {
            throw AvroError(.invalidArgument, "a record reader needs a record schema, not \(schema.root)")
        }
        var slotByName: [String: Int] = [:]
        for (slot, column) in columns.enumerated() {
            guard slotByName.updateValue(slot, forKey: column) == nil else {
                throw AvroError(.invalidArgument, "column \(AvroError.quoted(column)) is requested twice")
            }
        }
        var planner = ReaderPlanner(schema: schema)
        // Scalars first: a column that is exactly a scalar field's name is that field, not an array element.
        for field in record.fields where ScalarPlan(field.type, schema: schema) != nil {
            if let slot = slotByName[field.name] { planner.matched.insert(slot) }
        }
        for field in record.fields {
            planner.plan(field, slot: slotByName[field.name], columns: columns)
        }
        self.schema = schema
        self.columns = columns
        self.unmatchedColumns = columns.enumerated().filter { !planner.matched.contains($0.offset) }.map(\.element)
        self.options = options
        self.recordName = record.name.fullName
        self.operations = planner.operations
        self.fieldNames = record.fields.map(\.name)
        self.elementSlots = planner.elementSlots
        self.skippedTypes = planner.skippedTypes
        self.unions = planner.unions
        self.arrays = planner.arrays
    }

    /// Reads one record. `values` is resized to ``columns``' count if needed, set to NaN, then each column
    /// present in the message is stored in its slot. On error the contents of `values` are unspecified.
    public func read(_ body: UnsafeRawBufferPointer, into values: inout [Double]) throws(AvroError) {
        if values.count != columns.count {
            values = Array(repeating: .nan, count: columns.count)
        } else {
            for index in values.indices { values[index] = .nan }
        }
        try values.withUnsafeMutableBufferPointer { buffer in
            Result { () throws(AvroError) in
                var sink = SlotSink(buffer: buffer)
                try read(body, into: &sink)
            }
        }.get()
    }

    public func read(_ body: [UInt8], into values: inout [Double]) throws(AvroError) {
        try withRawBytes(body) { (buffer) throws(AvroError) in try read(buffer, into: &values) }
    }

    public func read(_ body: ArraySlice<UInt8>, into values: inout [Double]) throws(AvroError) {
        try withRawBytes(body) { (buffer) throws(AvroError) in try read(buffer, into: &values) }
    }

    /// The columns present in one record, with their values, in the record's field order.
    public func read(_ body: [UInt8]) throws(AvroError) -> [(name: String, value: Double)] {
        try withRawBytes(body) { (buffer) throws(AvroError) in
            var sink = PairSink(columns: columns)
            try read(buffer, into: &sink)
            return sink.pairs
        }
    }

    private func read(_ body: UnsafeRawBufferPointer, into sink: inout some ColumnSink) throws(AvroError) {
        var input = AvroInput(body, options: options)
        for (position, operation) in operations.enumerated() {
            do throws(AvroError) {
                try run(operation, on: &input, into: &sink)
            } catch {
                throw error.within("record \(recordName)", "field \(fieldNames[position])")
            }
        }
        try input.checkEnd()
    }

    private func run(_ operation: ReaderOperation, on input: inout AvroInput, into sink: inout some ColumnSink) throws(AvroError) {
        switch operation {
        case .skipBoolean: _ = try input.readBoolean()
        case .skipInt: _ = try input.readInt()
        case .skipLong: _ = try input.readLong()
        case .skipBytes(let count): try input.skip(count)
        case .skipLengthPrefixed: try input.skipLengthPrefixed()
        case .skipType(let index): try input.skip(skippedTypes[index], schema: schema, depth: 1)
        case .number(let kind, let slot):
            sink.put(slot, try input.read(kind))
        case .nullableNumber(let kind, let slot, let numberBranch):
            let branch = try input.readIndex(below: 2, long: true, kind: .unionBranchOutOfRange, what: "union branch")
            if branch == numberBranch { sink.put(slot, try input.read(kind)) }
        case .scalarUnion(let index, let slot):
            if let value = try input.read(.union(unions[index]), schema: schema) { sink.put(slot, value) }
        case .numberArray(let kind, let slots):
            try readNumberArray(kind, slots: slots, input: &input, into: &sink)
        case .array(let index):
            try readArray(arrays[index], input: &input, into: &sink)
        case .optionalArray(let index, let arrayBranch):
            let plan = arrays[index]
            let branches = plan.unionBranches
            let branch = try input.readIndex(below: branches.count, long: true, kind: .unionBranchOutOfRange, what: "union branch")
            if branch == arrayBranch {
                try readArray(plan, input: &input, into: &sink)
            } else {
                try input.skip(branches[branch], schema: schema, depth: 2)
            }
        }
    }

    /// An array of plain numbers: the common SAL case, read without any per-item indirection.
    private func readNumberArray(
        _ kind: NumberKind, slots: Range<Int>, input: inout AvroInput, into sink: inout some ColumnSink
    ) throws(AvroError) {
        var index = 0
        while let block = try input.readBlock(collected: index, minimumItemSize: kind.encodedSize) {
            // Past the last wanted element, a block with a byte size is jumped over.
            if index >= slots.count, input.skipBlock(block) {
                index += block.count
                continue
            }
            for _ in 0..<block.count {
                do throws(AvroError) {
                    let value = try input.read(kind)
                    if index < slots.count, case let slot = elementSlots[slots.lowerBound + index], slot >= 0 {
                        sink.put(slot, value)
                    }
                } catch {
                    throw error.within("array item \(index)")
                }
                index += 1
            }
            try input.finishBlock(block)
        }
    }

    private func readArray(_ plan: ArrayPlan, input: inout AvroInput, into sink: inout some ColumnSink) throws(AvroError) {
        var index = 0
        while let block = try input.readBlock(collected: index, minimumItemSize: plan.minimumItemSize) {
            if index >= plan.slots.count, input.skipBlock(block) {
                index += block.count
                continue
            }
            for _ in 0..<block.count {
                do throws(AvroError) {
                    let value = try input.read(plan.items, schema: schema)
                    if let value, index < plan.slots.count, case let slot = elementSlots[plan.slots.lowerBound + index], slot >= 0 {
                        sink.put(slot, value)
                    }
                } catch {
                    throw error.within("array item \(index)")
                }
                index += 1
            }
            try input.finishBlock(block)
        }
    }

    /// The element index in a flattened column name (`zForces12` of field `zForces` is 12), if the name is the
    /// field's name followed by a canonical decimal index. Indices are capped well above any SAL array.
    static func elementIndex(_ column: String, of field: String) -> Int? {
        guard column.utf8.count > field.utf8.count, column.hasPrefix(field) else { return nil }
        let digits = column.utf8.dropFirst(field.utf8.count)
        guard digits.count <= 6, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              digits.first != UInt8(ascii: "0") || digits.count == 1
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}

// MARK: - Sinks

private protocol ColumnSink {
    mutating func put(_ slot: Int, _ value: Double)
}

private struct SlotSink: ColumnSink {
    let buffer: UnsafeMutableBufferPointer<Double>
    func put(_ slot: Int, _ value: Double) { buffer[slot] = value }
}

private struct PairSink: ColumnSink {
    let columns: [String]
    var pairs: [(name: String, value: Double)] = []
    mutating func put(_ slot: Int, _ value: Double) { pairs.append((columns[slot], value)) }
}
