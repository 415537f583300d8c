/// Moving over values without building them: what ``AvroRecordReader`` does with the fields it does not
/// need. Framing is fully checked (lengths, counts, indices, limits); the content of skipped strings is
/// not validated as UTF-8, and blocks written with a byte size are jumped over without reading their items.
extension AvroInput {
    mutating func skip(_ type: AvroType, schema: AvroSchema, depth: Int) throws(AvroError) {
        switch type {
        case .null: break
        case .boolean: _ = try readBoolean()
        case .int: _ = try readInt()
        case .long: _ = try readLong()
        case .float: try skip(4)
        case .double: try skip(8)
        case .bytes, .string: try skipLengthPrefixed()
        case .fixed(let fixed): try skip(fixed.size)
        case .enumeration(let enumeration):
            _ = try readIndex(below: enumeration.symbols.count, long: false, kind: .enumIndexOutOfRange, what: "enum")
        case .record(let record):
            try checkDepth(depth)
            for field in record.fields {
                do throws(AvroError) { try skip(field.type, schema: schema, depth: depth + 1) } catch {
                    throw error.within("record \(record.name.fullName)", "field \(field.name)")
                }
            }
        case .union(let branches):
            try checkDepth(depth)
            let branch = try readIndex(below: branches.count, long: true, kind: .unionBranchOutOfRange, what: "union branch")
            do throws(AvroError) { try skip(branches[branch], schema: schema, depth: depth + 1) } catch { throw error.within("union branch \(branch)") }
        case .array(let items):
            try checkDepth(depth)
            try skipBlocks(minimumItemSize: schema.minimumEncodedSize(items)) { (input) throws(AvroError) in
                try input.skip(items, schema: schema, depth: depth + 1)
            }
        case .map(let values):
            try checkDepth(depth)
            try skipBlocks(minimumItemSize: 1 + schema.minimumEncodedSize(values)) { (input) throws(AvroError) in
                try input.skipLengthPrefixed()
                try input.skip(values, schema: schema, depth: depth + 1)
            }
        case .reference(let name):
            guard let definition = schema.namedTypes[name] else {
                throw error(.invalidSchema, "the schema does not define \(name)")
            }
            try skip(definition, schema: schema, depth: depth)
        }
    }

    private mutating func skipBlocks(
        minimumItemSize: Int, _ skipItem: (inout AvroInput) throws(AvroError) -> Void
    ) throws(AvroError) {
        var collected = 0
        while let block = try readBlock(collected: collected, minimumItemSize: minimumItemSize) {
            collected += block.count
            if skipBlock(block) { continue }
            for _ in 0..<block.count { try skipItem(&self) }
        }
    }
}
