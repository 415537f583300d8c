// Number conversion against the standard library, InfluxQL building, settings.

import Foundation
@testable import InfluxDB
import Testing
import TestSupport

/// Parses one JSON number with the answer scanner.
func scanNumber(_ text: String) throws(ResponseFailure) -> Double {
    var bytes = Array(text.utf8)
    bytes.append(UInt8(ascii: ","))
    return try bytes.withUnsafeBufferPointer { (buffer) throws(ResponseFailure) in
        var scanner = JSONScanner(base: buffer.baseAddress!, count: buffer.count)
        return try scanner.number()
    }
}

@Suite("number conversion")
struct NumberConversionTests {
    @Test func matchesTheStandardLibraryOnRandomDoubles() throws {
        var random = SeededGenerator(seed: 42)
        var mismatches: [String] = []
        func check(_ text: String) throws {
            let ours = try scanNumber(text)
            let reference = Double(text)!
            if ours.bitPattern != reference.bitPattern { mismatches.append(text) }
        }
        for _ in 0..<100_000 {
            // Any finite double, written the shortest way and with 17 digits.
            var value = Double(bitPattern: random.next())
            if !value.isFinite { value = 1 }
            try check("\(value)")
            try check(String(format: "%.17g", value))
            // Telemetry-like values: floats widened, a few orders of magnitude either side of 1.
            let telemetry = Double(Float(Double.random(in: -1e4...1e4, using: &random)) * Float(pow(10, Double(Int.random(in: -12...12, using: &random)))))
            try check("\(telemetry)")
        }
        // Mantissas of 1–19 digits with exponents around the fast paths' edges.
        for _ in 0..<100_000 {
            let digits = Int.random(in: 1...19, using: &random)
            var mantissa = String(Int.random(in: 1...9, using: &random))
            for _ in 1..<digits { mantissa += String(Int.random(in: 0...9, using: &random)) }
            let exponent = Int.random(in: -45...45, using: &random)
            try check(mantissa + "e" + String(exponent))
            let point = Int.random(in: 0...digits, using: &random)
            let withPoint: String
            if point == digits {
                withPoint = mantissa
            } else {
                withPoint = (point == 0 ? "0" : String(mantissa.prefix(point))) + "." + mantissa.dropFirst(point)
            }
            try check(withPoint)
            try check("-" + withPoint + "E+" + String(abs(exponent)))
        }
        // Halfway cases: 2⁵³ + 1 and neighbours, ties at every scale.
        for text in ["9007199254740993", "9007199254740995", "9007199254740992.5", "1.00000000000000011102230246251565404236316680908203125",
                     "1.00000000000000011102230246251565404236316680908203124", "0.30000000000000004", "2.2250738585072011e-308",
                     "8.98846567431158e307", "1.7976931348623158e308"] {
            try check(text)
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }
}

@Suite("InfluxQL statements")
struct InfluxQLTests {
    @Test func quotesIdentifiersAgainstInjection() {
        #expect(InfluxQL.quoteIdentifier("actualPosition") == #""actualPosition""#)
        #expect(InfluxQL.quoteIdentifier(#"we"ird"#) == #""we\"ird""#)
        #expect(InfluxQL.quoteIdentifier(#"back\slash"#) == #""back\\slash""#)
        #expect(InfluxQL.quoteIdentifier(#"x" FROM "other"#) == #""x\" FROM \"other""#)
        #expect(InfluxQL.quoteIdentifier("a\nb") == #""a\nb""#)
        #expect(InfluxQL.quoteIdentifier(#"\""#) == #""\\\"""#)
    }

    @Test func acceptsOnlyPlainTopicNames() {
        for topic in ["lsst.sal.MTMount.azimuth", "lsst.sal.ATMCS.mount_AzEl_Encoders", "a", "x-y_z.0"] {
            #expect(InfluxQL.isValidTopic(topic), "\(topic)")
        }
        for topic in ["", #"a"b"#, "a b", #"a\b"#, "a\n", "a'b", "a;DROP", "é", String(repeating: "a", count: 256), "a\0"] {
            #expect(!InfluxQL.isValidTopic(topic), "\(topic)")
        }
    }

    @Test func buildsTheReferenceQueryShapes() {
        let measurement = InfluxQL.measurement(database: "efd", retentionPolicy: "autogen", topic: "lsst.sal.MTMount.azimuth")
        let select = InfluxQL.select(fields: ["a", "b", "a"], measurement: measurement, from: 1_700_000_000_000_000_000, through: 1_700_000_060_500_000_000)
        #expect(select == #"SELECT "a", "b" FROM "efd"."autogen"."lsst.sal.MTMount.azimuth" WHERE time >= '2023-11-14T22:13:20.000000000Z' AND time <= '2023-11-14T22:14:20.500000000Z'"#)
        let mean = InfluxQL.aggregate(.mean, fields: ["a"], measurement: measurement, from: 0, through: 1, intervalNanoseconds: 1_000_000_000)
        #expect(mean == #"SELECT MEAN("a") AS "a" FROM "efd"."autogen"."lsst.sal.MTMount.azimuth" WHERE time >= '1970-01-01T00:00:00.000000000Z' AND time <= '1970-01-01T00:00:00.000000001Z' GROUP BY time(1s) fill(none)"#)
        #expect(InfluxQL.aggregate(.max, fields: ["a"], measurement: "m", from: 0, through: 1, intervalNanoseconds: 1_500_000_000).hasSuffix("GROUP BY time(1500000000ns) fill(none)"))
    }

    @Test func refusesFieldsThatAreNotFieldNames() {
        #expect(throws: InfluxError.self) { try InfluxQL.checkFields([]) }
        #expect(throws: InfluxError.self) { try InfluxQL.checkFields([""]) }
        #expect(throws: InfluxError.self) { try InfluxQL.checkFields(["time"]) }
        #expect(throws: InfluxError.self) { try InfluxQL.checkFields(["a\nb"]) }
        #expect(throws: Never.self) { try InfluxQL.checkFields([#"we"ird"#, #"back\slash"#, "sp ace", "zForces0"]) }
    }

    @Test func encodesFormsAndRedactsPasswords() {
        #expect(InfluxQL.formEncoded([("db", "efd"), ("q", #"SELECT "a" FROM "x" WHERE time >= '2023-01-01T00:00:00Z'"#)])
            == "db=efd&q=SELECT%20%22a%22%20FROM%20%22x%22%20WHERE%20time%20%3E%3D%20%272023-01-01T00%3A00%3A00Z%27")
        #expect(InfluxQL.formEncoded([("q", "a&b=c+d/é")]) == "q=a%26b%3Dc%2Bd%2F%C3%A9")
        #expect(InfluxQL.redacted("CREATE USER bob WITH PASSWORD 'se\\'cret' WITH ALL PRIVILEGES") == "CREATE USER bob WITH PASSWORD '***' WITH ALL PRIVILEGES")
        #expect(InfluxQL.redacted(#"SELECT "password" FROM x"#) == #"SELECT "password" FROM x"#)
        let error = InfluxError(.server, "x", query: "SET PASSWORD FOR bob = 'hunter2'", url: "http://u:p@host:8086/query")
        #expect(!error.description.contains("hunter2") || error.description.contains("'***'"))
        #expect(!error.description.contains("u:p@"))
    }
}

@Suite("InfluxDB settings")
struct InfluxSettingsTests {
    @Test func readsTheEnvironment() throws {
        let settings = try InfluxSettings.fromEnvironment(["EFD_URL": " https://efd.example.org/influxdb-enterprise-data/ ", "EFD_USERNAME": "efdreader", "EFD_PASSWORD": "pw"])
        #expect(settings.url == "https://efd.example.org/influxdb-enterprise-data")
        #expect(settings.database == "efd")
        #expect(settings.retentionPolicy == "autogen")
        #expect(settings.username == "efdreader")
        #expect(settings.password == "pw")
        #expect(settings.chunkSize == 10_000)
        #expect(try InfluxSettings.fromEnvironment(["EFD_URL": "http://127.0.0.1:8086", "EFD_DATABASE": "efd_test"]).database == "efd_test")
    }

    @Test func namesTheBadSetting() {
        func message(_ environment: [String: String]) -> String? {
            do {
                _ = try InfluxSettings.fromEnvironment(environment)
                return nil
            } catch {
                #expect(error.kind == .configuration)
                #expect(!error.isTransient)
                return error.message
            }
        }
        #expect(message([:])?.hasPrefix("EFD_URL is not set") == true)
        #expect(message(["EFD_URL": "  "])?.hasPrefix("EFD_URL is not set") == true)
        for url in ["efd.example.org:8086", "ftp://x", "http://", "http:///path", "http://:8086", "http://host/x?db=efd", "http://ho st"] {
            #expect(message(["EFD_URL": url])?.hasPrefix("EFD_URL") == true, "\(url)")
        }
        #expect(message(["EFD_URL": "http://user:secret@h:1/", "EFD_DATABASE": "a\u{1}"])?.contains("EFD_DATABASE") == true)
        #expect(message(["EFD_URL": "http://h", "EFD_PASSWORD": "pw"])?.contains("EFD_USERNAME") == true)
        #expect(message(["EFD_URL": "ftp://user:secret@h"])?.contains("secret") == false)
    }

    @Test func classifiesTransientFailures() {
        #expect(InfluxError(.connection(code: 7), "refused").isTransient)
        #expect(InfluxError(.timedOut, "slow").isTransient)
        #expect(InfluxError(.httpStatus(503), "busy").isTransient)
        #expect(InfluxError(.httpStatus(429), "busy").isTransient)
        #expect(InfluxError(.truncatedResponse, "cut").isTransient)
        #expect(InfluxError(.server, "query-timeout limit exceeded").isTransient)
        #expect(!InfluxError(.httpStatus(400), "bad").isTransient)
        #expect(!InfluxError(.httpStatus(401), "authorization failed").isTransient)
        #expect(!InfluxError(.server, "database not found: efd").isTransient)
        #expect(!InfluxError(.malformedResponse, "x").isTransient)
        #expect(!InfluxError(.invalidRequest, "x").isTransient)
    }
}
