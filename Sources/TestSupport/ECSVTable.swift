import Foundation

/// A table read from an ECSV file (astropy's "Enhanced Character Separated Values"), as the reference's
/// API fixtures are written.
///
/// The format: a header of `# `-prefixed YAML lines that lists the columns (`name`, `datatype`, and an
/// optional `subtype: json`), then a space-delimited CSV body whose first line names the columns. Fields
/// may be double-quoted (`""` inside quotes is one quote). An unquoted `null` is a missing value; a
/// `subtype: json` column holds JSON text per field (`"""deg"""` is the JSON string `"deg"`).
///
/// Values come out in the text form PostgreSQL parses, `nil` for NULL: JSON strings are unwrapped, other
/// JSON scalars keep their text, and booleans are lower-cased.
public struct ECSVTable: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var datatype: String
        public var subtype: String?

        public init(name: String, datatype: String, subtype: String? = nil) {
            self.name = name
            self.datatype = datatype
            self.subtype = subtype
        }
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var reason: String
        public var description: String { "ECSV line \(line): \(reason)" }
    }

    public var columns: [Column]
    /// Rows in file order; each value is PostgreSQL text or `nil` for NULL.
    public var rows: [[String?]]

    public init(columns: [Column], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    public static func load(contentsOf url: URL) throws -> ECSVTable {
        try ECSVTable(parsing: try String(contentsOf: url, encoding: .utf8))
    }

    public var columnNames: [String] { columns.map(\.name) }

    public func index(of name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// Rows as `column name -> value` dictionaries.
    public var records: [[String: String?]] {
        rows.map { row in
            Dictionary(uniqueKeysWithValues: zip(columnNames, row))
        }
    }

    public init(parsing text: String) throws {
        var declared: [Column] = []
        var inDatatype = false
        var bodyLines: [(number: Int, text: String)] = []
        var sawMagic = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if line.hasPrefix("#") {
                let content = line.dropFirst().drop { $0 == " " }
                if number == 1 {
                    guard content.hasPrefix("%ECSV") else { throw FormatError(line: number, reason: "missing the %ECSV marker") }
                    sawMagic = true
                    continue
                }
                let indented = line.dropFirst(2)  // "# "
                if indented.hasPrefix("datatype:") {
                    inDatatype = true
                } else if inDatatype, indented.hasPrefix("- {") {
                    declared.append(try Self.parseColumn(String(indented.dropFirst(2)), line: number))
                } else if !indented.hasPrefix(" ") && !indented.hasPrefix("-") {
                    inDatatype = false
                }
                continue
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            bodyLines.append((number, line))
        }
        guard sawMagic else { throw FormatError(line: 1, reason: "missing the %ECSV marker") }
        guard let headerLine = bodyLines.first else { throw FormatError(line: 1, reason: "no column header line") }
        let header = try Self.splitFields(headerLine.text, line: headerLine.number).map(\.text)
        guard header == declared.map(\.name) else {
            throw FormatError(line: headerLine.number, reason: "header \(header) does not match the declared columns \(declared.map(\.name))")
        }
        var rows: [[String?]] = []
        for (number, line) in bodyLines.dropFirst() {
            let fields = try Self.splitFields(line, line: number)
            guard fields.count == declared.count else {
                throw FormatError(line: number, reason: "\(fields.count) fields for \(declared.count) columns")
            }
            rows.append(try zip(declared, fields).map { column, field in try Self.value(field, column: column, line: number) })
        }
        self.columns = declared
        self.rows = rows
    }

    // MARK: - Header

    /// `{name: x, datatype: int64, subtype: json}` (a YAML flow mapping of plain scalars).
    static func parseColumn(_ text: String, line: Int) throws -> Column {
        guard text.hasPrefix("{"), text.hasSuffix("}") else { throw FormatError(line: line, reason: "expected a {name: ..., datatype: ...} entry") }
        var fields: [String: String] = [:]
        for pair in text.dropFirst().dropLast().split(separator: ",") {
            let parts = pair.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw FormatError(line: line, reason: "malformed entry \(pair)") }
            fields[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        guard let name = fields["name"], let datatype = fields["datatype"] else {
            throw FormatError(line: line, reason: "a column needs a name and a datatype")
        }
        return Column(name: name, datatype: datatype, subtype: fields["subtype"])
    }

    // MARK: - Body

    struct Field: Equatable {
        var text: String
        var quoted: Bool
    }

    /// Splits a space-delimited line; runs of spaces separate fields, double quotes protect spaces.
    static func splitFields(_ line: String, line number: Int) throws -> [Field] {
        var fields: [Field] = []
        var scalars = Array(line.unicodeScalars)[...]
        while true {
            while scalars.first == " " { scalars = scalars.dropFirst() }
            guard let first = scalars.first else { break }
            if first == "\"" {
                scalars = scalars.dropFirst()
                var text = String.UnicodeScalarView()
                var closed = false
                while let scalar = scalars.first {
                    scalars = scalars.dropFirst()
                    if scalar == "\"" {
                        if scalars.first == "\"" {
                            text.append("\"")
                            scalars = scalars.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        text.append(scalar)
                    }
                }
                guard closed else { throw FormatError(line: number, reason: "unterminated quoted field") }
                guard scalars.isEmpty || scalars.first == " " else {
                    throw FormatError(line: number, reason: "text after a closing quote")
                }
                fields.append(Field(text: String(text), quoted: true))
            } else {
                let end = scalars.firstIndex(of: " ") ?? scalars.endIndex
                let text = String(String.UnicodeScalarView(scalars[..<end]))
                if text.contains("\"") { throw FormatError(line: number, reason: "quote inside an unquoted field") }
                fields.append(Field(text: text, quoted: false))
                scalars = scalars[end...]
            }
        }
        return fields
    }

    static func value(_ field: Field, column: Column, line: Int) throws -> String? {
        if column.subtype == "json" {
            return try jsonScalar(field.text, line: line)
        }
        if !field.quoted && field.text == "null" { return nil }
        if column.datatype == "bool" {
            switch field.text.lowercased() {
            case "true", "t", "1": return "true"
            case "false", "f", "0": return "false"
            default: throw FormatError(line: line, reason: "not a boolean: \(field.text)")
            }
        }
        return field.text
    }

    /// The PostgreSQL text of a JSON scalar: `null` -> nil, a string unwrapped, numbers and booleans as
    /// written; arrays and objects keep their JSON text.
    static func jsonScalar(_ text: String, line: Int) throws -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "null" { return nil }
        guard trimmed.hasPrefix("\"") else { return trimmed }
        guard trimmed.count >= 2, trimmed.hasSuffix("\"") else { throw FormatError(line: line, reason: "bad JSON string \(text)") }
        var out = String.UnicodeScalarView()
        var scalars = Array(trimmed.unicodeScalars.dropFirst().dropLast())[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\" else { out.append(scalar); continue }
            guard let escape = scalars.popFirst() else { throw FormatError(line: line, reason: "bad JSON escape in \(text)") }
            switch escape {
            case "\"", "\\", "/": out.append(escape)
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "u":
                let hex = String(String.UnicodeScalarView(scalars.prefix(4)))
                guard hex.count == 4, let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else {
                    throw FormatError(line: line, reason: "unsupported \\u escape in \(text)")
                }
                scalars = scalars.dropFirst(4)
                out.append(decoded)
            default:
                throw FormatError(line: line, reason: "bad JSON escape in \(text)")
            }
        }
        return String(out)
    }
}
