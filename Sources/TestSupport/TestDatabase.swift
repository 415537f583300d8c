import Foundation
import Postgres

/// Databases for tests, each created fresh on the throwaway cluster that `scripts/test` starts.
///
/// The cluster's URL comes from `CONSDB_TEST_DATABASE_URL` (a URI ending in `/postgres`). Each test
/// gets its own database, so tests run in parallel without seeing each other's rows.
public enum TestDatabase {
    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String {
            "CONSDB_TEST_DATABASE_URL is not set: run the tests with ./scripts/test, which starts a throwaway PostgreSQL"
        }
    }

    /// The URL of the cluster's maintenance database.
    public static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CONSDB_TEST_DATABASE_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        return url
    }

    /// The URL of database `name` on the test cluster.
    public static func url(forDatabase name: String) throws -> String {
        let admin = try adminURL()
        guard let slash = admin.lastIndex(of: "/") else { return admin + "/" + name }
        return String(admin[...slash]) + name
    }

    /// Creates an empty database, runs `body` with its URL, and drops it afterwards.
    ///
    /// At most `DatabaseTestSlots.shared.limit` tests hold databases at once (a nested call reuses its
    /// test's slot): Swift Testing starts every test at once, and each holds several connections, so an
    /// unbounded parallel run would exceed the throwaway server's `max_connections`.
    public static func withFreshDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        try await DatabaseTestSlots.shared.withSlot { try await createAndDrop(body) }
    }

    private static func createAndDrop<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try await Connection.connect(try adminURL())
        try await admin.execute("CREATE DATABASE \(SQL.quoteIdentifier(name))")
        do {
            let value = try await body(try url(forDatabase: name))
            try await admin.execute("DROP DATABASE \(SQL.quoteIdentifier(name)) WITH (FORCE)")
            return value
        } catch {
            _ = try? await admin.execute("DROP DATABASE \(SQL.quoteIdentifier(name)) WITH (FORCE)")
            throw error
        }
    }
}

/// Files that tests read from beside the checkout.
public enum TestFiles {
    /// The package's root folder.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/TestSupport/TestDatabase.swift
        return url
    }()

    /// Rubin's reference data (`../shared/reference` beside the checkout, or `CONSDB_REFERENCE_DIR`).
    public static var referenceDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["CONSDB_REFERENCE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference")
    }

    public static func reference(_ relativePath: String) -> URL {
        referenceDirectory.appendingPathComponent(relativePath)
    }

    /// A file of the package itself, e.g. `config/demo/cdb_demo.yaml`.
    public static func package(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent(relativePath)
    }
}
