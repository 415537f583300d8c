import Foundation
import TimeScales

/// Building InfluxQL statements safely: identifiers quoted by one function, topics validated, times
/// written as RFC 3339 literals.
public enum InfluxQL {
    /// `name` as a double-quoted InfluxQL identifier: `\` and `"` escaped, and a newline as `\n`, the
    /// three characters InfluxQL's scanner treats specially inside quotes (its own `QuoteIdent`).
    public static func quoteIdentifier(_ name: String) -> String {
        var quoted = "\""
        quoted.reserveCapacity(name.utf8.count + 2)
        for character in name.unicodeScalars {
            switch character {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            default: quoted.unicodeScalars.append(character)
            }
        }
        return quoted + "\""
    }

    /// Whether `topic` is a plain EFD topic name (`lsst.sal.MTMount.azimuth`): 1–255 ASCII letters,
    /// digits, `_`, `.`, `-`. Quoting alone would be safe too; refusing anything else keeps a typo or a
    /// hostile config from reaching the server at all.
    public static func isValidTopic(_ topic: String) -> Bool {
        let bytes = topic.utf8
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    static func checkTopic(_ topic: String) throws(InfluxError) {
        guard isValidTopic(topic) else {
            throw InfluxError(.invalidRequest, "\"\(topic.prefix(100))\" is not a topic name (ASCII letters, digits, '_', '.', '-', at most 255)")
        }
    }

    /// Field names are quoted, so any text is safe in a statement; refused are the empty name, control
    /// characters (no EFD field has one, and line protocol cannot write them) and `time`, which InfluxDB
    /// reserves for the time column.
    static func checkFields(_ fields: [String]) throws(InfluxError) {
        guard !fields.isEmpty else { throw InfluxError(.invalidRequest, "no fields to read") }
        for field in fields {
            guard !field.isEmpty, field.utf8.count <= 1024,
                  !field.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else {
                throw InfluxError(.invalidRequest, "field name \"\(field.prefix(100))\" is empty, too long or has control characters")
            }
            guard field != "time" else { throw InfluxError(.invalidRequest, "\"time\" is the time column, not a field") }
        }
    }

    /// `"db"."rp"."topic"`.
    static func measurement(database: String, retentionPolicy: String, topic: String) -> String {
        quoteIdentifier(database) + "." + quoteIdentifier(retentionPolicy) + "." + quoteIdentifier(topic)
    }

    /// `time >= '…Z' AND time <= '…Z'`, both ends included.
    static func timeCondition(from: Int64, through: Int64) -> String {
        "time >= '\(TimestampText.rfc3339(nanoseconds: from))' AND time <= '\(TimestampText.rfc3339(nanoseconds: through))'"
    }

    /// The fields in order, each once.
    static func distinct(_ fields: [String]) -> [String] {
        var seen = Set<String>()
        return fields.filter { seen.insert($0).inserted }
    }

    /// `SELECT "a", "b" FROM "db"."rp"."topic" WHERE time >= … AND time <= …`
    static func select(fields: [String], measurement: String, from: Int64, through: Int64) -> String {
        let list = distinct(fields).map(quoteIdentifier).joined(separator: ", ")
        return "SELECT \(list) FROM \(measurement) WHERE \(timeCondition(from: from, through: through))"
    }

    /// `SELECT MEAN("a") AS "a", … FROM … WHERE … GROUP BY time(1s) fill(none)`
    static func aggregate(_ statistic: InfluxStatistic, fields: [String], measurement: String, from: Int64, through: Int64, intervalNanoseconds: Int64) -> String {
        let list = distinct(fields).map { "\(statistic.function)(\(quoteIdentifier($0))) AS \(quoteIdentifier($0))" }.joined(separator: ", ")
        let interval = intervalNanoseconds % 1_000_000_000 == 0 ? "\(intervalNanoseconds / 1_000_000_000)s" : "\(intervalNanoseconds)ns"
        return "SELECT \(list) FROM \(measurement) WHERE \(timeCondition(from: from, through: through)) GROUP BY time(\(interval)) fill(none)"
    }

    /// The statement with the string literal that follows each `PASSWORD` keyword masked
    /// (`... WITH PASSWORD '…'`, `SET PASSWORD FOR u = '…'`), for errors and logs.
    public static func redacted(_ statement: String) -> String {
        guard let keyword = statement.range(of: "password", options: .caseInsensitive),
              let open = statement[keyword.upperBound...].firstIndex(of: "'")
        else { return statement }
        var rest = statement[statement.index(after: open)...]
        // Skip to the closing quote (a backslash escapes the next character).
        var escaped = false
        while let character = rest.first {
            rest.removeFirst()
            if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "'" { break }
        }
        return String(statement[...open]) + "***'" + redacted(String(rest))
    }

    /// `application/x-www-form-urlencoded` (also right for a URL's query string): unreserved characters
    /// kept, everything else percent-encoded (spaces as `%20`).
    static func formEncoded(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncoded($0.0) + "=" + percentEncoded($0.1) }.joined(separator: "&")
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = "0123456789ABCDEF".utf8
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[hex.index(hex.startIndex, offsetBy: Int(byte >> 4))]))
                out.unicodeScalars.append(Unicode.Scalar(hex[hex.index(hex.startIndex, offsetBy: Int(byte & 0xF))]))
            }
        }
        return out
    }
}

/// The aggregate of an aggregated read (the reference's `pre_aggregate_interval` functions).
public enum InfluxStatistic: String, Sendable, Hashable, CaseIterable {
    case mean, min, max

    var function: String {
        switch self {
        case .mean: return "MEAN"
        case .min: return "MIN"
        case .max: return "MAX"
        }
    }
}
