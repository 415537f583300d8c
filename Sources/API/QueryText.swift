/// How `POST /consdb/query` reads the SQL text it is sent, before PostgreSQL sees it.
enum QueryText {
    /// The SQL as the reference's driver would send it. The reference runs `/query` through SQLAlchemy's
    /// `exec_driver_sql` on psycopg2, which applies Python `%`-formatting to the text (string literals
    /// and comments included: it does not parse SQL), so clients write `%%` for a literal `%`
    /// (`SELECT 7 %% 3`, `LIKE 'BLOCK-%%'`). Each `%%` becomes `%`, read left to right; a lone `%`, an
    /// error there, is kept as it is here, so `SELECT 7 % 3` works as well.
    static func unescapingPercent(_ sql: String) -> String {
        // Scalars, not Characters: a combining mark after '%' makes "%́" one Character.
        guard sql.utf8.contains(UInt8(ascii: "%")) else { return sql }
        var result = String.UnicodeScalarView()
        var pendingPercent = false
        for scalar in sql.unicodeScalars {
            if scalar == "%" {
                if pendingPercent {
                    result.append("%")
                    pendingPercent = false
                } else {
                    pendingPercent = true
                }
            } else {
                if pendingPercent { result.append("%") }
                pendingPercent = false
                result.append(scalar)
            }
        }
        if pendingPercent { result.append("%") }
        return String(result)
    }

    /// Leading keywords of statements that write, change the schema or the session, or manage
    /// transactions: refused before reaching PostgreSQL with "Only read-only queries are accepted".
    /// Anything else that is not a query (a typo, `EXPLAIN`, `SHOW`) goes to PostgreSQL, whose own error
    /// (a syntax error: `DECLARE ... CURSOR FOR` takes only a query) is clearer than a refusal.
    static let refusedKeywords: Set<String> = [
        "insert", "update", "delete", "merge",
        "create", "drop", "alter", "truncate", "grant", "revoke", "comment", "security", "refresh", "reindex",
        "cluster", "vacuum", "analyze", "analyse", "checkpoint", "load", "import",
        "copy", "call", "do", "set", "reset", "lock", "discard", "listen", "notify", "unlisten",
        "prepare", "execute", "deallocate",
        "begin", "start", "commit", "rollback", "savepoint", "release", "end", "abort",
    ]

    /// Whether a statement with this leading keyword (lower case, see ``QueryRoutes/leadingKeyword(_:)``)
    /// is refused as a write.
    static func isRefused(keyword: String) -> Bool {
        refusedKeywords.contains(keyword)
    }
}
