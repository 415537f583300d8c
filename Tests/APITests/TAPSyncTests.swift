@testable import API
import Foundation
import Hummingbird
import Postgres
import TAP
import Testing

/// `GET`/`POST /consdb/tap/sync` on the reference LATISS schema with ``TAPTestData``: answers equal to
/// plain SQL, limits, formats, and a VOTable error document (never a 5xx) for every bad request.
@Suite("TAP sync", .serialized)
struct TAPSyncTests {
    static func setup(checksRole: Bool = false, role: APISetup.QueryRole = .reader) -> APISetup {
        var setup = APISetup()
        setup.schemas = ["cdb_latiss"]
        setup.fixtures = false
        setup.tap = TAPTestData.configuration()
        setup.checksQueryRole = checksRole
        setup.queryRole = role
        return setup
    }

    static func withTAP<T: Sendable>(_ setup: APISetup = setup(), _ body: @Sendable (APIHarness) async throws -> T) async throws -> T {
        try await withAPI(setup, prepare: { try await TAPTestData.seed($0) }, body)
    }

    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\(percent($0.1))" }.joined(separator: "&")
    }

    static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func sync(_ api: APIHarness, _ pairs: [(String, String)]) async throws -> Reply {
        try await api.get("/consdb/tap/sync?" + form(pairs))
    }

    static let columns = "exposure_id, day_obs, seq_num, s_ra, s_dec, obs_start, band, airmass, emulated"

    @Test("A query's rows equal the same SQL's, in TABLEDATA, by GET and by POST")
    func rowsEqualSQL() async throws {
        try await Self.withTAP { api in
            let adql = "SELECT \(Self.columns) FROM cdb_latiss.exposure ORDER BY exposure_id"
            let expected = try await api.sql(SQL(unsafeSQL: "SELECT \(Self.columns) FROM cdb_latiss.exposure ORDER BY exposure_id")).rows
            let get = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", adql)])
            #expect(get.status == 200, "\(get)")
            #expect(get.headers[.contentType]?.hasPrefix("application/x-votable+xml") == true)
            let table = try ReadVOTable.parse(get.text)
            #expect(table.info("QUERY_STATUS") == ["OK", "OVERFLOW"])
            #expect(table.fieldNames == Self.columns.components(separatedBy: ", "))
            #expect(table.rows.count == TAPTestData.exposures - 10)  // the default MAXREC is 50
            for (row, sqlRow) in zip(table.rows, expected) {
                #expect(row[0] == sqlRow[0] && row[2] == sqlRow[2])
                #expect(row[3].map { Double($0) } == sqlRow[3].map { Double($0) })
                #expect(row[5] == sqlRow[5].map { $0.replacingOccurrences(of: " ", with: "T") })
                #expect(row[6] == sqlRow[6])
                #expect(row[8] == sqlRow[8].map { $0 == "t" ? "T" : "F" })
            }
            let post = try await api.post("/consdb/tap/sync", Self.form([("REQUEST", "doQuery"), ("LANG", "ADQL"), ("QUERY", adql), ("MAXREC", "1000")]),
                                          headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(post.status == 200, "\(post)")
            #expect(try ReadVOTable.parse(post.text).rows.count == TAPTestData.exposures)
        }
    }

    @Test("MAXREC cuts the rows and says OVERFLOW after the table; TOP below it does not")
    func maxrecOverflow() async throws {
        try await Self.withTAP { api in
            let adql = "SELECT exposure_id FROM cdb_latiss.exposure ORDER BY exposure_id"
            for (maxrec, rows) in [(0, 0), (1, 1), (7, 7), (8, 8), (59, 59)] {
                let reply = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", adql), ("MAXREC", "\(maxrec)")])
                let table = try ReadVOTable.parse(reply.text)
                #expect(table.rows.count == rows, "MAXREC=\(maxrec)")
                #expect(table.infos.last.map { $0.name == "QUERY_STATUS" && $0.value == "OVERFLOW" && $0.afterTable } == true, "MAXREC=\(maxrec)")
            }
            for maxrec in [60, 61, 1000, 5000] {
                let reply = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", adql), ("MAXREC", "\(maxrec)")])
                let table = try ReadVOTable.parse(reply.text)
                #expect(table.rows.count == 60 && table.info("QUERY_STATUS") == ["OK"], "MAXREC=\(maxrec)")
            }
            let top = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", "SELECT TOP 5 exposure_id FROM cdb_latiss.exposure"), ("MAXREC", "5")])
            #expect(try ReadVOTable.parse(top.text).info("QUERY_STATUS") == ["OK"])
        }
    }

    @Test("CSV and TSV carry a header line and the same values")
    func csvAndTSV() async throws {
        try await Self.withTAP { api in
            let adql = "SELECT TOP 3 exposure_id, band FROM cdb_latiss.exposure ORDER BY exposure_id"
            let csv = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", adql), ("RESPONSEFORMAT", "csv")])
            #expect(csv.status == 200 && csv.headers[.contentType]?.hasPrefix("text/csv") == true, "\(csv)")
            let lines = csv.text.split(whereSeparator: \.isNewline)
            #expect(lines.first == "exposure_id,band")
            #expect(lines.dropFirst().map(String.init) == ["2025010100001,r", "2025010100002,i", "2025010100003,"])
            let tsv = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", adql), ("FORMAT", "tsv")])
            #expect(tsv.text.split(whereSeparator: \.isNewline).first == "exposure_id\tband")
        }
    }

    @Test("JSON answers as POST /consdb/query does, value for value")
    func jsonLikeQuery() async throws {
        try await Self.withTAP { api in
            let sql = "SELECT \(Self.columns) FROM cdb_latiss.exposure ORDER BY exposure_id"
            let tap = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", sql), ("RESPONSEFORMAT", "json"), ("MAXREC", "1000")])
            #expect(tap.status == 200 && tap.headers[.contentType] == "application/json", "\(tap)")
            let query = try await api.query(sql)
            #expect(try tap.json() == query)
            let cut = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", sql), ("RESPONSEFORMAT", "application/json"), ("MAXREC", "4")])
            let cutJSON = try cut.json()
            #expect(cutJSON.rows.count == 4 && cutJSON["truncated"] == .bool(true), "\(cut)")
        }
    }

    @Test("Bad requests get a VOTable error document with a 400 that says what is wrong")
    func badRequests() async throws {
        try await Self.withTAP { api in
            let good = "SELECT exposure_id FROM cdb_latiss.exposure"
            let cases: [([(String, String)], String)] = [
                ([("QUERY", good)], "LANG"),
                ([("LANG", "SQL"), ("QUERY", good)], "LANG"),
                ([("LANG", "ADQL")], "QUERY"),
                ([("LANG", "ADQL"), ("QUERY", "  ")], "QUERY"),
                ([("LANG", "ADQL"), ("QUERY", good), ("REQUEST", "getCapabilities")], "REQUEST"),
                ([("LANG", "ADQL"), ("QUERY", good), ("RESPONSEFORMAT", "fits")], "RESPONSEFORMAT"),
                ([("LANG", "ADQL"), ("QUERY", good), ("MAXREC", "-1")], "MAXREC"),
                ([("LANG", "ADQL"), ("QUERY", good), ("MAXREC", "lots")], "MAXREC"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT exposure_id FROM cdb_latiss.exposure WHERE")], "line 1"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT * FROM consdb_ingest.rejected")], "consdb_ingest"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT * FROM pg_catalog.pg_authid")], "pg_authid"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT pg_sleep(10) FROM cdb_latiss.exposure")], "pg_sleep"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT no_such_column FROM cdb_latiss.exposure")], "no_such_column"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT 1 / 0 AS x FROM cdb_latiss.exposure")], "division by zero"),
                ([("LANG", "ADQL"), ("QUERY", "SELECT exposure_id FROM cdb_latiss.exposure; DROP TABLE cdb_latiss.exposure")], "'DROP' at line 1, column 46"),
                ([("LANG", "ADQL"), ("QUERY", String(repeating: "(", count: 20_000))], "line 1"),
            ]
            for (pairs, mention) in cases {
                let reply = try await Self.sync(api, pairs)
                #expect(reply.status == 400, "\(pairs): \(reply)")
                let document = try ReadVOTable.parse(reply.text)
                #expect(document.info("QUERY_STATUS") == ["ERROR"], "\(pairs)")
                let message = document.infos.first?.text ?? ""
                #expect(message.lowercased().contains(mention.lowercased()), "\(pairs): \(message)")
            }
            let malformed = try await api.get("/consdb/tap/sync?LANG=ADQL&QUERY=%E0%A4")
            #expect(malformed.status == 400 && malformed.text.contains("QUERY_STATUS"))
            let multipart = try await api.post("/consdb/tap/sync", "--x\r\n", headers: [.contentType: "multipart/form-data; boundary=x"])
            #expect(multipart.status == 400 && multipart.text.contains("UPLOAD"))
            let huge = try await api.post("/consdb/tap/sync", "LANG=ADQL&QUERY=" + String(repeating: "a", count: 2 << 20),
                                          headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(huge.status == 400 && huge.text.contains("larger than"))
            let count = try await api.scalar("SELECT count(*) FROM cdb_latiss.exposure")
            #expect(count == "\(TAPTestData.exposures)")
        }
    }

    @Test("Capabilities name the service's URL, formats and limits; availability says true")
    func vosi() async throws {
        try await Self.withTAP { api in
            let capabilities = try await api.get("/consdb/tap/capabilities")
            #expect(capabilities.status == 200)
            #expect(capabilities.text.contains("/consdb/tap</accessURL>") && capabilities.text.contains("/consdb/tap/tables</accessURL>"), "\(capabilities)")
            #expect(capabilities.text.contains("<hard unit=\"row\">1000</hard>"))
            #expect(capabilities.text.contains("serialization=BINARY2"))
            _ = try ReadVOTable.parse(capabilities.text)  // well-formed
            let availability = try await api.get("/consdb/tap/availability")
            #expect(availability.text.contains("<vosi:available>true</vosi:available>"), "\(availability)")
        }
    }

    @Test("With reads behind a token, VOSI capabilities and availability stay anonymous; queries need the token")
    func anonymousVOSI() async throws {
        var setup = Self.setup()
        setup.configuration.writeTokens = ["gt-tap.token"]
        setup.configuration.authenticateReads = true
        try await Self.withTAP(setup) { api in
            #expect(try await api.get("/consdb/tap/capabilities").status == 200)
            #expect(try await api.get("/consdb/tap/availability").status == 200)
            let pairs = [("LANG", "ADQL"), ("QUERY", "SELECT TOP 1 exposure_id FROM cdb_latiss.exposure")]
            #expect(try await Self.sync(api, pairs).status == 401)
            #expect(try await api.get("/consdb/tap/tables").status == 401)
            let authorized = try await api.get("/consdb/tap/sync?" + Self.form(pairs), headers: [.authorization: "Bearer gt-tap.token"])
            let rows = try ReadVOTable.parse(authorized.text).rows
            #expect(authorized.status == 200 && rows.count == 1, "\(authorized)")
        }
    }

    @Test("A privileged reader role closes the service: 503 and availability false")
    func privilegedRole() async throws {
        var setup = Self.setup(checksRole: true, role: .superuser)
        setup.allowServerErrors = true
        try await Self.withTAP(setup) { api in
            let reply = try await Self.sync(api, [("LANG", "ADQL"), ("QUERY", "SELECT exposure_id FROM cdb_latiss.exposure")])
            #expect(reply.status == 503, "\(reply)")
            #expect(try ReadVOTable.parse(reply.text).info("QUERY_STATUS") == ["ERROR"])
            let availability = try await api.get("/consdb/tap/availability")
            #expect(availability.text.contains("<vosi:available>false</vosi:available>"), "\(availability)")
        }
    }
}
