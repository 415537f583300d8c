// Expressions to PostgreSQL: every operation parenthesized, every name quoted, every function mapped.

extension ADQLSQLWriter {
    func expression(_ expression: ADQLExpression, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        switch expression.kind {
        case .null:
            return "NULL"
        case .number(let text, _):
            return text
        case .string(let text):
            return SQLText.string(text)
        case .column(let name):
            return try column(name, in: scopes)
        case .negate(let operand):
            return "(- " + (try self.expression(operand, in: scopes)) + ")"
        case .arithmetic(let op, let left, let right):
            return "(" + (try self.expression(left, in: scopes)) + " " + op.rawValue + " " + (try self.expression(right, in: scopes)) + ")"
        case .concatenate(let left, let right):
            return "(" + (try self.expression(left, in: scopes)) + " || " + (try self.expression(right, in: scopes)) + ")"
        case .compare(let op, let left, let right):
            if let predicate = try geometryPredicate(op, left, right, in: scopes) { return predicate }
            return "(" + (try self.expression(left, in: scopes)) + " " + op.rawValue + " " + (try self.expression(right, in: scopes)) + ")"
        case .and(let terms):
            return "(" + (try list(terms, in: scopes, separator: " AND ")) + ")"
        case .or(let terms):
            return "(" + (try list(terms, in: scopes, separator: " OR ")) + ")"
        case .not(let operand):
            return "(NOT " + (try self.expression(operand, in: scopes)) + ")"
        case .between(let value, let low, let high, let negated):
            return "(" + (try self.expression(value, in: scopes)) + (negated ? " NOT BETWEEN " : " BETWEEN ")
                + (try self.expression(low, in: scopes)) + " AND " + (try self.expression(high, in: scopes)) + ")"
        case .like(let value, let pattern, let caseInsensitive, let negated):
            let op = (negated ? " NOT " : " ") + (caseInsensitive ? "ILIKE " : "LIKE ")
            return "(" + (try self.expression(value, in: scopes)) + op + (try self.expression(pattern, in: scopes)) + ")"
        case .inList(let value, let values, let negated):
            return "(" + (try self.expression(value, in: scopes)) + (negated ? " NOT IN (" : " IN (")
                + (try list(values, in: scopes, separator: ", ")) + "))"
        case .inQuery(let value, let query, let negated):
            return "(" + (try self.expression(value, in: scopes)) + (negated ? " NOT IN (" : " IN (")
                + (try self.query(query, in: scopes)) + "))"
        case .isNull(let value, let negated):
            return "(" + (try self.expression(value, in: scopes)) + (negated ? " IS NOT NULL)" : " IS NULL)")
        case .exists(let query):
            return "(EXISTS (" + (try self.query(query, in: scopes)) + "))"
        case .scalarQuery(let query):
            return "(" + (try self.query(query, in: scopes)) + ")"
        case .function(let name, let arguments):
            return try function(name, arguments, at: expression.position, in: scopes)
        case .aggregate(let name, let distinct, let argument):
            guard ADQLFunction.aggregates.contains(name) else {
                throw ADQLError("Unsupported function '\(name)'", at: expression.position)
            }
            guard let argument else {
                guard name == "COUNT" else { throw ADQLError("\(name)(*) is not allowed", at: expression.position) }
                return "count(*)"
            }
            return name.lowercased() + "(" + (distinct ? "DISTINCT " : "") + (try self.expression(argument, in: scopes)) + ")"
        case .cast(let value, let type):
            return "CAST(" + (try self.expression(value, in: scopes)) + " AS " + Self.typeName(type) + ")"
        case .caseWhen(let operand, let branches, let otherwise):
            var text = "(CASE"
            if let operand { text += " " + (try self.expression(operand, in: scopes)) }
            for branch in branches {
                text += " WHEN " + (try self.expression(branch.condition, in: scopes))
                    + " THEN " + (try self.expression(branch.result, in: scopes))
            }
            if let otherwise { text += " ELSE " + (try self.expression(otherwise, in: scopes)) }
            return text + " END)"
        }
    }

    func list(_ expressions: [ADQLExpression], in scopes: [ADQLScope], separator: String) throws(ADQLError) -> String {
        var parts: [String] = []
        parts.reserveCapacity(expressions.count)
        for expression in expressions { parts.append(try self.expression(expression, in: scopes)) }
        return parts.joined(separator: separator)
    }

    func column(_ name: ADQLQualifiedName, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        let parts = name.parts
        let column = SQLText.identifier(parts[parts.count - 1].folded)
        switch parts.count {
        case 1:
            return column
        case 2, 3:
            return SQLText.identifier(try source(Array(parts.dropLast()), in: scopes).exposed) + "." + column
        default:
            throw ADQLError("Column name '\(name.display)' has a catalog part, which is not supported", at: name.position)
        }
    }

    static func typeName(_ type: ADQLType) -> String {
        switch type {
        case .smallint: return "smallint"
        case .integer: return "integer"
        case .bigint: return "bigint"
        case .real: return "real"
        case .doublePrecision: return "double precision"
        // ADQL leaves CHAR without a length to the service; PostgreSQL's would be CHAR(1) and cut the value.
        case .char(let length): return length.map { "character(\($0))" } ?? "text"
        case .varchar(let length): return length.map { "character varying(\($0))" } ?? "character varying"
        case .timestamp: return "timestamp"
        }
    }

    /// A function call from ADQL's list, in PostgreSQL's spelling.
    func function(_ name: String, _ arguments: [ADQLExpression], at position: ADQLPosition, in scopes: [ADQLScope]) throws(ADQLError) -> String {
        guard let arity = ADQLFunction.arity[name] else {
            throw ADQLError("Unsupported function '\(name)'", at: position)
        }
        guard arity.contains(arguments.count) else {
            throw ADQLError("Function '\(name)' does not take \(arguments.count) arguments", at: position)
        }
        if ADQLFunction.geometryNames.contains(name) {
            return try geometryFunction(name, arguments, at: position, in: scopes)
        }
        func call(_ sqlName: String) throws(ADQLError) -> String {
            sqlName + "(" + (try list(arguments, in: scopes, separator: ", ")) + ")"
        }
        switch name {
        case "CEILING": return try call("ceil")
        case "LOG": return try call("ln")
        case "LOG10": return try call("log")  // PostgreSQL's one-argument log is base 10
        case "RAND": return "random()"
        case "MOD":
            // PostgreSQL has no mod() for double precision; numeric is exact for both kinds of operand.
            return "mod(CAST(" + (try expression(arguments[0], in: scopes)) + " AS numeric), CAST("
                + (try expression(arguments[1], in: scopes)) + " AS numeric))"
        case "ROUND", "TRUNCATE":
            let sqlName = name == "ROUND" ? "round" : "trunc"
            guard arguments.count == 2 else { return try call(sqlName) }
            // PostgreSQL rounds to n places only for numeric; ADQL's results are double precision.
            return "CAST(" + sqlName + "(CAST(" + (try expression(arguments[0], in: scopes)) + " AS numeric), "
                + (try places(arguments[1], of: name)) + ") AS double precision)"
        default:
            return try call(name.lowercased())
        }
    }

    /// ROUND's and TRUNCATE's second argument: a signed integer literal.
    func places(_ argument: ADQLExpression, of name: String) throws(ADQLError) -> String {
        switch argument.kind {
        case .number(let text, integer: true) where Int(text) != nil:
            return text
        case .negate(let inner):
            if case .number(let text, integer: true) = inner.kind, Int(text) != nil { return "(- \(text))" }
        default:
            break
        }
        throw ADQLError("The second argument of \(name) must be a whole number", at: argument.position)
    }
}
