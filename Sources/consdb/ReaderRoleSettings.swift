import Felis
import FelisCatalog

extension Settings {
    /// The reader role of `POST /consdb/query` (`CONSDB_READER_ROLE`, default `consdb_reader`); `none`
    /// turns the grants of `consdb schema apply` off (for databases whose roles someone else manages).
    func readerRole() throws -> ReaderRole? {
        let name = string("CONSDB_READER_ROLE") ?? ReaderRole.defaultName
        if name.lowercased() == "none" { return nil }
        do {
            return try ReaderRole(name)
        } catch {
            throw SettingError("CONSDB_READER_ROLE", error.message)
        }
    }

    /// A boolean setting: true, false, 1, 0, yes, no (any case).
    func flag(_ key: String, default fallback: Bool = false) throws -> Bool {
        guard let text = string(key) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw SettingError(key, "must be true or false; got '\(text)'")
        }
    }
}
