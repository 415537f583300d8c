import Foundation
import Postgres

/// One secondary database the writers keep in step with the primary.
///
/// Its ``name`` (`host:port/dbname`, never a password) labels its backlog in the primary's outbox, its
/// metrics and its logs, so the same replica configured in several processes shares one backlog.
public struct ReplicaTarget: Sendable, Hashable, CustomStringConvertible {
    /// The libpq connection string or URI, with its password: never logged.
    public var conninfo: String
    /// `host:port/dbname`.
    public var name: String

    public init(conninfo: String) throws(ReplicaSettingError) {
        self.conninfo = conninfo
        self.name = try Self.name(of: conninfo)
    }

    public var description: String { name }

    /// Parses `CONSDB_REPLICA_URLS` / `--replica-url` values: entries separated by commas; a URI entry may
    /// also hold several URIs separated by spaces (a key/value conninfo has spaces of its own, so several
    /// of those need commas). Duplicates (the same `host:port/dbname`) are an error, not merged.
    public static func parseList(_ values: [String]) throws(ReplicaSettingError) -> [ReplicaTarget] {
        var targets: [ReplicaTarget] = []
        for value in values {
            for entry in value.split(separator: ",") {
                let text = entry.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { continue }
                let pieces = text.contains("://") ? text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) : [text]
                for piece in pieces { targets.append(try ReplicaTarget(conninfo: piece)) }
            }
        }
        var seen: Set<String> = []
        for target in targets where !seen.insert(target.name).inserted {
            throw ReplicaSettingError("names \(target.name) twice")
        }
        return targets
    }

    /// `host:port/dbname` of a URI (`postgresql://` or `postgres://`) or a key/value conninfo; the port
    /// defaults to 5432, the host to `localhost`, the database to the user's name as libpq does, else `postgres`.
    static func name(of conninfo: String) throws(ReplicaSettingError) -> String {
        var host = "localhost", port = "5432", database: String?, user: String?
        if let schemeEnd = conninfo.range(of: "://") {
            let scheme = conninfo[..<schemeEnd.lowerBound]
            guard scheme == "postgresql" || scheme == "postgres" else {
                throw ReplicaSettingError("has an entry that is not a postgresql:// URI or a key=value conninfo: scheme '\(scheme)'")
            }
            var rest = conninfo[schemeEnd.upperBound...]
            if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
            if let at = rest.lastIndex(of: "@") {
                let credentials = rest[..<at]
                user = String(credentials.split(separator: ":", maxSplits: 1).first ?? "")
                rest = rest[rest.index(after: at)...]
            }
            let authority: Substring
            if let slash = rest.firstIndex(of: "/") {
                authority = rest[..<slash]
                let path = rest[rest.index(after: slash)...]
                if !path.isEmpty { database = String(path).removingPercentEncoding ?? String(path) }
            } else {
                authority = rest
            }
            if authority.hasPrefix("[") , let close = authority.firstIndex(of: "]") {
                host = String(authority[...close])
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") { port = String(after.dropFirst()) }
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                port = String(authority[authority.index(after: colon)...])
            } else if !authority.isEmpty {
                host = String(authority)
            }
        } else {
            guard conninfo.contains("=") else {
                throw ReplicaSettingError("has an entry that is not a postgresql:// URI or a key=value conninfo")
            }
            for part in conninfo.split(separator: " ") {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { continue }
                switch pair[0] {
                case "host", "hostaddr": host = pair[1]
                case "port": port = pair[1]
                case "dbname": database = pair[1]
                case "user": user = pair[1]
                default: break
                }
            }
        }
        guard !port.isEmpty, port.allSatisfy(\.isNumber) else { throw ReplicaSettingError("has an entry whose port is not a number") }
        let db = database ?? ((user?.isEmpty ?? true) ? "postgres" : user!)
        return "\(host.isEmpty ? "localhost" : host):\(port)/\(db)"
    }
}

/// A replica setting cannot be used: what is wrong with it (never the password).
public struct ReplicaSettingError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    public init(_ problem: String) { self.problem = problem }
    public var description: String { problem }
}
