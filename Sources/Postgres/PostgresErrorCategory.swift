extension PostgresError {
    /// What a failure means for the caller, from its ``code`` and SQLSTATE: the one classification that
    /// HTTP statuses, dead-letter decisions and role checks are derived from.
    public enum Category: Sendable, Hashable {
        /// The database cannot be used now: no connection could be made, the connection broke, the pool
        /// is shut down or lent no connection in time. The same work may succeed later.
        case unavailable
        /// The statement was cancelled: its statement timeout ran out or its task was cancelled (57014).
        case canceled
        /// A unique constraint refused a second row with the same key (23505).
        case uniqueViolation
        /// The data was refused: a data exception (SQLSTATE class 22: a value too long, out of range,
        /// invalid text), an integrity violation (class 23 but 23505: not null, foreign key, check), or a
        /// value that could not be converted to or from its text form.
        case invalidData
        /// The object to create already exists (42710, e.g. a role).
        case duplicateObject
        /// The connected role lacks a privilege (42501).
        case insufficientPrivilege
        /// The statement itself is wrong: the rest of class 42 (syntax error, undefined table or column, ...).
        case invalidStatement
        /// The transaction lost to a concurrent one and may succeed if run again: serialization failure
        /// (40001), deadlock (40P01), lock not available (55P03).
        case transient
        /// Any other error the server reported.
        case server
        /// libpq answered something the wrapper did not expect (no SQLSTATE).
        case unexpected

        /// Whether the input's own values caused the failure, so sending the same input again cannot
        /// help (``uniqueViolation`` and ``invalidData``); every other failure is the database's state.
        public var isInputFault: Bool {
            self == .uniqueViolation || self == .invalidData
        }
    }

    /// What this failure means for the caller; see ``Category``.
    public var category: Category {
        switch code {
        case .connectionFailed, .connectionLost, .poolClosed, .poolTimeout:
            return .unavailable
        case .cancelled:
            return .canceled
        case .conversion:
            return .invalidData
        case .protocolViolation:
            return .unexpected
        case .server:
            return sqlState.map(Self.category(ofServerState:)) ?? .server
        }
    }

    /// The category of an error the server reported with SQLSTATE `state` on a working connection.
    static func category(ofServerState state: String) -> Category {
        switch state {
        case State.uniqueViolation: return .uniqueViolation
        case State.queryCanceled: return .canceled
        case State.insufficientPrivilege: return .insufficientPrivilege
        case State.duplicateObject: return .duplicateObject
        case State.serializationFailure, State.deadlockDetected, State.lockNotAvailable: return .transient
        default: break
        }
        // The class is the first two characters.
        switch state.prefix(2) {
        case "22", "23": return .invalidData
        case "42": return .invalidStatement
        default: return .server
        }
    }
}
