/// The DDL that brings a database in line with a Felis schema, and what it could not or would not do.
public struct SchemaPlan: Sendable, Equatable {
    /// The PostgreSQL schema the plan is for.
    public var schema: String
    /// Statements in the order they must run, each one statement without a trailing semicolon.
    public var statements: [String]
    /// Differences the plan leaves alone (type changes, extra columns, ...) and compromises it made.
    public var warnings: [SchemaWarning]
    /// What the reader role (see `FelisCatalog.ReaderRole`) was given, or would be in a dry run: run after
    /// ``statements`` in the same transaction. Empty when no reader role was asked for or it had everything.
    public var grants: [String]
    /// Extensions created before ``statements`` (pgSphere, for ADQL geometry), or that a dry run would create.
    public var extensions: [String]
    /// What keeps TAP_SCHEMA in line with the schema (the `tap_schema` tables if missing, then the
    /// schema's rows replaced when they differ): run after ``statements``, before ``grants``.
    public var tapSchema: [String]
    /// Why pgSphere is not in place after the apply (the server lacks it, or the role may not create
    /// it); nil when it is. Never fails an apply: only ADQL geometry needs it.
    public var pgSphereUnavailable: String?

    public init(
        schema: String, statements: [String] = [], warnings: [SchemaWarning] = [], grants: [String] = [],
        extensions: [String] = [], tapSchema: [String] = [], pgSphereUnavailable: String? = nil
    ) {
        self.schema = schema
        self.statements = statements
        self.warnings = warnings
        self.grants = grants
        self.extensions = extensions
        self.tapSchema = tapSchema
        self.pgSphereUnavailable = pgSphereUnavailable
    }

    /// True when the database already matches: nothing to run.
    public var isEmpty: Bool { statements.isEmpty && grants.isEmpty && extensions.isEmpty && tapSchema.isEmpty }

    /// The extensions, statements, TAP_SCHEMA statements and grants as one SQL script, in the order they
    /// run, for `--dry-run` output.
    public var script: String {
        (extensions + statements + tapSchema + grants).map { $0 + ";\n" }.joined()
    }
}

/// Something about a schema that needs a person's attention but does not stop an apply.
public struct SchemaWarning: Sendable, Equatable, CustomStringConvertible {
    public var table: String?
    public var column: String?
    public var message: String

    public init(table: String? = nil, column: String? = nil, message: String) {
        self.table = table
        self.column = column
        self.message = message
    }

    public var description: String {
        switch (table, column) {
        case let (table?, column?): return "\(table).\(column): \(message)"
        case let (table?, nil): return "\(table): \(message)"
        default: return message
        }
    }
}
