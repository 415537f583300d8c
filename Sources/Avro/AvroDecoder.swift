/// Decodes Avro's binary encoding (a Confluent frame's body, with no container header) into ``AvroValue``s.
///
/// Nothing from the wire is trusted: lengths and counts are checked against the bytes remaining before
/// anything is allocated, collections of zero-size items are bounded by ``AvroDecodingOptions``, nesting is
/// bounded, and every failure is an ``AvroError`` with the byte offset and the schema path.
public struct AvroDecoder: Sendable {
    public var options: AvroDecodingOptions

    public init(options: AvroDecodingOptions = AvroDecodingOptions()) {
        self.options = options
    }

    /// Decodes one value of `schema` that fills `bytes` (unless trailing bytes are allowed).
    public func decode(_ bytes: UnsafeRawBufferPointer, as schema: AvroSchema) throws(AvroError) -> AvroValue {
        var decoding = ValueDecoding(input: AvroInput(bytes, options: options), schema: schema)
        let value = try decoding.value(schema.root, depth: 0)
        try decoding.input.checkEnd()
        return value
    }

    public func decode(_ bytes: [UInt8], as schema: AvroSchema) throws(AvroError) -> AvroValue {
        try withRawBytes(bytes) { (buffer) throws(AvroError) in try decode(buffer, as: schema) }
    }

    public func decode(_ bytes: ArraySlice<UInt8>, as schema: AvroSchema) throws(AvroError) -> AvroValue {
        try withRawBytes(bytes) { (buffer) throws(AvroError) in try decode(buffer, as: schema) }
    }
}

/// Runs `body` over the contiguous bytes of an array or slice, keeping the typed error.
func withRawBytes<Bytes: Collection<UInt8>, Output>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws(AvroError) -> Output
) throws(AvroError) -> Output {
    let outcome: Result<Output, AvroError>? = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(AvroError) in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let outcome { return try outcome.get() }
    return try Array(bytes).withUnsafeBytes { buffer in
        Result { () throws(AvroError) in try body(buffer) }
    }.get()
}

/// The state of one decode: the input and the schema for resolving references.
private struct ValueDecoding {
    var input: AvroInput
    let schema: AvroSchema

    mutating func value(_ type: AvroType, depth: Int) throws(AvroError) -> AvroValue {
        switch type {
        case .null: return .null
        case .boolean: return .boolean(try input.readBoolean())
        case .int: return .int(try input.readInt())
        case .long: return .long(try input.readLong())
        case .float: return .float(try input.readFloat())
        case .double: return .double(try input.readDouble())
        case .bytes: return .bytes(try input.readBytes())
        case .string: return .string(try input.readString())
        case .fixed(let fixed): return .fixed(try input.readFixed(size: fixed.size))
        case .enumeration(let enumeration):
            let index = try input.readIndex(below: enumeration.symbols.count, long: false, kind: .enumIndexOutOfRange, what: "enum")
            return .enumSymbol(index: index, symbol: enumeration.symbols[index])
        case .record(let record):
            try input.checkDepth(depth)
            var fields: [(name: String, value: AvroValue)] = []
            fields.reserveCapacity(record.fields.count)
            for field in record.fields {
                do throws(AvroError) {
                    fields.append((field.name, try value(field.type, depth: depth + 1)))
                } catch {
                    throw error.within("record \(record.name.fullName)", "field \(field.name)")
                }
            }
            return .record(fields)
        case .union(let branches):
            try input.checkDepth(depth)
            let branch = try input.readIndex(below: branches.count, long: true, kind: .unionBranchOutOfRange, what: "union branch")
            do throws(AvroError) {
                return .union(branch: branch, value: try value(branches[branch], depth: depth + 1))
            } catch {
                throw error.within("union branch \(branch)")
            }
        case .array(let items):
            try input.checkDepth(depth)
            return .array(try array(items, depth: depth))
        case .map(let values):
            try input.checkDepth(depth)
            return .map(try map(values, depth: depth))
        case .reference(let name):
            guard let definition = schema.namedTypes[name] else {
                throw input.error(.invalidSchema, "the schema does not define \(name)")
            }
            return try value(definition, depth: depth)
        }
    }

    mutating func array(_ items: AvroType, depth: Int) throws(AvroError) -> [AvroValue] {
        let minimumSize = schema.minimumEncodedSize(items)
        var result: [AvroValue] = []
        while let block = try input.readBlock(collected: result.count, minimumItemSize: minimumSize) {
            result.reserveCapacity(result.count + input.reservation(for: block.count, minimumItemSize: minimumSize))
            for _ in 0..<block.count {
                do throws(AvroError) {
                    result.append(try value(items, depth: depth + 1))
                } catch {
                    throw error.within("array item \(result.count)")
                }
            }
            try input.finishBlock(block)
        }
        return result
    }

    mutating func map(_ values: AvroType, depth: Int) throws(AvroError) -> [(key: String, value: AvroValue)] {
        // Each entry has at least its key's length byte.
        let minimumSize = 1 + schema.minimumEncodedSize(values)
        var result: [(key: String, value: AvroValue)] = []
        while let block = try input.readBlock(collected: result.count, minimumItemSize: minimumSize) {
            result.reserveCapacity(result.count + input.reservation(for: block.count, minimumItemSize: minimumSize))
            for _ in 0..<block.count {
                let key: String
                do throws(AvroError) { key = try input.readString() } catch { throw error.within("map key \(result.count)") }
                do throws(AvroError) {
                    result.append((key, try value(values, depth: depth + 1)))
                } catch {
                    throw error.within("map value \(AvroError.quoted(key))")
                }
            }
            try input.finishBlock(block)
        }
        return result
    }
}
