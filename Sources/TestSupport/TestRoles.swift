import Foundation
import Postgres

/// Roles for tests. Roles are cluster-wide, so each test gets names of its own and drops them afterwards.
public enum TestRoles {
    /// Unique names for a reader group role and its login member, passed to `body`; both roles are
    /// dropped when `body` ends (create them inside, and drop every database that grants them something
    /// first: a role with privileges left cannot be dropped).
    public static func withReaderNames<T: Sendable>(_ body: (_ group: String, _ login: String) async throws -> T) async throws -> T {
        let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let group = "t_reader_\(tag)"
        let login = "t_query_\(tag)"
        do {
            let value = try await body(group, login)
            try await drop([login, group])
            return value
        } catch {
            try? await drop([login, group])
            throw error
        }
    }

    /// Drops roles that exist among `names`.
    public static func drop(_ names: [String]) async throws {
        let admin = try await Connection.connect(try TestDatabase.adminURL())
        for name in names {
            let exists = try await admin.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = \(name)").rows.isEmpty == false
            if exists { try await admin.execute("DROP ROLE \(SQL.quoteIdentifier(name))") }
        }
    }

    /// `url` (a `postgresql://user@host:port/db` URI, as the test cluster's) connecting as `user` instead.
    public static func url(_ url: String, user: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let hostStart = rest[..<authorityEnd].lastIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        return String(url[..<schemeEnd.upperBound]) + user + "@" + String(rest[hostStart...])
    }
}
