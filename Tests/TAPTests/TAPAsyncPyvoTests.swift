import Foundation
import TAP
import TestSupport
import Testing

/// pyvo's own async job class against a live server (`Tests/Clients/pyvo_async_check.py`): create,
/// parameters, executionduration, destruction, run, WAIT, result, error, abort, the job list, delete.
@Suite struct TAPAsyncPyvoTests {
    @Test func pyvoRunsWaitsFetchesAbortsListsAndDeletesJobs() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(testing: .live) { client in
                let port = try #require(client.client.port)
                let result = try await ChildProcess.run("python3", [TestFiles.package("Tests/Clients/pyvo_async_check.py").path], environment: [
                    "TAP_BASE": "http://127.0.0.1:\(port)\(UWSServer.base)",
                ])
                #expect(result.status == 0 && result.text.contains("pyvo_async: ok"), "\(result.text)\n\(result)")
            }
        }
    }
}
