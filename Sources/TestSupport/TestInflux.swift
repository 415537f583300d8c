import Foundation
import InfluxDB

/// InfluxDB databases for tests, each created fresh on the throwaway server that `scripts/test` starts
/// (`scripts/influx-throwaway`).
///
/// The server's base URL comes from `CONSDB_TEST_INFLUX_URL`. Each test gets its own uniquely named
/// database, so tests run in parallel without seeing each other's points.
public enum TestInflux {
    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String {
            "CONSDB_TEST_INFLUX_URL is not set: run the tests with ./scripts/test, which starts a throwaway InfluxDB (scripts/influx-throwaway)"
        }
    }

    /// The throwaway server's base URL.
    public static func baseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CONSDB_TEST_INFLUX_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        return url
    }

    /// Settings for database `database` on the test server (`chunkSize` small enough that a few
    /// hundred rows span several chunks unless a test says otherwise).
    public static func settings(database: String, chunkSize: Int = 10_000) throws -> InfluxSettings {
        InfluxSettings(url: try baseURL(), database: database, timeout: .seconds(60), chunkSize: chunkSize)
    }

    /// Creates an empty database, runs `body` with a client for it, and drops it afterwards.
    public static func withFreshDatabase<T: Sendable>(chunkSize: Int = 10_000, _ body: (InfluxClient) async throws -> T) async throws -> T {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let client = try InfluxClient(settings: try settings(database: name, chunkSize: chunkSize))
        try await client.createDatabase(name)
        do {
            let value = try await body(client)
            try await client.dropDatabase(name)
            return value
        } catch {
            _ = try? await client.dropDatabase(name)
            throw error
        }
    }
}
