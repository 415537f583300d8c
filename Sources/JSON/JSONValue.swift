/// A JSON document as the project reads and writes it.
///
/// Unlike Foundation's decoders this keeps what the readers need: the exact text of numbers (so `3` and
/// `3.0` differ, 64-bit ids stay exact and decimal defaults keep every digit) and the order of object
/// members (Avro's field order is its wire order). ``parse(_:limits:)`` is strict (RFC 8259) and bounded,
/// so hostile input gets an error, never a crash; ``serialized`` writes compact JSON.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number with its text as written, e.g. `"3"`, `"-2.5e3"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order. Duplicate names are rejected by the parser.
    case object([(String, JSONValue)])

    /// Equal structure, member order included; numbers are equal when their text is, or when both parse to
    /// the same Double (so `1` equals `1.0`; compare ``serialized`` texts for exact equality).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b || (Double(a) != nil && Double(a) == Double(b))
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }

    /// A double; NaN and infinities have no JSON form and become `null`.
    public static func double(_ value: Double) -> JSONValue {
        value.isFinite ? .number("\(value)") : .null
    }

    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// The member `name` of an object.
    public subscript(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The number's text exactly as written.
    public var numberText: String? {
        guard case .number(let text) = self else { return nil }
        return text
    }

    public var arrayValue: [JSONValue]? {
        guard case .array(let items) = self else { return nil }
        return items
    }

    /// True for number text without fraction or exponent.
    public static func isIntegerText(_ text: String) -> Bool {
        !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") })
    }
}
