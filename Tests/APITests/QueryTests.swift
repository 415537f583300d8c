@testable import API
import Postgres
import Testing

@Suite("POST /consdb/query: read-only SQL", .needsConsDBReference)
struct QueryTests {
    @Test("a SELECT returns columns and typed rows")
    func typedRows() async throws {
        try await withAPI { api in
            let result = try await api.query("""
                SELECT exposure_id, exposure_name, day_obs, obs_start, emulated, s_ra, obs_start_mjd
                FROM cdb_lsstcomcamsim.exposure ORDER BY day_obs
                """)
            #expect(exactlyEqual(result, .literal("""
                {"columns":["exposure_id","exposure_name","day_obs","obs_start","emulated","s_ra","obs_start_mjd"],
                 "data":[[7024040300451,"CC_S_20240403_000451",20240403,null,null,null,null],
                         [7024052800003,"CC_S_20240528_000003",20240528,"2024-05-28T22:18:26.326000",false,null,60458.929471360774]]}
                """)))
        }
    }

    @Test("literals of every type come out as JSON of that type")
    func literals() async throws {
        try await withAPI { api in
            let result = try await api.query("""
                SELECT 9007199254740993::bigint AS big, 2.5::float8 AS f, 'NaN'::float8 AS nan, true AS t, NULL AS n,
                       'a"b\\c'::text AS s, '2024-01-02 03:04:05'::timestamp AS ts, '2024-01-02 03:04:05.5'::timestamp AS tsf,
                       '{"k": [1, 2]}'::jsonb AS j, 1.50::numeric AS num, 'r'::varchar AS v
                """)
            #expect(result.serialized == """
                {"columns":["big","f","nan","t","n","s","ts","tsf","j","num","v"],\
                "data":[[9007199254740993,2.5,null,true,null,"a\\"b\\\\c","2024-01-02T03:04:05","2024-01-02T03:04:05.500000",{"k":[1,2]},1.50,"r"]]}
                """)
        }
    }

    @Test("SELECT 1; works, as in the reference")
    func selectOne() async throws {
        try await withAPI { api in
            let reply = try await api.post("/consdb/query", #"{"query": "SELECT 1;"}"#)
            #expect(reply.status == 200)
            #expect(reply.text == #"{"columns":["?column?"],"data":[[1]]}"#)
            #expect(try await api.query("  values (1, 'x')  ;; ").serialized == #"{"columns":["column1","column2"],"data":[[1,"x"]]}"#)
            #expect(try await api.query("TABLE cdb_lsstcomcamsim.exposure_flexdata_schema").rows.count == 4)
            #expect(try await api.query("WITH x AS (SELECT 2 AS two) SELECT two FROM x").rows == [[.number("2")]])
            #expect(try await api.query("/* leading comment */ (SELECT 3 AS three)").rows == [[.number("3")]])
            #expect(try await api.query("SELECT 1 WHERE false").serialized == #"{"columns":["?column?"],"data":[]}"#)
        }
    }

    @Test("SQL errors are 400s with the server's message")
    func sqlErrors() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api in
            let missing = try await api.post("/consdb/query", #"{"query": "SELECT * FROM cdb_lsstcomcamsim.nosuch"}"#)
            #expect(missing.status == 400)
            #expect(missing.message == #"Query failed: relation "cdb_lsstcomcamsim.nosuch" does not exist"#)
            #expect(try missing.json()["value"] == .string("42P01"))
            let syntax = try await api.post("/consdb/query", #"{"query": "SELECT FROM WHERE"}"#)
            #expect(syntax.status == 400)
            let division = try await api.post("/consdb/query", #"{"query": "SELECT 1/0"}"#)
            #expect(division.status == 400)
            #expect(division.message == "Query failed: division by zero")
            let notString = try await api.post("/consdb/query", #"{"query": 42}"#)
            #expect(notString.status == 400)
            #expect(notString.message == "Field query must be a string")
            let empty = try await api.post("/consdb/query", #"{"query": "  ;  "}"#)
            #expect(empty.status == 400)
            // The connection is still good afterwards.
            #expect(try await api.query("SELECT 1").rows == [[.number("1")]])
        }
    }

    /// Statements that must not run: each is a 400, and the database is unchanged.
    static let writes: [String] = [
        "INSERT INTO cdb_lsstcomcamsim.exposure_flexdata_schema VALUES ('x', 'int', '', NULL, NULL)",
        "UPDATE cdb_lsstcomcamsim.exposure SET band = 'x'",
        "DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "DROP TABLE cdb_lsstcomcamsim.exposure_flexdata",
        "TRUNCATE cdb_lsstcomcamsim.exposure_flexdata",
        "CREATE TABLE public.x (a int)",
        "ALTER TABLE cdb_lsstcomcamsim.exposure DROP COLUMN band",
        "GRANT ALL ON SCHEMA cdb_lsstcomcamsim TO PUBLIC",
        "SELECT 1; DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "SELECT 1; DELETE FROM cdb_lsstcomcamsim.exposure_flexdata;",
        "WITH d AS (DELETE FROM cdb_lsstcomcamsim.exposure_flexdata RETURNING *) SELECT count(*) FROM d",
        "WITH u AS (UPDATE cdb_lsstcomcamsim.exposure SET band = 'x' RETURNING 1) SELECT * FROM u",
        "SELECT nextval('public.probe_seq')",
        "SELECT setval('public.probe_seq', 100)",
        "SELECT * FROM cdb_lsstcomcamsim.exposure FOR UPDATE",
        "SELECT * FROM cdb_lsstcomcamsim.exposure_flexdata FOR NO KEY UPDATE",
        "SET TRANSACTION READ WRITE",
        "SELECT set_config('transaction_read_only', 'off', true)",
        "SELECT set_config('default_transaction_read_only', 'off', false), nextval('public.probe_seq')",
        "COMMIT; DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "END; DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "/* x */ DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "-- c\nDELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "(DELETE FROM cdb_lsstcomcamsim.exposure_flexdata)",
        "SELECT public.writer()",
        "COPY cdb_lsstcomcamsim.exposure_flexdata FROM STDIN",
        "EXPLAIN ANALYZE DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "CALL public.nothing()",
        "DO $$ BEGIN DELETE FROM cdb_lsstcomcamsim.exposure_flexdata; END $$",
        "SELECT 1 INTO public.y",
        "VALUES (1); DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "PREPARE p AS DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "LOCK TABLE cdb_lsstcomcamsim.exposure",
        "/* a /* b */ SELECT */ DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
        "SELECT 1 /* */; DELETE FROM cdb_lsstcomcamsim.exposure_flexdata",
    ]

    /// A sequence and a function that writes, for the write attempts above.
    static func prepareWriteTargets(_ connection: Connection) async throws {
        try await connection.execute("""
            CREATE SEQUENCE public.probe_seq;
            CREATE FUNCTION public.writer() RETURNS int LANGUAGE sql AS 'DELETE FROM cdb_lsstcomcamsim.exposure_flexdata RETURNING 1';
            """)
    }

    @Test("write attempts are 400s and change nothing", arguments: writes)
    func writeAttempt(sql: String) async throws {
        try await withAPI(prepare: Self.prepareWriteTargets) { api in
            try await api.expectUnchanged {
                let reply = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
                #expect(reply.status == 400, "\(sql): \(reply)")
            }
            #expect(try await api.scalar("SELECT last_value FROM public.probe_seq") == "1")
            #expect(try await api.scalar("SELECT is_called::text FROM public.probe_seq") == "false")
            // The pool is still healthy: later queries work.
            #expect(try await api.query("SELECT count(*) FROM cdb_lsstcomcamsim.exposure_flexdata").rows == [[.number("8")]])
        }
    }

    @Test("what PostgreSQL allows in a read-only transaction is rolled back")
    func rolledBack() async throws {
        try await withAPI { api in
            for sql in ["SELECT lo_create(0)", "SELECT lo_from_bytea(0, 'x')", "SELECT pg_notify('consdb', 'x')", "SELECT txid_current()"] {
                let reply = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
                #expect(reply.status == 200, "\(sql): \(reply)")
            }
            #expect(try await api.scalar("SELECT count(*) FROM pg_catalog.pg_largeobject_metadata") == "0")
        }
    }

    @Test("a leading write keyword is refused before reaching the database")
    func keywordCheck() async throws {
        try await withAPI(APISetup(expectsNoWrites: true)) { api in
            let reply = try await api.post("/consdb/query", #"{"query": "/* x */ DELETE FROM cdb_lsstcomcamsim.exposure"}"#)
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"Only read-only queries are accepted","value":"DELETE","valid":["SELECT","WITH","VALUES","TABLE"]}"#
            )))
        }
    }

    @Test("the statement timeout stops a slow query with a 400 that says so")
    func timeout() async throws {
        var setup = APISetup()
        setup.configuration.queryTimeoutSeconds = 0.3
        try await withAPI(setup) { api in
            try await api.expectUnchanged {
                // Without the timeout this would answer 200 after five seconds.
                let reply = try await api.post("/consdb/query", #"{"query": "SELECT pg_sleep(5)"}"#)
                #expect(reply.status == 400, "\(reply)")
                #expect(reply.message == "The query exceeded the statement timeout", "\(reply)")
                #expect(try reply.json()["value"]?.numberText == "0.3")
            }
            #expect(try await api.query("SELECT 1").rows == [[.number("1")]])
        }
    }

    @Test("a result beyond the row cap in the first fetch is a 400 naming the cap")
    func rowCapFirstFetch() async throws {
        var setup = APISetup()
        setup.configuration.queryRowCap = 5
        setup.expectsNoWrites = true
        try await withAPI(setup) { api in
            let reply = try await api.post("/consdb/query", #"{"query": "SELECT generate_series(1, 10)"}"#)
            #expect(reply.status == 400, "\(reply)")
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"message":"The query returned more rows than the row cap; narrow it or add a LIMIT","value":5}"#
            )))
            // Exactly at the cap is fine.
            #expect(try await api.query("SELECT generate_series(1, 5)").rows.count == 5)
        }
    }

    @Test("a streamed result beyond the row cap ends with truncated: true after exactly cap rows")
    func rowCapStreamed() async throws {
        var setup = APISetup()
        setup.configuration.queryRowCap = 5
        setup.configuration.queryFetchSize = 2
        try await withAPI(setup) { api in
            let reply = try await api.post("/consdb/query", #"{"query": "SELECT generate_series(1, 10) AS n"}"#)
            #expect(reply.status == 200)
            #expect(exactlyEqual(try reply.json(), .literal(
                #"{"columns":["n"],"data":[[1],[2],[3],[4],[5]],"truncated":true,"message":"Result truncated at the row cap of 5 rows"}"#
            )))
            for count in [4, 5] {
                let exact = try await api.query("SELECT generate_series(1, \(count)) AS n")
                #expect(exact.rows.count == count)
                #expect(exact["truncated"] == nil)
            }
            let six = try await api.query("SELECT generate_series(1, 6) AS n")
            #expect(six.rows.count == 5)
            #expect(six["truncated"] == .bool(true))
        }
    }

    @Test("a large result streams complete and valid over a real socket")
    func largeStreamLive() async throws {
        var setup = APISetup()
        setup.configuration.queryFetchSize = 1000
        setup.testing = .live
        try await withAPI(setup) { api in
            let reply = try await api.post("/consdb/query", #"{"query": "SELECT n, 'row ' || n AS label, n * 0.5 AS half FROM generate_series(1, 50000) AS n"}"#)
            #expect(reply.status == 200)
            let body = try reply.json()
            #expect(body.columnNames == ["n", "label", "half"])
            let rows = body.rows
            #expect(rows.count == 50000)
            var ordered = true
            for (index, row) in rows.enumerated() where row != [.number(String(index + 1)), .string("row \(index + 1)"), .number("\(Double(index + 1) * 0.5)")] {
                ordered = false
                Issue.record("row \(index): \(row)")
                break
            }
            #expect(ordered)
            #expect(body["truncated"] == nil)
        }
    }

    @Test("session settings and locks a query takes do not outlive it on the pooled connection")
    func sessionIsolation() async throws {
        var setup = APISetup()
        setup.maxConnections = 1
        try await withAPI(setup) { api in
            for sql in [
                "SELECT set_config('default_transaction_read_only', 'on', false)", "SELECT set_config('statement_timeout', '1', false)",
                "SELECT set_config('TimeZone', 'America/Santiago', false)", "SELECT set_config('search_path', 'cdb_latiss', false)",
                "SELECT pg_advisory_lock(42)",
            ] {
                let reply = try await api.post("/consdb/query", json: .object([("query", .string(sql))]))
                #expect(reply.status == 200, "\(sql): \(reply)")
            }
            // The pool's only connection still writes, without a timeout, in UTC, with its own search path.
            let flex = try await api.post("/consdb/flex/lsstcomcamsim/exposure/obs/7024052800003?u=1", #"{"values": {"bar": 1}}"#)
            #expect(flex.status == 200, "\(flex)")
            let insert = try await api.post("/consdb/insert/lsstcomcamsim/exposure/obs/\(exposureID(seq: 1))", #"{"values": \#(exposureValues(seq: 1))}"#)
            #expect(insert.status == 200, "\(insert)")
            let settings = try await api.query("""
                SELECT current_setting('default_transaction_read_only') AS ro, current_setting('TimeZone') AS tz,
                       current_setting('search_path') AS path, '2024-01-01 00:00:00+00'::timestamptz AS t
                """)
            #expect(exactlyEqual(settings, .literal(
                #"{"columns":["ro","tz","path","t"],"data":[["off","UTC","\"$user\", public","2024-01-01T00:00:00+00:00"]]}"#
            )))
            let locks = try await api.sql("""
                SELECT l.pid::text, a.query FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE l.locktype = 'advisory' AND l.objid = 42 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """).rows
            #expect(locks.isEmpty, "\(locks)")
        }
    }
}
