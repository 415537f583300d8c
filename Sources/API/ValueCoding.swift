import Felis
import JSON
import Postgres
import TimeScales

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
            guard case .string(let text) = value, let normalized = TimestampText.normalize(text) else {
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
            return .string(TimestampText.iso(fromPostgres: text))
        case PostgresType.json, PostgresType.jsonb:
            return (try? JSONValue.parse(text)) ?? .string(text)
        default:
            return .string(text)
        }
    }
}
