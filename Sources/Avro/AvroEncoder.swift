/// Encodes ``AvroValue``s in Avro's binary encoding, checking that each value matches its schema.
///
/// The project's own writer: the decoder's tests round-trip through it, and it produces test messages
/// for the Kafka layer. Record values may list fields in any order; a missing field takes the schema's
/// default. A value for a union may be given as ``AvroValue/union(branch:value:)`` or bare, in which case
/// the first branch that accepts it is used.
public struct AvroEncoder: Sendable {
    /// Most items per array or map block; `nil` writes each collection as a single block.
    public var blockSize: Int?
    /// Whether blocks are written with a negative count followed by their byte size, the form that lets
    /// readers skip a block without reading its items.
    public var writesBlockByteSizes: Bool
    /// Deepest nesting of records, arrays, maps and unions accepted.
    public var maximumDepth: Int

    public init(blockSize: Int? = nil, writesBlockByteSizes: Bool = false, maximumDepth: Int = 64) {
        self.blockSize = blockSize
        self.writesBlockByteSizes = writesBlockByteSizes
        self.maximumDepth = maximumDepth
    }

    public func encode(_ value: AvroValue, as schema: AvroSchema) throws(AvroError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(value, as: schema, into: &bytes)
        return bytes
    }

    /// Appends the encoding of `value` to `bytes`; on error `bytes` is left as it was.
    public func encode(_ value: AvroValue, as schema: AvroSchema, into bytes: inout [UInt8]) throws(AvroError) {
        let mark = bytes.count
        var encoding = ValueEncoding(output: AvroOutput(), schema: schema, encoder: self)
        swap(&encoding.output.bytes, &bytes)
        defer { swap(&encoding.output.bytes, &bytes) }
        do throws(AvroError) {
            try encoding.write(value, as: schema.root, depth: 0)
        } catch {
            encoding.output.bytes.removeSubrange(mark...)
            throw error
        }
    }

    /// A complete Confluent-framed message: magic byte, schema id, then the encoded value.
    public func encodeFrame(_ value: AvroValue, as schema: AvroSchema, schemaID: UInt32) throws(AvroError) -> [UInt8] {
        var bytes = ConfluentFrame.header(schemaID: schemaID)
        try encode(value, as: schema, into: &bytes)
        return bytes
    }
}

private struct ValueEncoding {
    var output: AvroOutput
    let schema: AvroSchema
    let encoder: AvroEncoder

    func mismatch(_ value: AvroValue, _ type: AvroType) -> AvroError {
        AvroError(.valueMismatch, "a \(Self.kindName(value)) value does not match \(type)")
    }

    mutating func write(_ value: AvroValue, as type: AvroType, depth: Int) throws(AvroError) {
        switch (type, value) {
        case (.null, .null): break
        case (.boolean, .boolean(let flag)): output.writeBoolean(flag)
        case (.int, .int(let number)): output.writeInt(number)
        case (.long, .long(let number)): output.writeLong(number)
        case (.float, .float(let number)): output.writeFloat(number)
        case (.double, .double(let number)): output.writeDouble(number)
        case (.bytes, .bytes(let bytes)): output.writeBytes(bytes)
        case (.string, .string(let text)): output.writeString(text)
        case (.fixed(let fixed), .fixed(let bytes)):
            guard bytes.count == fixed.size else {
                throw AvroError(.valueMismatch, "\(bytes.count) bytes for \(type) of size \(fixed.size)")
            }
            output.bytes.append(contentsOf: bytes)
        case (.enumeration(let enumeration), .enumSymbol(let index, let symbol)):
            guard enumeration.symbols.indices.contains(index), enumeration.symbols[index] == symbol else {
                throw AvroError(.valueMismatch, "symbol \(AvroError.quoted(symbol)) at index \(index) is not in \(type)")
            }
            output.writeInt(Int32(index))
        case (.record(let record), .record(let fields)):
            try checkDepth(depth)
            try writeRecord(record, fields, depth: depth)
        case (.array(let items), .array(let values)):
            try checkDepth(depth)
            try writeBlocks(count: values.count) { (encoding, index) throws(AvroError) in
                do throws(AvroError) { try encoding.write(values[index], as: items, depth: depth + 1) } catch {
                    throw error.within("array item \(index)")
                }
            }
        case (.map(let valueType), .map(let entries)):
            try checkDepth(depth)
            try writeBlocks(count: entries.count) { (encoding, index) throws(AvroError) in
                encoding.output.writeString(entries[index].key)
                do throws(AvroError) { try encoding.write(entries[index].value, as: valueType, depth: depth + 1) } catch {
                    throw error.within("map value \(AvroError.quoted(entries[index].key))")
                }
            }
        case (.union(let branches), .union(let branch, let inner)):
            try checkDepth(depth)
            guard branches.indices.contains(branch) else {
                throw AvroError(.valueMismatch, "union branch \(branch) is outside 0..<\(branches.count)")
            }
            output.writeLong(Int64(branch))
            do throws(AvroError) { try write(inner, as: branches[branch], depth: depth + 1) } catch { throw error.within("union branch \(branch)") }
        case (.union(let branches), _):
            try checkDepth(depth)
            try writeBareUnionValue(value, branches, depth: depth)
        case (.reference(let name), _):
            guard let definition = schema.namedTypes[name] else {
                throw AvroError(.invalidSchema, "the schema does not define \(name)")
            }
            try write(value, as: definition, depth: depth)
        default:
            throw mismatch(value, type)
        }
    }

    func checkDepth(_ depth: Int) throws(AvroError) {
        guard depth < encoder.maximumDepth else {
            throw AvroError(.tooDeep, "value nested deeper than \(encoder.maximumDepth) levels")
        }
    }

    mutating func writeRecord(
        _ record: AvroRecordSchema, _ fields: [(name: String, value: AvroValue)], depth: Int
    ) throws(AvroError) {
        var used = 0
        for (position, field) in record.fields.enumerated() {
            let value: AvroValue
            if position < fields.count, fields[position].name == field.name {
                value = fields[position].value
                used += 1
            } else if let match = fields.first(where: { $0.name == field.name }) {
                value = match.value
                used += 1
            } else if let fallback = field.defaultValue {
                value = fallback
            } else {
                throw AvroError(.valueMismatch, "field \(field.name) is missing and has no default")
                    .within("record \(record.name.fullName)")
            }
            do throws(AvroError) { try write(value, as: field.type, depth: depth + 1) } catch {
                throw error.within("record \(record.name.fullName)", "field \(field.name)")
            }
        }
        guard used == fields.count else {
            let known = Set(record.fields.map(\.name))
            let extra = fields.map(\.name).filter { !known.contains($0) }
            throw AvroError(
                .valueMismatch,
                extra.isEmpty ? "the value repeats a field" : "fields not in the schema: \(extra.joined(separator: ", "))"
            ).within("record \(record.name.fullName)")
        }
    }

    /// A union value given without its branch: the first branch of the value's kind that encodes it.
    mutating func writeBareUnionValue(_ value: AvroValue, _ branches: [AvroType], depth: Int) throws(AvroError) {
        let mark = output.bytes.count
        var lastError: AvroError?
        for (index, branch) in branches.enumerated() where Self.kindName(value) == Self.kindName(schema.resolve(branch)) {
            output.writeLong(Int64(index))
            do throws(AvroError) {
                try write(value, as: branch, depth: depth + 1)
                return
            } catch {
                lastError = error.within("union branch \(index)")
                output.bytes.removeSubrange(mark...)
            }
        }
        throw lastError ?? AvroError(.valueMismatch, "no branch of \(AvroType.union(branches)) accepts a \(Self.kindName(value)) value")
    }

    /// Writes `count` items in blocks of at most ``AvroEncoder/blockSize``, then the terminating zero.
    mutating func writeBlocks(
        count: Int, _ writeItem: (inout ValueEncoding, Int) throws(AvroError) -> Void
    ) throws(AvroError) {
        let blockSize = max(encoder.blockSize ?? count, 1)
        var start = 0
        while start < count {
            let end = min(start + blockSize, count)
            if encoder.writesBlockByteSizes {
                // The byte size precedes the items, so write them first and put the header in front.
                let itemsStart = output.bytes.count
                for index in start..<end { try writeItem(&self, index) }
                let items = Array(output.bytes[itemsStart...])
                output.bytes.removeSubrange(itemsStart...)
                output.writeLong(-Int64(end - start))
                output.writeLong(Int64(items.count))
                output.bytes.append(contentsOf: items)
            } else {
                output.writeLong(Int64(end - start))
                for index in start..<end { try writeItem(&self, index) }
            }
            start = end
        }
        output.writeLong(0)
    }

    /// The kind of a value or type, for matching bare union values to branches and for messages.
    static func kindName(_ value: AvroValue) -> String {
        switch value {
        case .null: return "null"
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .bytes: return "bytes"
        case .string: return "string"
        case .record: return "record"
        case .enumSymbol: return "enum"
        case .array: return "array"
        case .map: return "map"
        case .union: return "union"
        case .fixed: return "fixed"
        }
    }

    static func kindName(_ type: AvroType) -> String {
        switch type {
        case .record: return "record"
        case .enumeration: return "enum"
        case .array: return "array"
        case .map: return "map"
        case .union: return "union"
        case .fixed: return "fixed"
        case .reference: return "reference"
        default: return type.description
        }
    }
}
