@testable import API
import Postgres
import Testing

@Suite("database errors to HTTP statuses, from PostgresError.category")
struct DatabaseErrorStatusTests {
    static func server(_ state: String?) -> PostgresError {
        PostgresError(code: .server, message: "refused", sqlState: state, detail: "Key (id)=(1) already exists.")
    }

    @Test("writes and reads: unavailable 503, cancelled 400, duplicate 409, bad data 400, the rest 500", arguments: [
        (PostgresError(code: .connectionFailed, message: "refused"), 503),
        (PostgresError(code: .connectionLost, message: "terminating connection", sqlState: "57P01"), 503),
        (PostgresError(code: .poolClosed, message: "shut down"), 503),
        (PostgresError(code: .poolTimeout, message: "no connection"), 503),
        (PostgresError(code: .cancelled, message: "canceling statement", sqlState: "57014"), 400),
        (server("23505"), 409),
        (server("23503"), 400), (server("23502"), 400), (server("22001"), 400), (server("22P02"), 400),
        (server("42601"), 500), (server("42P01"), 500), (server("42501"), 500), (server("42710"), 500),
        (server("40001"), 500), (server("40P01"), 500), (server("55P03"), 500), (server("25006"), 500), (server("XX000"), 500),
        (server(nil), 500),
        (PostgresError(code: .protocolViolation, message: "COPY statements take no parameters"), 500),
    ] as [(PostgresError, Int)])
    func status(error: PostgresError, status: Int) {
        #expect(APIError.from(error).status.code == status, "\(error)")
    }

    @Test("the duplicate and bad-data answers carry the server's message and detail; a 500 only the message")
    func bodies() {
        #expect(APIError.from(Self.server("23505")).value == .string("refused: Key (id)=(1) already exists."))
        #expect(APIError.from(Self.server("22001")).value == .string("refused: Key (id)=(1) already exists."))
        #expect(APIError.from(Self.server("42601")).value == .string("refused"))
    }

    @Test("ad-hoc queries: the server's refusals are the client's (400 with the SQLSTATE), timeouts 400, outages 503", arguments: [
        (PostgresError(code: .cancelled, message: "canceling statement", sqlState: "57014"), 400, "The query exceeded the statement timeout"),
        (PostgresError(code: .connectionLost, message: "gone"), 503, "the database is not available; try again later"),
        (PostgresError(code: .poolTimeout, message: "busy"), 503, "the database is not available; try again later"),
        (server("42601"), 400, "Query failed: refused: Key (id)=(1) already exists."),
        (server("42501"), 400, "Query failed: refused: Key (id)=(1) already exists."),
        (server("23505"), 400, "Query failed: refused: Key (id)=(1) already exists."),
        (server("40P01"), 400, "Query failed: refused: Key (id)=(1) already exists."),
        (server("XX000"), 400, "Query failed: refused: Key (id)=(1) already exists."),
        (PostgresError(code: .protocolViolation, message: "odd"), 400, "Query failed: odd"),
    ] as [(PostgresError, Int, String)])
    func queryStatus(error: PostgresError, status: Int, message: String) throws {
        let mapped = try #require(QueryRoutes.queryError(error, timeoutSeconds: 30) as? APIError)
        #expect(mapped.status.code == status, "\(error)")
        #expect(mapped.message == message)
        if error.code == .server { #expect(mapped.value == .string(error.sqlState ?? "")) }
    }
}
