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

    public init(schema: String, statements: [String] = [], warnings: [SchemaWarning] = [], grants: [String] = []) {
        self.schema = schema
        self.statements = statements
        self.warnings = warnings
        self.grants = grants
    }

    /// True when the database already matches: nothing to run.
    public var isEmpty: Bool { statements.isEmpty && grants.isEmpty }

    /// The statements and grants as one SQL script, for `--dry-run` output.
    public var script: String {
        (statements + grants).map { $0 + ";\n" }.joined()
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
