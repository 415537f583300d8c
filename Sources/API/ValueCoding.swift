import Felis
import JSON
import Postgres

/// Conversions between JSON values in requests and responses and PostgreSQL's text form, by column type.
enum ValueCoding {
    // MARK: JSON -> PostgreSQL

    /// The text PostgreSQL should receive for `value` in `column`, or `nil` for NULL. Throws a 400 that
    /// names the column, the value and the type expected when the value does not fit the column.
    static func text(for value: JSONValue, column: CatalogColumn) throws -> String? {
        func reject(_ expected: String) -> APIError {
            APIError.badBody("Wrong type for column \(column.name)", value: value, valid: [expected])
        }
        if case .string(let text) = value, text.utf8.contains(0) {
            // libpq sends parameters as C strings, so a NUL would silently cut the value short.
            throw APIError.badBody("Column \(column.name) cannot hold a NUL character", value: value)
        }
        if case .null = value {
            guard column.isNullable else {
                throw APIError.badBody("Column \(column.name) cannot be null", value: .null)
            }
            return nil
        }
        switch column.typeOID {
        case PostgresType.bool:
            guard case .bool(let flag) = value else { throw reject("bool") }
            return flag ? "t" : "f"
        case PostgresType.int2, PostgresType.int4, PostgresType.int8:
            guard case .number(let text) = value, JSONValue.isIntegerText(text), let number = Int64(text) else {
                throw reject("int")
            }
            let range: ClosedRange<Int64> = column.typeOID == PostgresType.int2 ? Int64(Int16.min)...Int64(Int16.max)
                : column.typeOID == PostgresType.int4 ? Int64(Int32.min)...Int64(Int32.max) : Int64.min...Int64.max
            guard range.contains(number) else {
                throw APIError.badBody("Value out of range for column \(column.name) (\(column.type))", value: value)
            }
            return text
        case PostgresType.float4, PostgresType.float8, PostgresType.numeric:
            switch value {
            case .number(let text): return text
            case .string(let text) where ["NaN", "Infinity", "-Infinity"].contains(text): return text
            default: throw reject("float")
            }
        case PostgresType.timestamp:
            guard case .string(let text) = value, let normalized = TAITimestamp.normalize(text) else {
                throw APIError.badBody(
                    "Column \(column.name) takes an ISO-8601 TAI timestamp without time zone, e.g. 2024-08-01T17:20:53.970",
                    value: value
                )
            }
            return normalized
        case PostgresType.json, PostgresType.jsonb:
            return value.serialized
        case PostgresType.text, PostgresType.varchar, PostgresType.bpchar, PostgresType.char, PostgresType.name:
            guard case .string(let text) = value else { throw reject("str") }
            // UTF-8 length bounds the character count: count characters only when it could be over.
            if let limit = maximumLength(column.type), text.utf8.count > limit, text.count > limit {
                throw APIError.badBody("Value too long for column \(column.name) (\(column.type))", value: value, valid: ["at most \(limit) characters"])
            }
            return text
        default:
            // Types without a JSON counterpart (dates, pgSphere regions, bytea ...): PostgreSQL parses the
            // text, and a value it rejects comes back as a 400 from the database error mapping.
            switch value {
            case .string(let text), .number(let text): return text
            case .bool(let flag): return flag ? "t" : "f"
            default: throw reject(column.type)
            }
        }
    }

    /// The `n` of `character varying(n)` or `character(n)`.
    /// Reads the bytes directly: it runs once per value of a bulk insert.
    static func maximumLength(_ formattedType: String) -> Int? {
        var utf8 = formattedType.utf8[...]
        guard utf8.starts(with: "character".utf8) else { return nil }
        guard let open = utf8.firstIndex(of: UInt8(ascii: "(")) else { return nil }
        utf8 = utf8[utf8.index(after: open)...]
        var value = 0
        var digits = 0
        for byte in utf8 {
            if byte == UInt8(ascii: ")") { return digits > 0 ? value : nil }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 18 else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return nil
    }

    // MARK: PostgreSQL -> JSON

    /// The JSON form of a value PostgreSQL returned as text.
    static func json(_ text: String?, typeOID: UInt32) -> JSONValue {
        guard let text else { return .null }
        switch typeOID {
        case PostgresType.bool:
            return .bool(text == "t")
        case PostgresType.int2, PostgresType.int4, PostgresType.int8, PostgresType.oid:
            return .number(text)
        case PostgresType.float4, PostgresType.float8, PostgresType.numeric:
            // NaN and infinities have no JSON number form.
            return ["NaN", "Infinity", "-Infinity"].contains(text) ? .null : .number(text)
        case PostgresType.timestamp, PostgresType.timestamptz:
            return .string(TAITimestamp.iso(fromPostgres: text))
        case PostgresType.json, PostgresType.jsonb:
            return (try? JSONValue.parse(text)) ?? .string(text)
        default:
            return .string(text)
        }
    }
}

/// ISO-8601 timestamps as ConsDB stores them: TAI, no time zone, up to microseconds.
enum TAITimestamp {
    /// Checks `YYYY-MM-DDTHH:MM:SS[.fraction]` (a space is accepted for `T`) and returns it in the form
    /// PostgreSQL parses, or `nil` when the text is not such a timestamp. A zone suffix is refused: ConsDB
    /// times are TAI, and a `Z` or offset would say UTC or local time.
    static func normalize(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes.count <= 29 else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard let year = digits(0..<4), bytes[4] == UInt8(ascii: "-"),
              let month = digits(5..<7), bytes[7] == UInt8(ascii: "-"),
              let day = digits(8..<10), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              let hour = digits(11..<13), bytes[13] == UInt8(ascii: ":"),
              let minute = digits(14..<16), bytes[16] == UInt8(ascii: ":"),
              let second = digits(17..<19)
        else { return nil }
        guard year >= 1, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        if bytes.count > 19 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 20, digits(20..<bytes.count) != nil else { return nil }
        }
        var normalized = text
        if bytes[10] == UInt8(ascii: " ") {
            normalized = String(text.prefix(10)) + "T" + String(text.dropFirst(11))
        }
        return normalized
    }

    /// PostgreSQL prints `2024-05-28 22:19:04.8475`; the API answers `2024-05-28T22:19:04.847500`, as the
    /// reference does (Python's isoformat: six fraction digits when there is a fraction).
    static func iso(fromPostgres text: String) -> String {
        guard text.count >= 19, text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 10)] == UInt8(ascii: " ") else {
            return text  // infinity, BC dates: leave as PostgreSQL wrote them
        }
        var result = String(text.prefix(10)) + "T"
        var rest = Substring(text.dropFirst(11))
        var zone = ""
        if let zoneStart = rest.dropFirst(8).firstIndex(where: { $0 == "+" || $0 == "-" }) {
            zone = String(rest[zoneStart...])
            rest = rest[..<zoneStart]
            if zone.count == 3 { zone += ":00" }
        }
        if let dot = rest.firstIndex(of: ".") {
            let fraction = rest[rest.index(after: dot)...]
            result += rest[..<dot] + "." + fraction + String(repeating: "0", count: max(0, 6 - fraction.count))
        } else {
            result += rest
        }
        return result + zone
    }
}
