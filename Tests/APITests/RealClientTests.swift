@testable import API
import Foundation
import Testing
import TestSupport

/// The API driven by the clients Rubin's people call it with, unchanged: `ConsDbClient` from
/// summit_utils (imported by path from the reference data) and `ConsDbFastAPI` from PyPI's rubin-nights.
/// The Python scripts under `Tests/Clients/` make the calls and check every answer; this suite serves
/// them a live server on an empty `cdb_lsstcam` schema and fails with their output when they fail.
/// `scripts/install-deps` installs rubin-nights, requests and astropy.
@Suite("Real clients", .serialized, .needsConsDBReference)
struct RealClientTests {
    static let token = "gt-client-check.token"

    /// Both clients in turn on one server: the first fills the tables the second reads.
    @Test("ConsDbClient and rubin-nights work unchanged (Basic in the URL, Bearer gt-…, mixed case, qualified tables)")
    func realClients() async throws {
        let client = TestFiles.reference("clients/consdbClient.py")
        try #require(FileManager.default.fileExists(atPath: client.path), "missing \(client.path)")
        var setup = APISetup()
        setup.schemas = ["cdb_lsstcam"]
        setup.fixtures = false
        setup.testing = .live
        setup.configuration.writeTokens = ["gt-other-writer", Self.token]
        try await withAPI(setup) { api in
            let port = try #require(api.client.port)
            let root = "http://127.0.0.1:\(port)"
            let first = try await Self.run("consdbclient_check.py", environment: [
                "CONSDB_CLIENT_FILE": client.path, "CONSDB_BASE": root + "/consdb", "CONSDB_TOKEN": Self.token,
            ])
            #expect(first.status == 0 && first.text.contains("consdbclient:"), "\(first.text)\n\(first)")
            let second = try await Self.run("rubin_nights_check.py", environment: [
                "CONSDB_API_BASE": root, "CONSDB_TOKEN": Self.token,
            ])
            #expect(second.status == 0 && second.text.contains("rubin_nights:"), "\(second.text)\n\(second)")
        }
    }

    /// Runs one of the client scripts in `Tests/Clients/` with `python3`.
    static func run(_ script: String, environment: [String: String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run("python3", [TestFiles.package("Tests/Clients/\(script)").path], environment: environment)
    }
}
