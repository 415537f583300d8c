@testable import API
import Testing

@Suite("query text: %% as psycopg2 reads it, and which statements are refused")
struct QueryTextTests {
    @Test("%% becomes %, read left to right; a lone % stays", arguments: [
        ("SELECT 7 %% 3", "SELECT 7 % 3"), ("SELECT 7 % 3", "SELECT 7 % 3"), ("LIKE 'BLOCK-%%'", "LIKE 'BLOCK-%'"),
        ("%%%", "%%"), ("%%%%", "%%"), ("%", "%"), ("", ""), ("no percent", "no percent"), ("a%%b%%c", "a%b%c"),
        ("-- 100%% sure\nSELECT 1", "-- 100% sure\nSELECT 1"), ("'%%s' %s %(x)s", "'%s' %s %(x)s"), ("%%%%%", "%%%"),
        ("ünï%%cødé %% 😀%%", "ünï%cødé % 😀%"), ("e\u{301}%%", "e\u{301}%"), ("%%\u{301}", "%\u{301}"),
    ])
    func percent(sql: String, expected: String) {
        #expect(QueryText.unescapingPercent(sql) == expected)
    }

    @Test("writes, DDL and utility statements are refused; queries and other words are not", arguments: [
        ("insert", true), ("update", true), ("delete", true), ("merge", true), ("create", true), ("drop", true),
        ("alter", true), ("truncate", true), ("grant", true), ("revoke", true), ("copy", true), ("call", true),
        ("do", true), ("set", true), ("reset", true), ("lock", true), ("vacuum", true), ("analyze", true),
        ("cluster", true), ("reindex", true), ("comment", true), ("security", true), ("refresh", true),
        ("discard", true), ("listen", true), ("notify", true), ("prepare", true), ("execute", true),
        ("deallocate", true), ("begin", true), ("start", true), ("commit", true), ("rollback", true),
        ("savepoint", true), ("release", true), ("end", true), ("abort", true), ("checkpoint", true),
        ("load", true), ("import", true),
        ("select", false), ("with", false), ("values", false), ("table", false), ("selec", false), ("explain", false),
        ("show", false), ("", false), ("fetch", false),
    ])
    func refused(keyword: String, refused: Bool) {
        #expect(QueryText.isRefused(keyword: keyword) == refused)
    }

    @Test("POST /consdb/query: %% is %, a lone % works too")
    func percentOverHTTP() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api async throws in
            #expect(try await api.query("SELECT 7 %% 3 AS r").rows == [[.number("1")]])
            #expect(try await api.query("SELECT 7 % 3 AS r").rows == [[.number("1")]])
            let like = "SELECT s FROM (VALUES ('BLOCK-123'), ('TICKET-1'), ('BLOCKX')) v(s) WHERE s LIKE 'BLOCK-%%' ORDER BY s"
            #expect(try await api.query(like).rows == [[.string("BLOCK-123")]])
            #expect(try await api.query("SELECT '100%%' AS t, '%' AS u").rows == [[.string("100%"), .string("%")]])
            // Queries written for the reference on the fixtures: keys whose name has a % pattern.
            #expect(try await api.query("SELECT key FROM cdb_lsstcomcamsim.exposure_flexdata_schema WHERE key LIKE 'b%%' ORDER BY key").rows
                == [[.string("bar")], [.string("baz")]])
        }
    }

    @Test("a typo or a statement that is not a query gets PostgreSQL's own error, not a refusal")
    func typosReachPostgres() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api async throws in
            for sql in ["SELEC * FROM cdb_lsstcomcamsim.exposure", "SELCT 1", "EXPLAIN SELECT 1", "SHOW search_path", "FETCH ALL FROM x",
                        "/* unterminated SELECT 1", "garbage", "42", "* FROM x"] {
                let reply = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
                #expect(reply.status == 400, "\(sql): \(reply)")
                #expect(reply.message?.hasPrefix("Query failed: ") == true, "\(sql): \(reply)")
                #expect(reply.message != "Only read-only queries are accepted")
            }
            let typo = try await api.post("/consdb/query", #"{"query": "SELEC * FROM cdb_lsstcomcamsim.exposure"}"#)
            #expect(typo.message == #"Query failed: syntax error at or near "SELEC""#, "\(typo)")
            #expect(try typo.json()["value"] == .string("42601"))
            for sql in ["", "   ", ";", " ;; "] {
                let empty = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
                #expect(exactlyEqual(try empty.json(), .literal(#"{"message":"The query is empty"}"#)), "\(sql.debugDescription)")
            }
            for sql in ["update x set y = 1", "Vacuum", "SET ROLE postgres", "begin", "-- c\nCOMMIT"] {
                let refused = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
                #expect(refused.status == 400)
                #expect(refused.message == "Only read-only queries are accepted", "\(sql)")
            }
        }
    }
}
