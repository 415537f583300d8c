import HeaderFile
import Postgres

/// Which failures are the input's fault (retrying the same input cannot help: it goes to the dead-letter
/// table) and which are the environment's (a service down, a permission or schema problem an operator
/// must fix: the work waits and retries, so nothing is dead-lettered that a fixed environment would take).
enum FailureKind {
    static func isInputFault(_ error: any Error) -> Bool {
        switch error {
        case is HeaderMappingError, is HeaderFileError:
            return true
        case let error as PostgresError:
            // Only the row's own values are the input's fault; every other database failure is the
            // database's state (see ``PostgresError/Category/isInputFault``).
            return error.category.isInputFault
        default:
            return false
        }
    }
}
