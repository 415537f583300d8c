/// Timestamp text in the forms ConsDB reads and writes: ISO-8601 as PostgreSQL's `timestamp` columns hold
/// it (TAI, no time zone, up to microseconds) and RFC 3339 as InfluxQL time literals are written.
/// (``TAITimestamp`` parses and prints the instants the header worker computes with.)
public enum TimestampText {
    /// Checks `YYYY-MM-DDTHH:MM:SS[.fraction]` (a space is accepted for `T`) and returns it in the form
    /// PostgreSQL parses, or `nil` when the text is not such a timestamp. A zone suffix is refused: ConsDB
    /// times are TAI, and a `Z` or offset would say UTC or local time.
    public static func normalize(_ text: String) -> String? {
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
    public static func iso(fromPostgres text: String) -> String {
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

    /// RFC 3339 in UTC with nine fractional digits, e.g. `2023-11-14T22:13:20.123456789Z`, as
    /// InfluxQL time literals are written.
    public static func rfc3339(nanoseconds: Int64) -> String {
        var seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000_000
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        let date = CivilDate(daysSinceEpoch: Int(days))
        var text = ""
        text.reserveCapacity(30)
        text += padded(Int64(date.year), 4) + "-" + padded(Int64(date.month), 2) + "-" + padded(Int64(date.day), 2)
        text += "T" + padded(secondOfDay / 3600, 2) + ":" + padded(secondOfDay / 60 % 60, 2) + ":" + padded(secondOfDay % 60, 2)
        text += "." + padded(fraction, 9) + "Z"
        return text
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
