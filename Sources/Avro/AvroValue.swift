/// A decoded Avro value.
///
/// Unions keep their branch: ``union(branch:value:)`` wraps the value with the index of the union branch
/// it was written with. That makes decode-then-encode exact even for unions like `["int", "long"]`, and
/// tells `null` from a value in the usual `["null", T]` fields; ``unwrapped`` drops the wrappers when the
/// branch does not matter.
///
/// Equality compares floating-point values by bit pattern: NaN equals the same NaN, and `-0.0` differs
/// from `0.0`. Two values are equal exactly when they encode to the same bytes under the same schema.
public enum AvroValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case bytes([UInt8])
    case string(String)
    /// Fields in schema order.
    case record([(name: String, value: AvroValue)])
    /// The symbol's index in the enum and the symbol.
    case enumSymbol(index: Int, symbol: String)
    case array([AvroValue])
    /// Entries in the order they were written; keys are not deduplicated.
    case map([(key: String, value: AvroValue)])
    /// A value of a union type, with the index of its branch in the union.
    indirect case union(branch: Int, value: AvroValue)
    case fixed([UInt8])

    public static func == (lhs: AvroValue, rhs: AvroValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.boolean(a), .boolean(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.long(a), .long(b)): return a == b
        case let (.float(a), .float(b)): return a.bitPattern == b.bitPattern
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.record(a), .record(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        case let (.enumSymbol(a, s), .enumSymbol(b, t)): return a == b && s == t
        case let (.array(a), .array(b)): return a == b
        case let (.map(a), .map(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.union(a, v), .union(b, w)): return a == b && v == w
        case let (.fixed(a), .fixed(b)): return a == b
        default: return false
        }
    }

    /// The field `name` of a record (looking through union wrappers).
    public subscript(field name: String) -> AvroValue? {
        guard case .record(let fields) = unwrapped else { return nil }
        return fields.first { $0.name == name }?.value
    }

    /// The last entry with `key` of a map (looking through union wrappers), as most readers resolve duplicates.
    public subscript(key key: String) -> AvroValue? {
        guard case .map(let entries) = unwrapped else { return nil }
        return entries.last { $0.key == key }?.value
    }

    /// The value without union wrappers.
    public var unwrapped: AvroValue {
        var value = self
        while case .union(_, let inner) = value { value = inner }
        return value
    }

    /// A number or boolean as a Double (`true` is 1); `nil` for other values, including null.
    /// Longs beyond 2^53 lose precision, as they do in the EFD.
    public var doubleValue: Double? {
        switch unwrapped {
        case .boolean(let flag): return flag ? 1 : 0
        case .int(let number): return Double(number)
        case .long(let number): return Double(number)
        case .float(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// An int or long as Int64.
    public var int64Value: Int64? {
        switch unwrapped {
        case .int(let number): return Int64(number)
        case .long(let number): return number
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let text) = unwrapped { return text }
        return nil
    }

    public var isNull: Bool {
        if case .null = unwrapped { return true }
        return false
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .boolean(let flag): return String(flag)
        case .int(let number): return String(number)
        case .long(let number): return String(number)
        case .float(let number): return String(number)
        case .double(let number): return String(number)
        case .bytes(let bytes): return "bytes(\(bytes.count))"
        case .string(let text): return AvroError.quoted(text, limit: 200)
        case .record(let fields): return "{" + fields.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}"
        case .enumSymbol(_, let symbol): return symbol
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\(AvroError.quoted($0.key)): \($0.value)" }.joined(separator: ", ") + "}"
        case .union(_, let value): return value.description
        case .fixed(let bytes): return "fixed(\(bytes.count))"
        }
    }
}

extension AvroValue {
    /// The numeric top-level fields of a record, as the EFD names them: scalars (numbers and booleans, as
    /// Double) by field name, arrays of numbers as `name0`, `name1`, ... Null fields, strings and other
    /// types are left out; ``flattenedStrings`` has the strings. For reading many messages of one topic,
    /// ``AvroRecordReader`` does the same without decoding the whole record.
    public var flattenedNumbers: [(name: String, value: Double)] {
        guard case .record(let fields) = unwrapped else { return [] }
        var result: [(name: String, value: Double)] = []
        for field in fields {
            if let number = field.value.doubleValue {
                result.append((field.name, number))
            } else if case .array(let items) = field.value.unwrapped {
                for (index, item) in items.enumerated() {
                    if let number = item.doubleValue { result.append((field.name + String(index), number)) }
                }
            }
        }
        return result
    }

    /// The string top-level fields of a record, by field name.
    public var flattenedStrings: [(name: String, value: String)] {
        guard case .record(let fields) = unwrapped else { return [] }
        return fields.compactMap { field in field.value.stringValue.map { (field.name, $0) } }
    }
}
