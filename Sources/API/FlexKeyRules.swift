import Felis
import JSON

/// What a flexible-metadata key must look like, and how its values are checked and stored.
public enum FlexKeyRules {
    /// The value types a key can declare, in the reference's order.
    public static let dtypes = ["bool", "int", "float", "str"]

    /// Key names: a letter or underscore, then letters, digits, `_`, `.`, `-`; at most 128 characters
    /// (the width of the `key` column).
    public static func isValidKeyName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, key.unicodeScalars.count <= 128 else { return false }
        guard first.isASCIILetter || first == "_" else { return false }
        return key.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0) }
    }

    /// IVOA UCD syntax (``UCD/isValidSyntax(_:)``); the vocabulary is not checked, as in the reference.
    public static func isValidUCD(_ ucd: String) -> Bool {
        UCD.isValidSyntax(ucd)
    }

    /// Checks a value against a key's dtype and returns the text stored in the `value` column, or `nil`
    /// when the value does not fit. An integer is a valid `float`; nothing else is converted.
    public static func storedText(for value: JSONValue, dtype: String) -> String? {
        switch (dtype, value) {
        case ("bool", .bool(let flag)): return flag ? "true" : "false"
        case ("int", .number(let text)) where JSONValue.isIntegerText(text) && Int64(text) != nil: return text
        case ("float", .number(let text)): return text
        case ("str", .string(let text)): return text
        default: return nil
        }
    }

    /// The typed JSON value of stored text, by dtype (the reader of ``storedText(for:dtype:)``; also reads
    /// the reference's spellings such as `True`).
    public static func json(fromStored text: String?, dtype: String) -> JSONValue {
        guard let text else { return .null }
        switch dtype {
        case "bool": return .bool(["true", "t", "1"].contains(text.lowercased()))
        case "int": return Int64(text).map { .int($0) } ?? .string(text)
        case "float":
            guard let number = Double(text) else { return .string(text) }
            return number.isFinite ? .number(JSONValue.isIntegerText(text) ? text : "\(number)") : .null
        default: return .string(text)
        }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
