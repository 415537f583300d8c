import Foundation
import VOTable

/// A table with a column of every ``ValueKind`` and rows that exercise each: ordinary values, NULLs,
/// the special floats, hostile and non-ASCII text, and text that is not a value of its kind.
enum Fixtures {
    /// Field name, kind, and (for the last field) a description, unit and UCD to see in the FIELD.
    static let fields: [ResultField] = {
        var fields: [ResultField] = [
            ("b", ValueKind.boolean), ("s", .short), ("i", .int), ("l", .long), ("f", .float), ("d", .double),
            ("t", .text), ("ts", .timestamp), ("tz", .timestampUTC), ("dt", .date), ("tm", .time),
            ("pt", .point), ("ci", .circle), ("po", .polygon), ("bx", .box), ("by", .bytes),
            ("sa", .shortArray), ("ia", .intArray), ("la", .longArray), ("fa", .floatArray), ("da", .doubleArray),
        ].map { ResultField(name: $0.0, kind: $0.1) }
        fields[5].unit = "mag"
        fields[5].ucd = "phot.mag;em.opt.R"
        fields[5].utype = "caom2:Plane.energy"
        fields[5].description = "A <double> & its \"description\""
        return fields
    }()

    static let names = fields.map(\.name)

    /// Ordinary values of every kind.
    static let ordinary: [String?] = [
        "t", "12", "-123456", "9007199254740993", "1.5", "0.1", "plain text", "2024-11-27 23:12:01.5",
        "2024-11-27 23:12:01.5+00", "2024-11-27", "23:12:01.5", "(0.1 , 0.2)", "<(1 , -0.5) , 0.01>",
        "{(0 , 0),(0.1 , 0),(0.1 , 0.1)}", "((0.1 , 0.2), (0.3 , 0.4))", "\\x00ff41", "{1,-2,3}", "{1,2}",
        "{9007199254740993}", "{1.5,NaN,NULL}", "{0.25,-Infinity}",
    ]

    /// Every value NULL.
    static let nulls: [String?] = Array(repeating: nil, count: fields.count)

    /// Extremes and special values; a zone offset to convert; empty arrays.
    static let extremes: [String?] = [
        "f", "-32768", "2147483647", "-9223372036854775808", "NaN", "-Infinity", "x]]>y <z> & \"q\" 'a'",
        "1999-12-31 23:59:59", "2024-12-31 23:30:00.25-01", "0001-01-01", "00:00:00", "(0 , -1.5707963267948966)",
        "<(6.283185307179586 , 1.5707963267948966) , 0>", "{(1 , 1),(2 , 1),(2 , 1.2),(1 , 1.2)}", "((0 , 0), (0 , 0))", "\\x",
        "{}", "{-2147483648}", "{}", "{Infinity}", "{}",
    ]

    /// Text with characters XML cannot carry and non-ASCII text (TABLEDATA only keeps it for astropy).
    static let hostileText: [String?] = [
        nil, nil, nil, nil, "Infinity", "123.4500", "ctl\u{1}\u{8}\u{1F}\u{7F}|\u{FFFE}\u{FFFF}|tab\tlf\ncr\r|Ωμέγα 東京 😀",
        "2024-02-29 12:00:00.000001", "2024-03-01 05:00:00+05:30", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
    ]

    /// Text that is not a value of its column's kind: each must come out NULL.
    static let malformed: [String?] = [
        "yes", "32768", "1.5", "9223372036854775808", "1e", "0x1p3", "always text", "infinity", "2024-11-27 23:12:01",
        "0044-03-15 BC", "25h", "(1d , 2d)", "(1 , 2)", "{(0 , 0),(1 , 1)}", "((1 , 2))", "\\x0g", "{{1,2},{3,4}}",
        "{1,NULL}", "[0:1]={1,2}", "{1,abc}", "{\"a\"}",
    ]

    static let rows: [[String?]] = [ordinary, nulls, extremes, hostileText, malformed]

    /// The values a reader must get back, as text: `nil` for NULL; numbers in any form that parses to the
    /// same value; arrays space-separated. `ascii` replaces the hostile row's non-ASCII text (BINARY2
    /// text for astropy must be ASCII).
    static func expected(xml: Bool) -> [[String?]] {
        let degrees = 180 / Double.pi
        func deg(_ values: Double...) -> String { values.map { String($0 * degrees) }.joined(separator: " ") }
        return [
            ["T", "12", "-123456", "9007199254740993", "1.5", "0.1", "plain text", "2024-11-27T23:12:01.5",
             "2024-11-27T23:12:01.5Z", "2024-11-27", "23:12:01.5", deg(0.1, 0.2), deg(1, -0.5, 0.01),
             deg(0, 0, 0.1, 0, 0.1, 0.1), deg(0.1, 0.2, 0.3, 0.4), "0 255 65", "1 -2 3", "1 2", "9007199254740993",
             "1.5 nan nan", "0.25 -inf"],
            Array(repeating: nil, count: fields.count),
            ["F", "-32768", "2147483647", "-9223372036854775808", "nan", "-inf", "x]]>y <z> & \"q\" 'a'",
             "1999-12-31T23:59:59", "2025-01-01T00:30:00.25Z", "0001-01-01", "00:00:00", deg(0, -1.5707963267948966),
             deg(6.283185307179586, 1.5707963267948966, 0), deg(1, 1, 2, 1, 2, 1.2, 1, 1.2), deg(0, 0, 0, 0), "",
             "", "-2147483648", "", "inf", ""],
            [nil, nil, nil, nil, "inf", "123.45",
             xml ? "ctl\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}|\u{FFFD}\u{FFFD}|tab\tlf\ncr\r|Ωμέγα 東京 😀"
                 : "ctl\u{1}\u{8}\u{1F}\u{7F}|\u{FFFE}\u{FFFF}|tab\tlf\ncr\r|Ωμέγα 東京 😀",
             "2024-02-29T12:00:00.000001", "2024-02-29T23:30:00Z", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
            [nil, nil, nil, nil, nil, nil, "always text", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
        ]
    }

    /// The rows with the hostile text made ASCII, for astropy's BINARY2 reader (which reads `char` as ASCII).
    static var asciiRows: [[String?]] {
        var rows = rows
        rows[3][6] = "ctl|tab\tlf\ncr\r|ascii"
        return rows
    }

    static func expectedASCII() -> [[String?]] {
        var expected = expected(xml: false)
        expected[3][6] = "ctl|tab\tlf\ncr\r|ascii"
        return expected
    }

    static func write(_ format: ResultFormat, rows: [[String?]] = rows, batches: [Int]? = nil, overflow: Bool = false, infos: [ResultInfo] = []) -> [UInt8] {
        var writer = ResultStreamWriter(format: format, fields: fields, infos: infos)
        var out: [UInt8] = []
        writer.begin(into: &out)
        if let batches {
            var start = 0
            for size in batches {
                writer.append(Array(rows[start..<(start + size)]), into: &out)
                start += size
            }
            writer.append(Array(rows[start...]), into: &out)
        } else {
            writer.append(rows, into: &out)
        }
        writer.finish(overflow: overflow, into: &out)
        return out
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
