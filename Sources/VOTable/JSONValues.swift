/// Values in the JSON result format, shaped as `POST /consdb/query` answers (`{"columns": [...],
/// "data": [[...]]}`): numbers and booleans as JSON numbers and booleans, NaN and infinities as `null`
/// (JSON has no such numbers), timestamps as ISO 8601 strings (a fraction with six digits), everything else as the string of its
/// text form (the TABLEDATA text: geometry in degrees, arrays as numbers separated by spaces).
extension ValueEncoder {
    static func appendJSON(_ kind: ValueKind, _ text: Bytes, into out: inout [UInt8]) -> Bool {
        switch kind {
        case .boolean:
            guard let flag = PostgresText.boolean(text) else { return false }
            out.append(contentsOf: flag ? jsonTrue : jsonFalse)
            return true
        case .short, .int, .long:
            return appendText(kind, text, style: .csv, into: &out)
        case .float, .double:
            if PostgresText.special(text, from: 0, to: text.count) != nil {
                out.append(contentsOf: jsonNull)
                return true
            }
            guard PostgresText.isDecimal(text, from: 0, to: text.count) else { return false }
            out.append(contentsOf: text)
            return true
        case .text:
            appendJSONString(text, into: &out)
            return true
        case .timestamp:
            // As `/consdb/query` writes them: a fraction, when there is one, has six digits.
            var form: [UInt8] = []
            guard appendTimestamp(text, utc: false, into: &form) else { return false }
            if let dot = form.firstIndex(of: UInt8(ascii: ".")) {
                form.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 6 - (form.count - dot - 1))))
            }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: form)
            out.append(UInt8(ascii: "\""))
            return true
        default:
            // The value's text form first (which checks it), then as a JSON string.
            var form: [UInt8] = []
            guard appendText(kind, text, style: .tsv, into: &form) else { return false }
            form.withUnsafeBufferPointer { appendJSONString($0, into: &out) }
            return true
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\u00XX`, the rest (UTF-8) as it is.
    static func appendJSONString(_ text: Bytes, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static let jsonNull = Array("null".utf8)
    private static let jsonTrue = Array("true".utf8)
    private static let jsonFalse = Array("false".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)
}
