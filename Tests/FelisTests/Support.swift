import Felis
import Foundation
import Postgres
import TestSupport

/// The Felis files the tests use, read in place (never copied into the repository).
enum Files {
    static let cdb = ["cdb_latiss.yaml", "cdb_lsstcam.yaml", "cdb_lsstcomcam.yaml", "cdb_lsstcomcamsim.yaml"]
    static let efd = ["efd_latiss.yaml", "efd_lsstcam.yaml", "efd_lsstcomcam.yaml"]
    static let demo = TestFiles.package("config/demo/cdb_demo.yaml")

    static func reference(_ name: String) -> URL {
        ReferenceData.felis(name)
    }

    static func text(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }
}

/// Runs `body` with a connection to a fresh, empty database.
func withDatabase<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
    try await TestDatabase.withFreshDatabase { url in
        let connection = try await Connection.connect(url)
        return try await body(connection)
    }
}

/// The error `body` throws, or nil.
func error<E: Error>(_ type: E.Type = E.self, from body: () throws -> Void) -> E? {
    do {
        try body()
        return nil
    } catch let error as E {
        return error
    } catch {
        return nil
    }
}

/// The error an async `body` throws, or nil.
func asyncError<E: Error>(_ type: E.Type = E.self, from body: () async throws -> Void) async -> E? {
    do {
        try await body()
        return nil
    } catch let error as E {
        return error
    } catch {
        return nil
    }
}

extension Connection {
    /// The first column of the first row, or nil.
    func scalar(_ sql: SQL) async throws -> String? {
        try await query(sql).rows.first?.first ?? nil
    }

    /// Names of the relations in `schema`, sorted.
    func relations(in schema: String) async throws -> [String] {
        try await query("""
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) ORDER BY 1
            """).rows.compactMap { $0[0] }
    }
}
