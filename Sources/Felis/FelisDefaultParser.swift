import Foundation
import Yams

/// Turns a column's Felis `value` into a ``FelisDefault`` checked against the column's datatype, so a
/// default PostgreSQL would reject (or one that would make every insert fail) is caught at load time.
struct FelisDefaultParser {
    let fields: YAMLFields

    /// Spellings of "the current time" on a timestamp column. `now` is included because PostgreSQL
    /// would otherwise freeze the literal 'now' to the moment the table was created.
    static let currentTimestampSpellings: Set<String> = ["CURRENT_TIMESTAMP", "NOW()", "NOW", "LOCALTIMESTAMP"]

    func parse(_ node: Node, for column: FelisColumn, _ context: YAMLFields.Context) throws -> FelisDefault {
        guard let raw = try fields.string(node, what: "'value'", context) else {
            throw fields.error(.invalidValue, "'value' is empty", at: node, context)
        }
        func invalid(_ message: String) -> FelisError {
            fields.error(.invalidValue, "default \(message)", at: node, context)
        }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        switch column.datatype {
        case .boolean:
            guard let flag = YAMLFields.parseBoolean(trimmed) else { throw invalid("'\(raw.prefix(40))' is not a boolean") }
            return .boolean(flag)
        case .byte, .short, .int, .long:
            guard let number = Int64(trimmed) else { throw invalid("'\(raw.prefix(40))' is not an integer") }
            let range: ClosedRange<Int64> = switch column.datatype {
            case .long: Int64.min...Int64.max
            case .int: Int64(Int32.min)...Int64(Int32.max)
            default: Int64(Int16.min)...Int64(Int16.max)
            }
            guard range.contains(number) else { throw invalid("\(number) is out of range for \(column.postgresType.formatType)") }
            return .integer(number)
        case .float, .double:
            guard let number = Double(trimmed), number.isFinite else { throw invalid("'\(raw.prefix(40))' is not a finite number") }
            return .real(number)
        case .char, .string, .unicode, .text:
            if let length = column.length, raw.count > length {
                throw invalid("'\(raw.prefix(40))' is longer than the column's length \(length)")
            }
            if raw.contains("\u{0}") { throw invalid("contains a NUL character") }
            return .text(raw)
        case .timestamp:
            // Felis files quote it ('CURRENT_TIMESTAMP'), but a literal of that text is no timestamp.
            if Self.currentTimestampSpellings.contains(trimmed.uppercased()) {
                return .currentTimestamp
            }
            // Anything else is a timestamp literal; PostgreSQL checks its syntax when the table is created.
            if raw.contains("\u{0}") { throw invalid("contains a NUL character") }
            return .text(raw)
        case .binary:
            throw invalid("is not supported on binary columns")
        }
    }
}
