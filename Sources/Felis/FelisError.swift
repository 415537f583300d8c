/// Why a Felis file could not be loaded, or a schema could not be planned, with where it happened.
///
/// `description` is one line meant for an operator, e.g.
/// `cdb_demo.yaml:42: table exposure, column band: string column needs a length`.
public struct FelisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is, for callers (and tests) that branch on it.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be read, or is not UTF-8 text.
        case unreadable
        /// The text is not valid YAML.
        case malformedYAML
        /// The document exceeds a size or nesting limit.
        case tooComplex
        /// A node has the wrong shape (e.g. a list where a mapping belongs).
        case invalidStructure
        /// A required field is absent.
        case missingField
        /// A schema, table, column, constraint or index name PostgreSQL cannot take.
        case invalidName
        /// Two objects share a name or an `@id`.
        case duplicateName
        case unknownDatatype
        /// A `char`, `string` or `unicode` column has no length.
        case missingLength
        /// A field has a value of the wrong type or out of range.
        case invalidValue
        /// A `#table.column` reference names nothing in the schema.
        case unknownReference
        case unknownConstraintType
    }

    public var kind: Kind
    /// The problem in words, without the location.
    public var message: String
    /// The file (or other source) the schema came from.
    public var source: String?
    /// 1-based line in the YAML text, when known.
    public var line: Int?
    public var table: String?
    public var column: String?

    public init(_ kind: Kind, _ message: String, source: String? = nil, line: Int? = nil, table: String? = nil, column: String? = nil) {
        self.kind = kind
        self.message = message
        self.source = source
        self.line = line
        self.table = table
        self.column = column
    }

    public var description: String {
        var location = ""
        if let source { location = source }
        if let line { location += (location.isEmpty ? "line " : ":") + String(line) }
        var subject: [String] = []
        if let table { subject.append("table \(table)") }
        if let column { subject.append("column \(column)") }
        var text = location.isEmpty ? "" : location + ": "
        if !subject.isEmpty { text += subject.joined(separator: ", ") + ": " }
        return text + message
    }
}
