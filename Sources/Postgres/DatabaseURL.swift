/// Where the database is, from the environment.
public enum DatabaseURL {
    /// Environment variables consulted in order. `CONSDB_DATABASE_URL` is ours; `POSTGRES_URL` and
    /// `CONSDB_URL` are what the reference services read.
    public static let environmentKeys = ["CONSDB_DATABASE_URL", "POSTGRES_URL", "CONSDB_URL"]

    /// The first non-empty setting of ``environmentKeys``, or `nil`. When it is `nil`, an empty libpq
    /// connection string still works through libpq's own `PG*` variables, service file and `.pgpass`.
    public static func fromEnvironment(_ environment: [String: String]) -> String? {
        for key in environmentKeys {
            if let value = environment[key], !value.isEmpty { return value }
        }
        return nil
    }

    /// The database URL by the reference's precedence, ours first: ``environmentKeys`` in order, then
    /// the `DB_*` settings of the reference's Phalanx deployment (see ``DatabaseParts``), else `nil`.
    public static func resolve(_ environment: [String: String]) throws(DatabaseParts.Problem) -> String? {
        if let url = fromEnvironment(environment) { return url }
        return try DatabaseParts.fromEnvironment(environment)?.url()
    }

    /// Removes the password from a URI or key/value connection string, for logs.
    public static func redacted(_ conninfo: String) -> String {
        if let schemeEnd = conninfo.range(of: "://"), let at = conninfo[schemeEnd.upperBound...].firstIndex(of: "@") {
            let credentials = conninfo[schemeEnd.upperBound..<at]
            if let colon = credentials.firstIndex(of: ":") {
                return String(conninfo[..<colon]) + ":***" + String(conninfo[at...])
            }
            return conninfo
        }
        var parts: [String] = []
        for part in conninfo.split(separator: " ") {
            parts.append(part.hasPrefix("password=") ? "password=***" : String(part))
        }
        return parts.joined(separator: " ")
    }
}
