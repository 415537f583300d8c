// The syntax tree the parser builds and the translator reads. Every node that can be wrong on its own
// carries the position of its first token, so errors found while translating still point into the text.

/// A name as written: a regular identifier (case-insensitive) or a delimited one (`"…"`, exact).
public struct ADQLIdentifier: Sendable, Hashable {
    public var name: String
    public var isDelimited: Bool
    public var position: ADQLPosition

    public init(_ name: String, delimited: Bool = false, at position: ADQLPosition) {
        self.name = name
        self.isDelimited = delimited
        self.position = position
    }

    /// The name PostgreSQL would see: regular identifiers folded to lower case, delimited ones as written.
    public var folded: String { isDelimited ? name : name.lowercased() }

    /// Whether this identifier names `stored` (an exact name from the database): exactly when delimited,
    /// ignoring case when regular.
    public func matches(_ stored: String) -> Bool {
        isDelimited ? name == stored : name.lowercased() == stored.lowercased()
    }

    /// As the user wrote it, for messages.
    public var display: String { isDelimited ? "\"\(name)\"" : name }
}

/// A dotted name: `table`, `schema.table`, `alias.column`, `schema.table.column`.
public struct ADQLQualifiedName: Sendable, Hashable {
    public var parts: [ADQLIdentifier]

    public init(_ parts: [ADQLIdentifier]) { self.parts = parts }

    public var position: ADQLPosition { parts[0].position }
    public var display: String { parts.map(\.display).joined(separator: ".") }
}

/// A whole query: `[WITH …] set-expression [ORDER BY …] [OFFSET n]`. Subqueries are queries too.
public struct ADQLQuery: Sendable, Hashable {
    public var with: [ADQLCommonTable]
    public var body: ADQLSetExpression
    public var orderBy: [ADQLOrderItem]
    public var offset: Int?
    public var position: ADQLPosition

    public init(with: [ADQLCommonTable] = [], body: ADQLSetExpression, orderBy: [ADQLOrderItem] = [], offset: Int? = nil, position: ADQLPosition) {
        self.with = with
        self.body = body
        self.orderBy = orderBy
        self.offset = offset
        self.position = position
    }
}

/// `name AS (query)` in a WITH clause.
public struct ADQLCommonTable: Sendable, Hashable {
    public var name: ADQLIdentifier
    public var query: ADQLQuery
}

/// SELECTs combined by UNION, INTERSECT and EXCEPT.
public indirect enum ADQLSetExpression: Sendable, Hashable {
    case select(ADQLSelect)
    /// `(query)` as an operand: it may have its own ORDER BY and OFFSET.
    case parenthesized(ADQLQuery)
    case operation(ADQLSetOperator, all: Bool, ADQLSetExpression, ADQLSetExpression, position: ADQLPosition)
}

public enum ADQLSetOperator: String, Sendable, Hashable {
    case union = "UNION"
    case intersect = "INTERSECT"
    case except = "EXCEPT"
}

/// One `SELECT … FROM … [WHERE …] [GROUP BY …] [HAVING …]`.
public struct ADQLSelect: Sendable, Hashable {
    public var distinct: Bool
    public var top: Int?
    public var items: [ADQLSelectItem]
    public var from: [ADQLTableReference]
    public var whereClause: ADQLExpression?
    public var groupBy: [ADQLExpression]
    public var having: ADQLExpression?
    public var position: ADQLPosition
}

public enum ADQLSelectItem: Sendable, Hashable {
    /// `*`
    case all(ADQLPosition)
    /// `t.*`
    case allOf(ADQLQualifiedName)
    /// `expression [AS alias]`
    case expression(ADQLExpression, alias: ADQLIdentifier?)
}

public indirect enum ADQLTableReference: Sendable, Hashable {
    /// A published table or a WITH name, with its optional alias.
    case table(ADQLQualifiedName, alias: ADQLIdentifier?)
    /// `(subquery) AS alias`
    case derived(ADQLQuery, alias: ADQLIdentifier)
    case join(ADQLJoin)
}

public struct ADQLJoin: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case inner = "INNER"
        case left = "LEFT OUTER"
        case right = "RIGHT OUTER"
        case full = "FULL OUTER"
    }

    public enum Condition: Sendable, Hashable {
        case on(ADQLExpression)
        case using([ADQLIdentifier])
    }

    public var kind: Kind
    public var natural: Bool
    public var left: ADQLTableReference
    public var right: ADQLTableReference
    public var condition: Condition?
    public var position: ADQLPosition
}

public struct ADQLOrderItem: Sendable, Hashable {
    /// A column, an output alias, an expression, or an output column's number.
    public var expression: ADQLExpression
    public var descending: Bool
}

/// A type CAST can produce.
public enum ADQLType: Sendable, Hashable {
    case smallint, integer, bigint, real, doublePrecision
    case char(length: Int?)
    case varchar(length: Int?)
    case timestamp
}

/// A value expression or a condition (ADQL keeps them apart; one tree is simpler, PostgreSQL checks the types).
public struct ADQLExpression: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        case null
        /// A numeric literal in PostgreSQL's spelling (hexadecimal already decimal).
        case number(String, integer: Bool)
        case string(String)
        case column(ADQLQualifiedName)
        case negate(ADQLExpression)
        case arithmetic(ADQLArithmeticOperator, ADQLExpression, ADQLExpression)
        case concatenate(ADQLExpression, ADQLExpression)
        case compare(ADQLComparison, ADQLExpression, ADQLExpression)
        case and([ADQLExpression])
        case or([ADQLExpression])
        case not(ADQLExpression)
        case between(ADQLExpression, low: ADQLExpression, high: ADQLExpression, negated: Bool)
        case like(ADQLExpression, pattern: ADQLExpression, caseInsensitive: Bool, negated: Bool)
        case inList(ADQLExpression, [ADQLExpression], negated: Bool)
        case inQuery(ADQLExpression, ADQLQuery, negated: Bool)
        case isNull(ADQLExpression, negated: Bool)
        case exists(ADQLQuery)
        case scalarQuery(ADQLQuery)
        /// A function from ``ADQLFunction`` (name in upper case).
        case function(String, [ADQLExpression])
        /// COUNT, SUM, AVG, MIN, MAX; `argument` nil for COUNT(*).
        case aggregate(String, distinct: Bool, argument: ADQLExpression?)
        case cast(ADQLExpression, ADQLType)
        case caseWhen(operand: ADQLExpression?, branches: [ADQLWhen], otherwise: ADQLExpression?)
    }

    public var kind: Kind
    public var position: ADQLPosition

    public init(_ kind: Kind, at position: ADQLPosition) {
        self.kind = kind
        self.position = position
    }
}

public struct ADQLWhen: Sendable, Hashable {
    public var condition: ADQLExpression
    public var result: ADQLExpression
}

public enum ADQLArithmeticOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

public enum ADQLComparison: String, Sendable, Hashable {
    case equal = "=", notEqual = "<>", less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">="
}
