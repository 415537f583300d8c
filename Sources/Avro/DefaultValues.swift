import JSON

/// Converts a field's JSON `default` into a value of the field's type, following the specification's
/// table (bytes and fixed as strings of code points 0-255, a union's default for one of its branches,
/// `"NaN"` and `"Infinity"` for floats as the Java implementation writes them). Returns `nil` when the
/// default does not fit the type: such schemas exist in registries, and decoding never needs defaults.
enum DefaultValues {
    static func value(_ json: JSONValue, as type: AvroType, definitions: [String: AvroType]) -> AvroValue? {
        switch (type, json) {
        case (.null, .null): return .null
        case (.boolean, .bool(let flag)): return .boolean(flag)
        case (.int, .number(let text)): return Int32(text).map(AvroValue.int)
        case (.long, .number(let text)): return Int64(text).map(AvroValue.long)
        case (.float, _): return floatingPoint(json).map { .float(Float($0)) }
        case (.double, _): return floatingPoint(json).map(AvroValue.double)
        case (.string, .string(let text)): return .string(text)
        case (.bytes, .string(let text)): return latin1Bytes(text).map(AvroValue.bytes)
        case (.fixed(let fixed), .string(let text)):
            guard let bytes = latin1Bytes(text), bytes.count == fixed.size else { return nil }
            return .fixed(bytes)
        case (.enumeration(let enumeration), .string(let symbol)):
            return enumeration.symbols.firstIndex(of: symbol).map { .enumSymbol(index: $0, symbol: symbol) }
        case (.array(let items), .array(let elements)):
            var values: [AvroValue] = []
            for element in elements {
                guard let value = value(element, as: items, definitions: definitions) else { return nil }
                values.append(value)
            }
            return .array(values)
        case (.map(let valueType), .object(let members)):
            var entries: [(key: String, value: AvroValue)] = []
            for (key, member) in members {
                guard let value = value(member, as: valueType, definitions: definitions) else { return nil }
                entries.append((key, value))
            }
            return .map(entries)
        case (.record(let record), .object):
            var fields: [(name: String, value: AvroValue)] = []
            for field in record.fields {
                if let member = json[field.name] {
                    guard let value = value(member, as: field.type, definitions: definitions) else { return nil }
                    fields.append((field.name, value))
                } else if let fallback = field.defaultValue {
                    fields.append((field.name, fallback))
                } else {
                    return nil
                }
            }
            return .record(fields)
        case (.union(let branches), _):
            // The specification says the first branch; other branches are accepted as newer Java does.
            for (index, branch) in branches.enumerated() {
                if let value = value(json, as: branch, definitions: definitions) {
                    return .union(branch: index, value: value)
                }
            }
            return nil
        case (.reference(let name), _):
            // A record being defined is entered with no fields yet; its own defaults are not resolvable.
            guard let definition = definitions[name] else { return nil }
            if case .record(let record) = definition, record.fields.isEmpty { return nil }
            return value(json, as: definition, definitions: definitions)
        default:
            return nil
        }
    }

    private static func floatingPoint(_ json: JSONValue) -> Double? {
        switch json {
        case .number(let text): return Double(text)
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: return nil
        }
    }

    private static func latin1Bytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }
}
