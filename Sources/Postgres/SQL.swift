/// A SQL statement whose interpolated values become bind parameters.
///
/// ```swift
/// let sql: SQL = "SELECT * FROM \(identifier: schema).exposure WHERE day_obs = \(dayObs)"
/// ```
/// Every `\(value)` is sent as a separate parameter (`$1`, `$2`, ...) and never spliced into the text;
/// identifiers go through ``SQL/quoteIdentifier(_:)``; raw text needs the explicit `unsafeRaw:` label.
/// Fragments compose with `+` and ``append(_:)``, and parameters are numbered when the statement is
/// rendered, so composed fragments never collide.
public struct SQL: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Part: Sendable, Hashable {
        case text(String)
        case bind(String?)
    }

    var parts: [Part]

    public init(stringLiteral value: String) {
        parts = value.isEmpty ? [] : [.text(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
    }

    /// SQL text taken as it is. Only for text the program wrote itself (or DDL it generated); never for
    /// values that came from outside.
    public init(unsafeSQL: String) {
        parts = unsafeSQL.isEmpty ? [] : [.text(unsafeSQL)]
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { parts.append(.text(literal)) }
        }

        /// A value, sent as a bind parameter.
        public mutating func appendInterpolation<Value: PostgresBindable>(_ value: Value) {
            parts.append(.bind(value.postgresText))
        }

        /// An optional value; `nil` is sent as SQL NULL.
        public mutating func appendInterpolation<Value: PostgresBindable>(_ value: Value?) {
            parts.append(.bind(value?.postgresText))
        }

        /// A value already in PostgreSQL's text form (or `nil` for NULL), sent as a bind parameter.
        public mutating func appendInterpolation(text value: String?) {
            parts.append(.bind(value))
        }

        /// An identifier (schema, table or column name), double-quoted.
        public mutating func appendInterpolation(identifier: String) {
            parts.append(.text(SQL.quoteIdentifier(identifier)))
        }

        /// Another fragment, with its own parameters.
        public mutating func appendInterpolation(_ fragment: SQL) {
            parts.append(contentsOf: fragment.parts)
        }

        /// Raw SQL text. Never pass anything that came from a user.
        public mutating func appendInterpolation(unsafeRaw text: String) {
            parts.append(.text(text))
        }
    }

    /// Appends another fragment.
    public mutating func append(_ other: SQL) {
        parts.append(contentsOf: other.parts)
    }

    /// Appends a value already in PostgreSQL's text form (or `nil` for NULL) as a bind parameter; the
    /// same as appending `"\(text: value)"` without building a fragment for it.
    public mutating func append(bindText value: String?) {
        parts.append(.bind(value))
    }

    /// Appends raw SQL text the program wrote itself. Never pass anything that came from a user.
    public mutating func append(unsafeRaw text: String) {
        parts.append(.text(text))
    }

    /// Reserves room for `count` more literal or parameter parts (large generated statements).
    public mutating func reserveCapacity(parts count: Int) {
        parts.reserveCapacity(parts.count + count)
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var result = lhs
        result.append(rhs)
        return result
    }

    /// Joins fragments with a separator, e.g. a column list.
    public static func joined(_ fragments: [SQL], separator: String = ", ") -> SQL {
        var result = SQL(unsafeSQL: "")
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { result.parts.append(.text(separator)) }
            result.append(fragment)
        }
        return result
    }

    /// The statement text with `$n` placeholders, and the parameter values in order.
    public func render() -> (text: String, binds: [String?]) {
        var text = ""
        var binds: [String?] = []
        for part in parts {
            switch part {
            case .text(let literal):
                text += literal
            case .bind(let value):
                binds.append(value)
                text += "$"
                text += String(binds.count)
            }
        }
        return (text, binds)
    }

    /// The statement text with placeholders, for logs and errors.
    public var description: String { render().text }

    /// Double-quotes an identifier, doubling embedded quotes, as PostgreSQL's `quote_ident` does for
    /// any name. Validating that the name exists is the caller's job (see the catalog).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A qualified name `"schema"."name"`.
    public static func qualified(_ schema: String, _ name: String) -> SQL {
        SQL(unsafeSQL: quoteIdentifier(schema) + "." + quoteIdentifier(name))
    }
}
