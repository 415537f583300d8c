@testable import API
import Foundation
import TAP
import Testing
import TestSupport

/// The TAP service driven by the clients observers use, unchanged: pyvo (and rubin_nights' `ConsDbTap`
/// on top of it), and STILTS `taplint`, the IVOA's TAP validator. The service is mounted where
/// rubin_nights looks for it (`/api/consdbtap`) on a live server over the reference LATISS schema.
@Suite("TAP clients", .serialized)
struct TAPClientTests {
    static let basePath = "/api/consdbtap"

    static func setup() -> APISetup {
        var setup = APISetup()
        setup.schemas = ["cdb_latiss"]
        setup.fixtures = false
        setup.testing = .live
        var tap = TAPTestData.configuration(basePath: basePath)
        tap.defaultMaxRec = 100
        setup.tap = tap
        return setup
    }

    @Test("pyvo and rubin_nights' ConsDbTap: sync, async, tables, capabilities, maxrec; values equal SQL")
    func pyvo() async throws {
        try await withAPI(Self.setup(), prepare: { try await TAPTestData.seed($0) }) { api in
            let root = "http://127.0.0.1:\(try #require(api.client.port))"
            let configuration = try #require(Self.setup().tap)
            let result = try await ChildProcess.run("python3", [TestFiles.package("Tests/Clients/pyvo_tap_check.py").path], environment: [
                "TAP_URL": root + Self.basePath, "CONSDB_QUERY": root + "/consdb/query", "API_BASE": root,
                "CONSDB_TOKEN": "gt-unused", "DEFAULT_MAXREC": "\(configuration.defaultMaxRec)",
                "HARD_MAXREC": "\(configuration.maxMaxRec)",
            ])
            #expect(result.status == 0 && result.text.contains("pyvo:"), "\(result.text)\n\(result)")
        }
    }

    /// taplint's totals line, e.g. `Totals: Errors: 0; Warnings: 3; Infos: 12; Summaries: 9; Failures: 0`.
    static func totals(_ output: String) -> [String: Int]? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("Totals:") }) else { return nil }
        var totals: [String: Int] = [:]
        for part in line.dropFirst("Totals:".count).split(separator: ";") {
            let pieces = part.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            if pieces.count == 2, let value = Int(pieces[1]) { totals[pieces[0]] = value }
        }
        return totals
    }

    @Test("STILTS taplint reports no errors and no failures")
    func taplint() async throws {
        guard ChildProcess.find("stilts") != nil else {
            try #require(ProcessInfo.processInfo.environment["CONSDB_STILTS_REQUIRED"] != "1", "stilts is missing (Debian package stilts)")
            print("TAPClientTests.taplint skipped: stilts is not installed (Debian package stilts)")
            return
        }
        try await withAPI(Self.setup(), prepare: { try await TAPTestData.seed($0) }) { api in
            let url = "http://127.0.0.1:\(try #require(api.client.port))" + Self.basePath
            let result = try await ChildProcess.run("stilts", ["taplint", "tapurl=\(url)", "report=EWF", "maxrepeat=3"], environment: [:])
            let totals = Self.totals(result.text)
            #expect(totals?["Errors"] == 0, "\(result.text)")
            // taplint's "failures" are stages it could not run; these two do not apply to this service.
            let failures = result.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("F-") }
            let inapplicable = [
                "F-LOC-NOTP",  // no ivoa.obsplan table: this is not an ObsLocTAP service
                "F-UPL-NOUP",  // no upload methods: the service offers none, by design, and says so
            ]
            let unexpected = failures.filter { line in !inapplicable.contains { line.hasPrefix($0) } }
            #expect(totals != nil && unexpected.isEmpty, "\(unexpected)\n\(result.text)")
            print("taplint: \(totals.map { "\($0)" } ?? "no totals")\n\(result.text.split(separator: "\n").filter { $0.contains("W-") || $0.contains("F-") }.joined(separator: "\n"))")
        }
    }
}
