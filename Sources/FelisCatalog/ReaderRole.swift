import Felis
import Postgres

/// The role `POST /consdb/query` reads as: a `NOLOGIN` group role that holds `USAGE` and `SELECT` on the
/// published schemas (`cdb_*`, `efd_*`) and nothing else, and login roles that are members of it.
///
/// `consdb schema apply` gives the group what it lacks on every schema it applies (and default
/// privileges, so tables the applying role creates there later are readable too); `consdb roles` does
/// the same for every published schema and creates or updates a login member. Every step first reads
/// what is already granted and issues only what is missing, so a re-apply changes nothing.
public struct ReaderRole: Sendable, Equatable {
    /// The default name of the group role (`CONSDB_READER_ROLE`).
    public static let defaultName = "consdb_reader"
    /// The schema of the workers' own bookkeeping (dead letters, task queue): never published.
    public static let internalSchema = "consdb_ingest"
    /// The operators' views of the batch queue (`efd_scheduler.<instrument>`): named like a published
    /// schema for the reference's sake, but never published (an operator role reads it instead).
    public static let schedulerSchema = "efd_scheduler"

    public let name: String

    /// - Throws: ``ReaderRoleError`` when `name` is not a plain lower-case identifier (which keeps the
    ///   DDL that names it simple to read), or is reserved (`pg_*`, `public`).
    public init(_ name: String) throws(ReaderRoleError) {
        try Self.check(name)
        self.name = name
    }

    /// Whether `name` is acceptable as a role name here.
    public static func check(_ name: String) throws(ReaderRoleError) {
        let valid = !name.isEmpty && name.utf8.count <= 63
            && name.utf8.first.map { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") } == true
            && name.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
        guard valid else {
            throw ReaderRoleError(role: name, message: "a role name must be 1 to 63 characters a-z, 0-9 and _, not starting with a digit")
        }
        guard !name.hasPrefix("pg_"), name != "public" else {
            throw ReaderRoleError(role: name, message: "the name is reserved by PostgreSQL")
        }
    }

    /// Whether a schema is one `POST /consdb/query` publishes (`cdb_*`, `efd_*` but `efd_scheduler`), or
    /// `tap_schema`, the TAP service's description of those (nothing in it that the others do not show).
    public static func isPublished(_ schema: String) -> Bool {
        isPublishedData(schema) || schema == TAPSchemaRows.postgresSchema
    }

    /// Whether a schema holds published data (`cdb_*`, `efd_*` but `efd_scheduler`): those TAP_SCHEMA describes.
    public static func isPublishedData(_ schema: String) -> Bool {
        (schema.hasPrefix("cdb_") || schema.hasPrefix("efd_")) && schema != schedulerSchema
    }

    var quoted: String { SQL.quoteIdentifier(name) }

    // MARK: The group role

    /// What ``ensureExists(on:)`` found or did.
    public enum Existence: Sendable, Equatable {
        case existed
        case created
        /// The role is missing and the connected role may not create roles (no `CREATEROLE`).
        case cannotCreate(String)
    }

    /// Creates the group role (`NOLOGIN`) unless it exists. Runs inside the caller's transaction; a
    /// concurrent creation elsewhere in the cluster (roles are cluster-wide, so a per-database lock does
    /// not order it) is taken as "exists".
    public func ensureExists(on connection: Connection) async throws -> Existence {
        if try await exists(name, on: connection) { return .existed }
        try await connection.execute("SAVEPOINT consdb_reader_role")
        do {
            try await connection.execute("CREATE ROLE \(quoted) NOLOGIN")
            try await connection.execute("RELEASE SAVEPOINT consdb_reader_role")
            return .created
        } catch let error as PostgresError where Self.isAlreadyThere(error) || error.category == .insufficientPrivilege {
            try await connection.execute("ROLLBACK TO SAVEPOINT consdb_reader_role")
            try await connection.execute("RELEASE SAVEPOINT consdb_reader_role")
            return Self.isAlreadyThere(error) ? .existed : .cannotCreate(error.message)
        }
    }

    /// duplicate_object, or unique_violation when another session created the role at the same moment.
    static func isAlreadyThere(_ error: PostgresError) -> Bool {
        error.category == .duplicateObject || error.category == .uniqueViolation
    }

    func exists(_ role: String, on connection: Connection) async throws -> Bool {
        try await connection.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = \(role)").rows.isEmpty == false
    }

    // MARK: Grants on a schema

    /// The statements that give the role what it lacks on `schema`: `USAGE` on the schema, `SELECT` on
    /// each table, view and materialized view, and default privileges for tables and views the
    /// connected role creates there later. Empty when everything is in place. The role must exist.
    public func missingGrants(on schema: String, connection: Connection) async throws -> [String] {
        let schemaName = SQL.quoteIdentifier(schema)
        var statements: [String] = []
        let usage = try await connection.query("""
            SELECT has_schema_privilege(\(name)::name, n.oid, 'USAGE') FROM pg_catalog.pg_namespace n WHERE n.nspname = \(schema)
            """).rows.first?.first ?? nil
        guard let usage else { return [] }  // no such schema (a dry run of a new one): nothing to read yet
        if usage != "t" { statements.append("GRANT USAGE ON SCHEMA \(schemaName) TO \(quoted)") }
        let unreadable = try await connection.query("""
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND NOT has_table_privilege(\(name)::name, c.oid, 'SELECT')
            ORDER BY c.relname
            """).rows.compactMap { $0.first ?? nil }
        if !unreadable.isEmpty {
            let list = unreadable.map { schemaName + "." + SQL.quoteIdentifier($0) }.joined(separator: ", ")
            statements.append("GRANT SELECT ON TABLE \(list) TO \(quoted)")
        }
        let hasDefault = try await connection.query("""
            SELECT EXISTS (
              SELECT 1 FROM pg_catalog.pg_default_acl d JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace,
                LATERAL aclexplode(d.defaclacl) a
              WHERE n.nspname = \(schema) AND d.defaclobjtype = 'r' AND d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
                AND a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = \(name)) AND a.privilege_type = 'SELECT')
            """).rows.first?.first ?? nil
        if hasDefault != "t" {
            statements.append("ALTER DEFAULT PRIVILEGES IN SCHEMA \(schemaName) GRANT SELECT ON TABLES TO \(quoted)")
        }
        return statements
    }

    /// Ensures the role exists and runs ``missingGrants(on:connection:)`` for each schema, inside the
    /// caller's transaction. Returns the statements it ran; throws ``ReaderRoleError`` when the role is
    /// missing and cannot be created.
    @discardableResult
    public func grant(on schemas: [String], connection: Connection) async throws -> [String] {
        var statements: [String] = []
        switch try await ensureExists(on: connection) {
        case .created: statements.append("CREATE ROLE \(quoted) NOLOGIN")
        case .existed: break
        case .cannotCreate(let reason):
            throw ReaderRoleError(role: name, message: "the role does not exist and cannot be created here (\(reason)); create it as a role with CREATEROLE, e.g. with `consdb roles`")
        }
        for schema in schemas where schema != Self.internalSchema && schema != Self.schedulerSchema {
            for statement in try await missingGrants(on: schema, connection: connection) {
                try await connection.execute(statement)
                statements.append(statement)
            }
        }
        return statements
    }

    /// The published schemas (``isPublished(_:)``) of the connected database, in name order (`tap_schema`
    /// last, which keeps the lock order `consdb roles` and `consdb schema apply` share).
    public static func publishedSchemas(on connection: Connection) async throws -> [String] {
        try await connection.query("""
            SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname LIKE 'cdb\\_%' OR nspname LIKE 'efd\\_%' OR nspname = 'tap_schema' ORDER BY 1
            """).rows.compactMap { $0.first ?? nil }.filter(isPublished)
    }

    // MARK: Login members

    /// Creates or updates `login` as a login role in the group: `LOGIN INHERIT` and none of `SUPERUSER`,
    /// `CREATEDB`, `CREATEROLE`, `REPLICATION`, `BYPASSRLS`. With a `password` it is set (PostgreSQL
    /// stores it hashed per `password_encryption`); without one an existing password is kept.
    /// Returns the statements it ran (the password shown as `***`).
    @discardableResult
    public func ensureLogin(_ login: String, password: String?, connection: Connection) async throws -> [String] {
        try Self.check(login)
        guard login != name else { throw ReaderRoleError(role: login, message: "the login role must differ from the group role") }
        if let password, password.isEmpty || password.utf8.contains(0) {
            throw ReaderRoleError(role: login, message: "the password must be non-empty and hold no NUL character")
        }
        let attributes = "LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        // Role DDL takes no bind parameters: the password goes in as a literal.
        let passwordClause = password.map { " PASSWORD " + SQLText.literal($0) } ?? ""
        let loginName = SQL.quoteIdentifier(login)
        var shown: [String] = []
        if try await exists(login, on: connection) {
            try await connection.execute("ALTER ROLE \(loginName) \(attributes)\(passwordClause)")
            shown.append("ALTER ROLE \(loginName) \(attributes)\(password == nil ? "" : " PASSWORD ***")")
        } else {
            try await connection.execute("SAVEPOINT consdb_reader_login")
            do {
                try await connection.execute("CREATE ROLE \(loginName) \(attributes)\(passwordClause)")
                try await connection.execute("RELEASE SAVEPOINT consdb_reader_login")
                shown.append("CREATE ROLE \(loginName) \(attributes)\(password == nil ? "" : " PASSWORD ***")")
            } catch let error as PostgresError where Self.isAlreadyThere(error) {
                try await connection.execute("ROLLBACK TO SAVEPOINT consdb_reader_login")
                try await connection.execute("RELEASE SAVEPOINT consdb_reader_login")
                return try await ensureLogin(login, password: password, connection: connection)
            }
        }
        let member = try await connection.query("SELECT pg_has_role(\(login)::name, \(name)::name, 'MEMBER')").rows.first?.first ?? nil
        if member != "t" {
            try await connection.execute("GRANT \(quoted) TO \(loginName)")
            shown.append("GRANT \(quoted) TO \(loginName)")
        }
        return shown
    }
}

/// A reader role could not be named, created or granted.
public struct ReaderRoleError: Error, Sendable, CustomStringConvertible {
    public var role: String
    public var message: String

    public init(role: String, message: String) {
        self.role = role
        self.message = message
    }

    public var description: String { "reader role '\(role)': \(message)" }
}
