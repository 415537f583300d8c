import HeaderFile
@testable import Ingest
import Postgres
import Testing

@Suite("FailureKind: dead-letter the input's faults, wait out the environment's")
struct FailureKindTests {
    static func server(_ state: String?) -> PostgresError {
        PostgresError(code: .server, message: "refused", sqlState: state)
    }

    @Test("the header's own faults and the database's refusal of its values are the input's", arguments: [
        HeaderMappingError("CONTRLLR is missing"), HeaderFileError("not a header", line: 3),
        server("23505"), server("23503"), server("23502"), server("23514"), server("22001"), server("22003"), server("22P02"),
        PostgresError(code: .conversion, message: "not a number"),
    ] as [any Error & Sendable])
    func inputFaults(error: any Error & Sendable) {
        #expect(FailureKind.isInputFault(error), "\(error)")
    }

    @Test("outages, timeouts, schema and permission problems and conflicts are the environment's", arguments: [
        PostgresError(code: .connectionFailed, message: "refused"), PostgresError(code: .connectionLost, message: "gone", sqlState: "23505"),
        PostgresError(code: .poolClosed, message: "closed"), PostgresError(code: .poolTimeout, message: "busy"),
        PostgresError(code: .cancelled, message: "canceling statement", sqlState: "57014"),
        PostgresError(code: .protocolViolation, message: "odd"),
        server("42P01"), server("42703"), server("42501"), server("42601"), server("40001"), server("40P01"), server("55P03"),
        server("25006"), server("57P01"), server("XX000"), server(nil),
        CancellationError(),
    ] as [any Error & Sendable])
    func environmentFaults(error: any Error & Sendable) {
        #expect(!FailureKind.isInputFault(error), "\(error)")
    }
}
