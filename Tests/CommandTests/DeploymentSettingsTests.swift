import Foundation
import Logging
import Postgres
import Testing
import TestSupport
@testable import consdb

/// The settings of the reference's deployments: `DB_*`, `LOG_CONFIG`, and the API's tokens.
@Suite("Settings of the reference's deployments: DB_*, LOG_CONFIG, API tokens")
struct DeploymentSettingsTests {
    func url(_ environment: [String: String]) throws -> String {
        try Settings.load(configFile: nil, environment: environment).databaseURL(flag: nil)
    }

    func settingError(_ environment: [String: String]) -> SettingError? {
        #expect(throws: SettingError.self) { try url(environment) }
    }

    static let phalanx = ["DB_HOST": "db.example.org", "DB_USER": "consdb", "DB_PASS": "pw", "DB_NAME": "exposurelog"]

    // MARK: - DB_*

    @Test func phalanxSettingsBuildTheURL() throws {
        #expect(try url(Self.phalanx) == "postgresql://consdb:pw@db.example.org/exposurelog")
        var withPort = Self.phalanx
        withPort["DB_HOST"] = "db.example.org:5433"
        #expect(try url(withPort) == "postgresql://consdb:pw@db.example.org:5433/exposurelog")
        withPort["DB_PORT"] = "5433"
        #expect(try url(withPort) == "postgresql://consdb:pw@db.example.org:5433/exposurelog")
        var portOnly = Self.phalanx
        portOnly["DB_PORT"] = "6543"
        #expect(try url(portOnly) == "postgresql://consdb:pw@db.example.org:6543/exposurelog")
        // As in the reference, the host defaults to localhost.
        var noHost = Self.phalanx
        noHost["DB_HOST"] = nil
        #expect(try url(noHost) == "postgresql://consdb:pw@localhost/exposurelog")
        noHost["DB_HOST"] = ""
        #expect(try url(noHost) == "postgresql://consdb:pw@localhost/exposurelog")
    }

    @Test func everyPartIsPercentEncoded() throws {
        let hostile = ["DB_HOST": "db.example.org", "DB_USER": "us@er:x/y", "DB_PASS": "p@ss:w/rd%?#&= é+[]", "DB_NAME": "my db/x?y#z"]
        #expect(try url(hostile) == "postgresql://us%40er%3Ax%2Fy:p%40ss%3Aw%2Frd%25%3F%23%26%3D%20%C3%A9%2B%5B%5D@db.example.org/my%20db%2Fx%3Fy%23z")
        var socket = hostile
        socket["DB_HOST"] = "/var/run/postgresql"
        #expect(try url(socket).contains("@%2Fvar%2Frun%2Fpostgresql/"))
        #expect(DatabaseURL.redacted(try url(hostile)) == "postgresql://us%40er%3Ax%2Fy:***@db.example.org/my%20db%2Fx%3Fy%23z")
    }

    @Test func ipv6Hosts() throws {
        func host(_ value: String, port: String? = nil) throws -> String {
            var environment = Self.phalanx
            environment["DB_HOST"] = value
            environment["DB_PORT"] = port
            return try url(environment)
        }
        #expect(try host("[::1]:5433") == "postgresql://consdb:pw@[::1]:5433/exposurelog")
        #expect(try host("[::1]") == "postgresql://consdb:pw@[::1]/exposurelog")
        #expect(try host("::1") == "postgresql://consdb:pw@[::1]/exposurelog")
        #expect(try host("fe80::1:2", port: "5432") == "postgresql://consdb:pw@[fe80::1:2]:5432/exposurelog")
        for bad in ["[::1", "[zz::]", "[::1]x", "[::1]:", "[::1]:0", "[]", "a:b:c"] {
            var environment = Self.phalanx
            environment["DB_HOST"] = bad
            #expect(settingError(environment)?.setting == "DB_HOST", "\(bad)")
        }
    }

    @Test func badHostsAndPortsNameTheSetting() throws {
        for bad in [":5432", "db:", "db:abc", "db:0", "db:65536", "db:-1", "db:+5", "db:5432x", "db: 5432", "db:123456", "db:٣"] {
            var environment = Self.phalanx
            environment["DB_HOST"] = bad
            let error = settingError(environment)
            #expect(error?.setting == "DB_HOST", "\(bad)")
            #expect(error?.description.contains("\n") == false)
        }
        for bad in ["abc", "0", "65536", "-5", "tcp://10.0.0.1:5432", "5432 "] {
            var environment = Self.phalanx
            environment["DB_PORT"] = bad
            #expect(settingError(environment)?.setting == "DB_PORT", "\(bad)")
        }
        var conflict = Self.phalanx
        conflict["DB_HOST"] = "db:5433"
        conflict["DB_PORT"] = "5434"
        let error = settingError(conflict)
        #expect(error?.description == "DB_PORT differs from the port in DB_HOST (5433); set one of them")
        var nul = Self.phalanx
        nul["DB_PASS"] = "a\0b"
        #expect(settingError(nul)?.description == "DB_PASS cannot hold a NUL character")
    }

    @Test func missingPartsAreNamed() throws {
        let hostOnly = settingError(["DB_HOST": "db"])
        #expect(hostOnly?.setting == "DB_USER, DB_PASS, DB_NAME")
        #expect(hostOnly?.description.hasPrefix("DB_USER, DB_PASS, DB_NAME are not set: with DB_HOST set") == true)
        let noPass = settingError(["DB_HOST": "db", "DB_USER": "u", "DB_NAME": "n"])
        #expect(noPass?.description == """
            DB_PASS is not set: with DB_HOST, DB_USER, DB_NAME set, the database URL is built from DB_USER, DB_PASS, DB_NAME \
            and DB_HOST (default localhost); or set CONSDB_DATABASE_URL
            """)
        // An empty value is not set, as in the reference.
        #expect(settingError(["DB_HOST": "db", "DB_USER": "u", "DB_PASS": "", "DB_NAME": "n"])?.setting == "DB_PASS")
        #expect(settingError(["DB_NAME": "n"])?.setting == "DB_USER, DB_PASS")
    }

    @Test func precedence() throws {
        var all = Self.phalanx
        all["CONSDB_URL"] = "postgresql://c/c"
        #expect(try url(all) == "postgresql://c/c")
        all["POSTGRES_URL"] = "postgresql://p/p"
        #expect(try url(all) == "postgresql://p/p")
        all["CONSDB_DATABASE_URL"] = "postgresql://ours/ours"
        #expect(try url(all) == "postgresql://ours/ours")
        // A URL wins even when the DB_* parts are incomplete.
        #expect(try url(["POSTGRES_URL": "postgresql://p/p", "DB_HOST": "db"]) == "postgresql://p/p")
        // DB_* wins over libpq's own variables; DB_PORT alone (Kubernetes sets <SERVICE>_PORT) is not DB_*.
        var withPG = Self.phalanx
        withPG["PGHOST"] = "elsewhere"
        #expect(try url(withPG) == "postgresql://consdb:pw@db.example.org/exposurelog")
        #expect(try url(["DB_PORT": "tcp://10.0.0.1:5432", "PGHOST": "h"]) == "")
        #expect(settingError(["DB_PORT": "5432"])?.setting == "CONSDB_DATABASE_URL")
        // The settings file counts as the environment does.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-\(UUID().uuidString).yaml").path
        try "db_host: filehost\ndb_user: u\ndb_pass: p\ndb_name: n\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Settings.load(configFile: path, environment: [:]).databaseURL(flag: nil) == "postgresql://u:p@filehost/n")
    }

    @Test("a URL built from hostile DB_* parts reaches the right role and database through libpq")
    func libpqReadsTheBuiltURL() async throws {
        guard let admin = URLComponents(string: try TestDatabase.adminURL()), let host = admin.host else {
            Issue.record("CONSDB_TEST_DATABASE_URL is not a URL")
            return
        }
        let role = "r@le:/%x \(UUID().uuidString.prefix(6))"
        let database = "db/é?#% \(UUID().uuidString.prefix(6))"
        let connection = try await Connection.connect(try TestDatabase.adminURL())
        try await connection.execute("CREATE ROLE \(SQL.quoteIdentifier(role)) LOGIN PASSWORD 'x'")
        try await connection.execute("CREATE DATABASE \(SQL.quoteIdentifier(database)) OWNER \(SQL.quoteIdentifier(role))")
        do {
            let built = try url([
                "DB_HOST": host + (admin.port.map { ":\($0)" } ?? ""), "DB_USER": role, "DB_PASS": "p@ss:/?#%w rd", "DB_NAME": database,
            ])
            let client = try await Connection.connect(built)
            let row = try await client.query("SELECT current_user::text, current_database()::text").rows.first
            #expect(row == [role, database])
        } catch {
            Issue.record("\(error)")
        }
        _ = try? await connection.execute("DROP DATABASE \(SQL.quoteIdentifier(database)) WITH (FORCE)")
        _ = try? await connection.execute("DROP ROLE \(SQL.quoteIdentifier(role))")
    }

    // MARK: - LOG_CONFIG

    @Test func logConfigOfTheReference() throws {
        let levels = try LogLevels.parse(logConfig: "consdb.pqserver=DEBUG INFO")
        #expect(levels.root == .info)
        #expect(levels.level(for: "consdb.api") == .debug)
        #expect(levels.level(for: "consdb.api.query") == .debug)
        #expect(levels.level(for: "consdb") == .info)
        #expect(levels.level(for: "consdb.hinfo") == .info)
        #expect(levels.level(for: "consdb.apix") == .info)

        let several = try LogLevels.parse(logConfig: "consdb.hinfo=DEBUG,consdb.pqserver=WARNING  .=CRITICAL")
        #expect(several.level(for: "consdb.hinfo") == .debug)
        #expect(several.level(for: "consdb.hinfo.backfill") == .debug)
        #expect(several.level(for: "consdb.api") == .warning)
        #expect(several.level(for: "consdb.postgres") == .critical)
        #expect(several.root == .info)

        let lsst = try LogLevels.parse(logConfig: "lsst.consdb=error lsst.consdb.transformed_efd=Debug consdb.summarize_efd.x=warn")
        #expect(lsst.level(for: "consdb.kafka") == .error)
        #expect(lsst.level(for: "consdb.efd") == .debug)
        #expect(lsst.level(for: "consdb.efd.x") == .warning)
        #expect(lsst.level(for: "consdb.efd.batch") == .debug)
    }

    @Test func logConfigEdgeCases() throws {
        #expect(try LogLevels.parse(logConfig: "").root == .info)
        #expect(try LogLevels.parse(logConfig: "  ,, ").byLabel.isEmpty)
        #expect(try LogLevels.parse(logConfig: "DEBUG").root == .debug)
        #expect(try LogLevels.parse(logConfig: "=ERROR").root == .error)
        #expect(try LogLevels.parse(logConfig: "NOTSET").root == .trace)
        #expect(try LogLevels.parse(logConfig: "trace notice").root == .notice)
        // Later entries win; NOTSET makes a logger follow its parent again.
        let later = try LogLevels.parse(logConfig: "consdb.api=DEBUG consdb.api=ERROR consdb.hinfo=DEBUG consdb.hinfo=NOTSET WARNING")
        #expect(later.level(for: "consdb.api") == .error)
        #expect(later.level(for: "consdb.hinfo") == .warning)
        #expect(later.byLabel["consdb.hinfo"] == nil)
        // Names of loggers that are not ours are accepted (the reference's deployments set them) and reported.
        let foreign = try LogLevels.parse(logConfig: "uvicorn.access=WARNING sqlalchemy.engine=INFO uvicorn.access=ERROR")
        #expect(foreign.unmatched == ["uvicorn.access", "sqlalchemy.engine"])
        #expect(foreign.byLabel.isEmpty)
    }

    @Test func badLogConfigNamesTheSetting() throws {
        for bad in ["VERBOSE", "consdb.api=", "consdb.api=LOUD", "a=b=c", "10", "consdb.api=10", "consdb-api=DEBUG", "ünï=DEBUG",
                    "consdb.api=DEBUG;", "x=INFO\u{1B}[31m", "consdb.api==DEBUG", "consdb.api=DEBUG\u{0}"] {
            let error = #expect(throws: SettingError.self, "\(bad.debugDescription)") { try LogLevels.parse(logConfig: bad) }
            #expect(error?.setting == "LOG_CONFIG")
            #expect(error?.description.contains("\u{1B}") == false, "the error line escapes control characters")
            #expect(error?.description.contains("\n") == false)
        }
    }

    @Test func logLevelSettingsTogether() throws {
        func levels(_ environment: [String: String], flag: String? = nil) throws -> LogLevels {
            try LogLevels.from(try Settings.load(configFile: nil, environment: environment), flag: flag)
        }
        #expect(try levels([:]).root == .info)
        #expect(try levels(["CONSDB_LOG_LEVEL": "debug"]).root == .debug)
        #expect(try levels(["LOG_CONFIG": "ERROR"]).root == .error)
        #expect(try levels(["LOG_CONFIG": "ERROR", "CONSDB_LOG_LEVEL": "warning"]).root == .warning)
        #expect(try levels(["LOG_CONFIG": "ERROR", "CONSDB_LOG_LEVEL": "warning"], flag: "trace").root == .trace)
        let both = try levels(["LOG_CONFIG": "consdb.pqserver=DEBUG", "CONSDB_LOG_LEVEL": "error"])
        #expect(both.level(for: "consdb.api") == .debug)
        #expect(both.level(for: "consdb.hinfo") == .error)
        let bad = #expect(throws: SettingError.self) { try levels(["CONSDB_LOG_LEVEL": "loud"]) }
        #expect(bad?.setting == "CONSDB_LOG_LEVEL")
        let badConfig = #expect(throws: SettingError.self) { try levels(["LOG_CONFIG": "consdb.api=LOUD", "CONSDB_LOG_LEVEL": "info"]) }
        #expect(badConfig?.setting == "LOG_CONFIG")
    }

    // MARK: - API tokens

    func tokens(_ environment: [String: String]) throws -> [String] {
        try Settings.load(configFile: nil, environment: environment).apiTokens()
    }

    func writeFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-tokens-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func tokenList() throws {
        #expect(try tokens([:]) == [])
        #expect(try tokens(["CONSDB_API_TOKEN": ""]) == [])
        #expect(try tokens(["CONSDB_API_TOKEN": "one"]) == ["one"])
        #expect(try tokens(["CONSDB_API_TOKEN": "one, two ,three,,one"]) == ["one", "two", "three"])
        #expect(try tokens(["CONSDB_API_TOKEN": "gt-abc:def=="]) == ["gt-abc:def=="])
        for bad in [",", " , ,", "sec ret", "ok,sec\tret", "sec\u{7F}", "sec\u{1B}ret"] {
            let error = #expect(throws: SettingError.self, "\(bad.debugDescription)") { try tokens(["CONSDB_API_TOKEN": bad]) }
            #expect(error?.setting == "CONSDB_API_TOKEN")
            #expect(error.map { !$0.description.contains("sec") } == true, "no token in the message: \(String(describing: error))")
        }
    }

    @Test func tokenFile() throws {
        let path = try writeFile("# writers\nfirst\n\n  second  \r\n# old: retired\nthird\n#\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try tokens(["CONSDB_API_TOKEN_FILE": path]) == ["first", "second", "third"])
        #expect(try tokens(["CONSDB_API_TOKEN_FILE": path, "CONSDB_API_TOKEN": "zero,first"]) == ["zero", "first", "second", "third"])

        let missing = #expect(throws: SettingError.self) { try tokens(["CONSDB_API_TOKEN_FILE": "/nonexistent/tokens"]) }
        #expect(missing?.setting == "CONSDB_API_TOKEN_FILE")
        #expect(missing?.description.contains("/nonexistent/tokens") == true)
        for text in ["", "\n\n", "# only comments\n  # indented\n", "   \n\t\n"] {
            let empty = try writeFile(text)
            defer { try? FileManager.default.removeItem(atPath: empty) }
            let error = #expect(throws: SettingError.self) { try tokens(["CONSDB_API_TOKEN_FILE": empty]) }
            #expect(error?.description == "CONSDB_API_TOKEN_FILE holds no token: \(empty)")
        }
        let spaced = try writeFile("good\nbad token\n")
        defer { try? FileManager.default.removeItem(atPath: spaced) }
        let error = #expect(throws: SettingError.self) { try tokens(["CONSDB_API_TOKEN_FILE": spaced]) }
        #expect(error?.description == "CONSDB_API_TOKEN_FILE has a token with a blank or control character (\(spaced) line 2)")
        let directory = #expect(throws: SettingError.self) { try tokens(["CONSDB_API_TOKEN_FILE": FileManager.default.temporaryDirectory.path]) }
        #expect(directory?.setting == "CONSDB_API_TOKEN_FILE")
        let binary = try writeFile("")
        defer { try? FileManager.default.removeItem(atPath: binary) }
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: URL(fileURLWithPath: binary))
        #expect((#expect(throws: SettingError.self) { try tokens(["CONSDB_API_TOKEN_FILE": binary]) })?.setting == "CONSDB_API_TOKEN_FILE")
    }

    @Test func authReads() throws {
        func reads(_ environment: [String: String], hasTokens: Bool) throws -> Bool {
            try Settings.load(configFile: nil, environment: environment).authenticateReads(hasTokens: hasTokens)
        }
        #expect(try reads([:], hasTokens: true) == false)
        for yes in ["true", "TRUE", "1", "yes", "on"] { #expect(try reads(["CONSDB_AUTH_READS": yes], hasTokens: true)) }
        for no in ["false", "0", "No", "off"] { #expect(try reads(["CONSDB_AUTH_READS": no], hasTokens: true) == false) }
        #expect(try reads(["CONSDB_AUTH_READS": "false"], hasTokens: false) == false)
        let noTokens = #expect(throws: SettingError.self) { try reads(["CONSDB_AUTH_READS": "true"], hasTokens: false) }
        #expect(noTokens?.setting == "CONSDB_AUTH_READS")
        for bad in ["maybe", "2", "truee", " true"] {
            #expect((#expect(throws: SettingError.self) { try reads(["CONSDB_AUTH_READS": bad], hasTokens: true) })?.setting == "CONSDB_AUTH_READS")
        }
    }
}
