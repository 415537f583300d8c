import TimeScales

/// Writes one PostgreSQL text value as a VOTable value: as text (TABLEDATA, CSV, TSV) or as BINARY2
/// bytes. Each `append…` returns `false` without a promise about what it wrote when the text is not a
/// value of the kind; the caller then cuts `out` back and writes NULL (see ``PostgresText``).
enum ValueEncoder {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// How text values are made safe for the surrounding format.
    enum TextStyle { case xml, csv, tsv }

    // MARK: Text

    static func appendText(_ kind: ValueKind, _ text: Bytes, style: TextStyle, into out: inout [UInt8]) -> Bool {
        switch kind {
        case .text:
            switch style {
            case .xml: XMLText.appendEscaped(text, attribute: false, into: &out)
            case .csv: appendCSV(text, into: &out)
            case .tsv: appendTSV(text, into: &out)
            }
            return true
        case .boolean:
            guard let flag = PostgresText.boolean(text) else { return false }
            if style == .xml {
                out.append(flag ? UInt8(ascii: "T") : UInt8(ascii: "F"))
            } else {
                out.append(contentsOf: flag ? trueText : falseText)
            }
            return true
        case .short: return appendInteger(text, range: shortRange, into: &out)
        case .int: return appendInteger(text, range: intRange, into: &out)
        case .long: return appendInteger(text, range: longRange, into: &out)
        case .float, .double: return appendFloatText(text, from: 0, to: text.count, into: &out)
        case .timestamp, .timestampUTC: return appendTimestamp(text, utc: kind == .timestampUTC, into: &out)
        case .date:
            guard PostgresText.isDate(text) else { return false }
            out.append(contentsOf: text)
            return true
        case .time:
            guard PostgresText.isTime(text) else { return false }
            out.append(contentsOf: text)
            return true
        case .point, .circle, .polygon, .box:
            var count = 0
            guard PostgresText.sphereNumbers(text, { _ in count += 1 }), PostgresText.sphereCountFits(kind, count) else { return false }
            var first = true
            _ = PostgresText.sphereNumbers(text) { radians in
                if !first { out.append(UInt8(ascii: " ")) }
                first = false
                out.append(contentsOf: (radians * PostgresText.degreesPerRadian).description.utf8)
            }
            return true
        case .bytes:
            guard PostgresText.isHexBytes(text) else { return false }
            var first = true
            _ = PostgresText.hexBytes(text) { byte in
                if !first { out.append(UInt8(ascii: " ")) }
                first = false
                appendDecimal(Int(byte), into: &out)
            }
            return true
        case .shortArray, .intArray, .longArray:
            let range = kind == .shortArray ? shortRange : kind == .intArray ? intRange : longRange
            var first = true
            return PostgresText.arrayElements(text) { start, end in
                guard PostgresText.integer(text, from: start, to: end, in: range) != nil else { return false }
                if !first { out.append(UInt8(ascii: " ")) }
                first = false
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<end]))
                return true
            }
        case .floatArray, .doubleArray:
            var first = true
            return PostgresText.arrayElements(text) { start, end in
                if !first { out.append(UInt8(ascii: " ")) }
                first = false
                if PostgresText.isNullElement(text, from: start, to: end) {
                    out.append(contentsOf: nanText)
                    return true
                }
                return appendFloatText(text, from: start, to: end, into: &out)
            }
        }
    }

    /// A float's text: decimal text as PostgreSQL wrote it, the special values as VOTable spells them.
    private static func appendFloatText(_ text: Bytes, from start: Int, to end: Int, into out: inout [UInt8]) -> Bool {
        if let special = PostgresText.special(text, from: start, to: end) {
            switch special {
            case .nan: out.append(contentsOf: nanText)
            case .infinity: out.append(contentsOf: infinityText)
            case .negativeInfinity: out.append(contentsOf: negativeInfinityText)
            }
            return true
        }
        guard PostgresText.isDecimal(text, from: start, to: end) else { return false }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<end]))
        return true
    }

    private static func appendInteger(_ text: Bytes, range: ClosedRange<Int64>, into out: inout [UInt8]) -> Bool {
        guard PostgresText.integer(text, in: range) != nil else { return false }
        out.append(contentsOf: text)
        return true
    }

    /// ISO 8601: the date, `T`, the time as PostgreSQL wrote it (its fraction unpadded); for
    /// `timestamptz` the instant in UTC with `Z`.
    static func appendTimestamp(_ text: Bytes, utc: Bool, into out: inout [UInt8]) -> Bool {
        guard let stamp = PostgresText.timestamp(text) else { return false }
        guard utc else {
            guard stamp.offsetSeconds == nil else { return false }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<10]))
            out.append(UInt8(ascii: "T"))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[11..<stamp.end]))
            return true
        }
        guard let offset = stamp.offsetSeconds else { return false }
        if offset == 0 {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[0..<10]))
            out.append(UInt8(ascii: "T"))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[11..<stamp.end]))
            out.append(UInt8(ascii: "Z"))
            return true
        }
        func number(_ start: Int, _ length: Int) -> Int {
            var value = 0
            for index in start..<(start + length) { value = value * 10 + Int(text[index] - 48) }
            return value
        }
        let days = CivilDate(year: number(0, 4), month: number(5, 2), day: number(8, 2)).daysSinceEpoch
        let seconds = days * 86_400 + number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2) - offset
        let utcDays = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - utcDays * 86_400
        let date = CivilDate(daysSinceEpoch: utcDays)
        guard (1...9999).contains(date.year) else { return false }
        appendPadded(date.year, 4, into: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(date.month, 2, into: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(date.day, 2, into: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, 2, into: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, 2, into: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, 2, into: &out)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[19..<stamp.end]))
        out.append(UInt8(ascii: "Z"))
        return true
    }

    private static func appendPadded(_ value: Int, _ width: Int, into out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value >= 100 { out.append(UInt8(ascii: "0") + UInt8(value / 100)) }
        if value >= 10 { out.append(UInt8(ascii: "0") + UInt8(value / 10 % 10)) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// RFC 4180: quoted (with doubled quotes) when the value holds a comma, a quote, CR or LF, and
    /// when it is empty, so that an empty string differs from NULL (nothing at all).
    static func appendCSV(_ text: Bytes, into out: inout [UInt8]) {
        var needsQuotes = text.isEmpty
        for byte in text where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
            out.append(contentsOf: text)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in text {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Backslash escapes for the bytes that would break the lines and columns: `\\`, `\t`, `\n`, `\r`.
    static func appendTSV(_ text: Bytes, into out: inout [UInt8]) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            default: out.append(byte)
            }
        }
    }

    // MARK: BINARY2

    static func appendBinary(_ kind: ValueKind, _ text: Bytes, into out: inout [UInt8]) -> Bool {
        switch kind {
        case .boolean:
            guard let flag = PostgresText.boolean(text) else { return false }
            out.append(flag ? UInt8(ascii: "T") : UInt8(ascii: "F"))
        case .short:
            guard let value = PostgresText.integer(text, in: shortRange) else { return false }
            append16(UInt16(bitPattern: Int16(value)), into: &out)
        case .int:
            guard let value = PostgresText.integer(text, in: intRange) else { return false }
            append32(UInt32(bitPattern: Int32(value)), into: &out)
        case .long:
            guard let value = PostgresText.integer(text, in: longRange) else { return false }
            append64(UInt64(bitPattern: value), into: &out)
        case .float:
            guard let value = PostgresText.float(text, from: 0, to: text.count) else { return false }
            append32(value.bitPattern, into: &out)
        case .double:
            guard let value = PostgresText.double(text, from: 0, to: text.count) else { return false }
            append64(value.bitPattern, into: &out)
        case .text:
            append32(UInt32(truncatingIfNeeded: text.count), into: &out)
            out.append(contentsOf: text)
        case .date, .time:
            guard kind == .date ? PostgresText.isDate(text) : PostgresText.isTime(text) else { return false }
            append32(UInt32(text.count), into: &out)
            out.append(contentsOf: text)
        case .timestamp, .timestampUTC:
            let countAt = out.count
            append32(0, into: &out)
            guard appendTimestamp(text, utc: kind == .timestampUTC, into: &out) else { return false }
            patch32(UInt32(out.count - countAt - 4), at: countAt, in: &out)
        case .point, .circle, .polygon, .box:
            var count = 0
            guard PostgresText.sphereNumbers(text, { _ in count += 1 }), PostgresText.sphereCountFits(kind, count) else { return false }
            if kind == .polygon { append32(UInt32(count), into: &out) }
            _ = PostgresText.sphereNumbers(text) { radians in
                append64((radians * PostgresText.degreesPerRadian).bitPattern, into: &out)
            }
        case .bytes:
            guard PostgresText.isHexBytes(text) else { return false }
            append32(UInt32((text.count - 2) / 2), into: &out)
            _ = PostgresText.hexBytes(text) { out.append($0) }
        case .shortArray, .intArray, .longArray, .floatArray, .doubleArray:
            let countAt = out.count
            append32(0, into: &out)
            var count: UInt32 = 0
            let valid = PostgresText.arrayElements(text) { start, end in
                count += 1
                let isNull = PostgresText.isNullElement(text, from: start, to: end)
                switch kind {
                case .shortArray:
                    guard let value = PostgresText.integer(text, from: start, to: end, in: shortRange) else { return false }
                    append16(UInt16(bitPattern: Int16(value)), into: &out)
                case .intArray:
                    guard let value = PostgresText.integer(text, from: start, to: end, in: intRange) else { return false }
                    append32(UInt32(bitPattern: Int32(value)), into: &out)
                case .longArray:
                    guard let value = PostgresText.integer(text, from: start, to: end, in: longRange) else { return false }
                    append64(UInt64(bitPattern: value), into: &out)
                case .floatArray:
                    guard let value = isNull ? Float.nan : PostgresText.float(text, from: start, to: end) else { return false }
                    append32(value.bitPattern, into: &out)
                default:
                    guard let value = isNull ? Double.nan : PostgresText.double(text, from: start, to: end) else { return false }
                    append64(value.bitPattern, into: &out)
                }
                return true
            }
            guard valid else { return false }
            patch32(count, at: countAt, in: &out)
        }
        return true
    }

    /// The bytes BINARY2 still carries for a NULL (its null flag says the value is absent): zero for
    /// integers, NaN for floats, an empty array for variable lengths.
    static func appendBinaryNull(_ kind: ValueKind, into out: inout [UInt8]) {
        switch kind {
        case .boolean: out.append(UInt8(ascii: "?"))
        case .short: append16(0, into: &out)
        case .int: append32(0, into: &out)
        case .long: append64(0, into: &out)
        case .float: append32(Float.nan.bitPattern, into: &out)
        case .double: append64(Double.nan.bitPattern, into: &out)
        case .point: for _ in 0..<2 { append64(Double.nan.bitPattern, into: &out) }
        case .circle: for _ in 0..<3 { append64(Double.nan.bitPattern, into: &out) }
        case .box: for _ in 0..<4 { append64(Double.nan.bitPattern, into: &out) }
        case .text, .timestamp, .timestampUTC, .date, .time, .polygon, .bytes, .shortArray, .intArray, .longArray,
            .floatArray, .doubleArray:
            append32(0, into: &out)
        }
    }

    @inline(__always)
    static func append16(_ value: UInt16, into out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    static func append32(_ value: UInt32, into out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    static func append64(_ value: UInt64, into out: inout [UInt8]) {
        append32(UInt32(truncatingIfNeeded: value >> 32), into: &out)
        append32(UInt32(truncatingIfNeeded: value), into: &out)
    }

    private static func patch32(_ value: UInt32, at index: Int, in out: inout [UInt8]) {
        out[index] = UInt8(truncatingIfNeeded: value >> 24)
        out[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        out[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        out[index + 3] = UInt8(truncatingIfNeeded: value)
    }

    static let shortRange = Int64(Int16.min)...Int64(Int16.max)
    static let intRange = Int64(Int32.min)...Int64(Int32.max)
    static let longRange = Int64.min...Int64.max
    private static let trueText = Array("true".utf8)
    private static let falseText = Array("false".utf8)
    private static let nanText = Array("NaN".utf8)
    private static let infinityText = Array("+Inf".utf8)
    private static let negativeInfinityText = Array("-Inf".utf8)
}
