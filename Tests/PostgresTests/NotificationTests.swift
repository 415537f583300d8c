import Postgres
import Testing
import TestSupport

@Suite("LISTEN / NOTIFY")
struct NotificationTests {
    @Test func deliversCommittedNotificationsOnly() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let listener = try await Connection.connect(url)
            let sender = try await Connection.connect(url)
            try await listener.listen("consdb_exposure")
            #expect(try await listener.notifications(waitingUpTo: .milliseconds(50)).isEmpty)
            // Inside a transaction: delivered at COMMIT, not before; a rolled-back one never.
            try await sender.execute("BEGIN")
            try await sender.query("SELECT pg_notify('consdb_exposure', \("cdb_latiss:2024080100302"))")
            #expect(try await listener.notifications(waitingUpTo: .milliseconds(100)).isEmpty)
            try await sender.execute("COMMIT")
            let received = try await listener.notifications(waitingUpTo: .seconds(5))
            #expect(received.map(\.payload) == ["cdb_latiss:2024080100302"])
            #expect(received.first?.channel == "consdb_exposure")
            try await sender.execute("BEGIN; SELECT pg_notify('consdb_exposure', 'never'); ROLLBACK")
            try await sender.query("SELECT pg_notify('other_channel', 'not ours')")
            #expect(try await listener.notifications(waitingUpTo: .milliseconds(200)).isEmpty)
            // Several arrive together.
            try await sender.execute("SELECT pg_notify('consdb_exposure', 'a'); SELECT pg_notify('consdb_exposure', 'b')")
            var payloads: [String] = []
            while payloads.count < 2 {
                payloads += try await listener.notifications(waitingUpTo: .seconds(5)).map(\.payload)
            }
            #expect(payloads == ["a", "b"])
        }
    }
}
