import Postgres
import Testing

@Suite("PostgresError.category: what a failure means, from its code and SQLSTATE")
struct ErrorCategoryTests {
    static func server(_ state: String?) -> PostgresError {
        PostgresError(code: .server, message: "refused", sqlState: state)
    }

    @Test("failures to reach or keep the database are unavailable, whatever SQLSTATE came with them",
          arguments: [PostgresError.Code.connectionFailed, .connectionLost, .poolClosed, .poolTimeout])
    func unavailable(code: PostgresError.Code) {
        #expect(PostgresError(code: code, message: "down").category == .unavailable)
        // A server shutting down sends 57P01 and then drops the connection: the lost connection decides.
        #expect(PostgresError(code: code, message: "down", sqlState: "57P01").category == .unavailable)
        #expect(PostgresError(code: code, message: "down", sqlState: "23505").category == .unavailable)
    }

    @Test("a cancelled statement (timeout or task) is canceled")
    func canceled() {
        #expect(PostgresError(code: .cancelled, message: "canceling statement", sqlState: "57014").category == .canceled)
        #expect(PostgresError(code: .cancelled, message: "cancelled").category == .canceled)
        #expect(Self.server(PostgresError.State.queryCanceled).category == .canceled)
    }

    @Test("server SQLSTATEs sort into their categories", arguments: [
        // Class 23, integrity: the unique violation apart, for its own answer (409).
        ("23505", PostgresError.Category.uniqueViolation),
        ("23503", .invalidData), ("23502", .invalidData), ("23514", .invalidData), ("23P01", .invalidData), ("23000", .invalidData),
        // Class 22, data exceptions.
        ("22001", .invalidData), ("22003", .invalidData), ("22P02", .invalidData), ("22007", .invalidData), ("22000", .invalidData),
        // Class 42, syntax or access rule: privilege and duplicate object apart.
        ("42501", .insufficientPrivilege), ("42710", .duplicateObject),
        ("42601", .invalidStatement), ("42P01", .invalidStatement), ("42703", .invalidStatement), ("42883", .invalidStatement),
        ("42P07", .invalidStatement), ("42000", .invalidStatement),
        // Conflicts with concurrent transactions.
        ("40001", .transient), ("40P01", .transient), ("55P03", .transient),
        // Everything else the server says.
        ("25006", .server), ("40002", .server), ("55000", .server), ("53100", .server), ("54000", .server),
        ("0A000", .server), ("26000", .server), ("XX000", .server), ("P0001", .server), ("57P01", .server),
    ])
    func serverStates(state: String, category: PostgresError.Category) {
        #expect(Self.server(state).category == category, "SQLSTATE \(state)")
    }

    @Test("a server error without SQLSTATE is a server error; libpq's surprises are unexpected")
    func withoutState() {
        #expect(Self.server(nil).category == .server)
        #expect(PostgresError(code: .protocolViolation, message: "COPY statements take no parameters").category == .unexpected)
    }

    @Test("a value that cannot be converted is invalid data")
    func conversion() {
        #expect(PostgresError(code: .conversion, message: "not an integer").category == .invalidData)
    }

    @Test("only the input's own values are its fault")
    func inputFault() {
        let faults = [PostgresError.Category.unavailable, .canceled, .uniqueViolation, .invalidData, .duplicateObject,
                      .insufficientPrivilege, .invalidStatement, .transient, .server, .unexpected].filter(\.isInputFault)
        #expect(faults == [.uniqueViolation, .invalidData])
    }
}
