import Foundation
import Logging
import Postgres
import Synchronization
import Testing
import TestSupport

@Suite("Server notices go to the logger")
struct NoticeTests {
    @Test func noticesAndWarningsArriveAsLogRecords() async throws {
        let store = RecordingLogHandler.Store()
        let logger = Logger(label: "test.notices") { _ in RecordingLogHandler(store: store) }
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url, logger: logger)
            // The notice every re-applied schema used to print raw on stderr.
            try await connection.execute("CREATE TABLE IF NOT EXISTS noticed (id int)")
            try await connection.execute("CREATE TABLE IF NOT EXISTS noticed (id int)")
            try await connection.execute("DO $$ BEGIN RAISE WARNING 'careful: %', 42; END $$")
        }
        let records = store.records.withLock { $0 }.filter { $0.metadata["event"] == "postgres.notice" }
        let notice = try #require(records.first { $0.message.contains("already exists, skipping") })
        #expect(notice.level == .debug)
        #expect(notice.metadata["severity"] == "NOTICE")
        #expect(notice.metadata["sqlstate"] == "42P07")
        let warning = try #require(records.first { $0.message == "careful: 42" })
        #expect(warning.level == .warning)
        #expect(warning.metadata["severity"] == "WARNING")
    }
}
