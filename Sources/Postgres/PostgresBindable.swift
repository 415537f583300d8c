import Foundation

/// A Swift value that can be sent to PostgreSQL as a bind parameter, in PostgreSQL's text format.
public protocol PostgresBindable: Sendable {
    /// The value as PostgreSQL parses it from text, or `nil` for NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable {
    public var postgresText: String? { self }
}

extension Substring: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int16: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresBindable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension Double: PostgresBindable {
    /// Swift prints `nan` and `inf`; PostgreSQL spells them `NaN` and `Infinity`.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
}

extension Float: PostgresBindable {
    public var postgresText: String? { Double(self).postgresText }
}

extension Array: PostgresBindable where Element == String {
    /// A `text[]` literal; elements are quoted and escaped, so any string is safe.
    public var postgresText: String? {
        let items = map { item -> String in
            let escaped = item.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            return "\"" + escaped + "\""
        }
        return "{" + items.joined(separator: ",") + "}"
    }
}
