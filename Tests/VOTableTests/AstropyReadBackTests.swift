import Foundation
import Testing
import TestSupport
import VOTable

/// The documents read back by astropy's VOTable parser (the reader under pyvo): every kind's values,
/// NULLs masked, the FIELD metadata and the INFOs as written.
///
/// Without python3 and astropy the tests are skipped with a printed reason, unless
/// `CONSDB_ASTROPY_REQUIRED=1` (as `.ci/run` sets) makes them fail.
@Suite("VOTable read back by astropy")
struct AstropyReadBackTests {
    /// Parses a VOTable and prints its first table as JSON: fields, each cell as `null` (masked) or text
    /// (floats by repr, arrays as lists), and the RESOURCE's INFOs.
    static let script = #"""
        import json, sys, warnings
        import numpy as np
        from astropy.io.votable import parse
        warnings.simplefilter("ignore")
        votable = parse(sys.argv[1])
        resource = votable.resources[0]
        table = resource.tables[0]
        data = table.array
        def cell(value, mask):
            if np.all(mask):
                return None
            if isinstance(value, (bytes, np.bytes_)):
                return value.decode("utf-8")
            if isinstance(value, str):
                return value
            if isinstance(value, (np.bool_, bool)):
                return "T" if value else "F"
            if isinstance(value, (np.ndarray, list)):
                return [cell(v, False) for v in np.asarray(value).tolist()]
            if isinstance(value, (float, np.floating)):
                return repr(float(value))
            if isinstance(value, (int, np.integer)):
                return str(int(value))
            return str(value)
        rows = []
        for i in range(len(data)):
            rows.append([cell(data[name][i], np.ma.getmaskarray(data[name])[i]) for name in data.dtype.names])
        fields = [dict(name=f.name, datatype=f.datatype, arraysize=f.arraysize, xtype=f.xtype,
                       unit=str(f.unit) if f.unit is not None else None, ucd=f.ucd, utype=f.utype,
                       description=f.description) for f in table.fields]
        infos = [dict(name=i.name, value=i.value, content=i.content) for i in resource.infos]
        print(json.dumps(dict(fields=fields, rows=rows, infos=infos)))
        """#

    static var required: Bool { ProcessInfo.processInfo.environment["CONSDB_ASTROPY_REQUIRED"] == "1" }

    /// astropy's reading of `document`, or `nil` (skip) when python3 or astropy is missing and not required.
    static func readBack(_ document: [UInt8]) async throws -> [String: Any]? {
        let check = try? await ChildProcess.run("python3", ["-c", "import astropy, numpy"])
        guard let check, check.status == 0 else {
            #expect(!required, "python3 with astropy is missing (scripts/install-deps installs it)")
            print("AstropyReadBackTests: skipped, python3 with astropy is not available (CONSDB_ASTROPY_REQUIRED=1 makes this a failure)")
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-votable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("result.vot")
        try Data(document).write(to: file)
        let run = try await ChildProcess.run("python3", ["-c", script, file.path])
        try #require(run.status == 0, "astropy could not read the document: \(run)")
        return try #require(try JSONSerialization.jsonObject(with: run.output) as? [String: Any])
    }

    /// Compares astropy's cells with the expected text: numbers by value (NaN equal to NaN), arrays
    /// element by element, text exactly. Readings of astropy 8's are allowed where the document holds
    /// what the standard asks: a NaN float comes back masked (astropy takes NaN for null); a NULL of
    /// variable length comes back empty from TABLEDATA (`<TD/>`), and a NULL `char` comes back empty
    /// from BINARY2 (astropy ignores the null flags of `char` columns on purpose, its issue 8995); a
    /// NULL fixed-length array may come back as NaNs.
    static func compare(_ rows: [[Any]], _ expected: [[String?]], format: String) {
        let binary = format.hasPrefix("BINARY2")
        #expect(rows.count == expected.count, "\(format): row count")
        for (rowIndex, (row, wanted)) in zip(rows, expected).enumerated() {
            for (column, (got, want)) in zip(row, wanted).enumerated() {
                let place = "\(format) row \(rowIndex) column \(Fixtures.names[column])"
                let kind = Fixtures.fields[column].kind
                guard let want else {
                    // Variable-length values: astropy reads an empty TD as empty, not masked, and
                    // ignores BINARY2 null flags of char columns.
                    let variable = Fixtures.fields[column].arraysize == "*"
                    let empty = (got as? String == "" && (!binary || Fixtures.fields[column].datatype == "char"))
                        || ((got as? [Any])?.isEmpty == true && !binary)
                    let allNaN = (got as? [Any]).map { $0.allSatisfy { "\($0)" == "nan" } } == true
                    #expect(got is NSNull || (variable && empty) || allNaN, "\(place): expected NULL, got \(got)")
                    continue
                }
                if got is NSNull, kind == .float || kind == .double, want == "nan" { continue }
                switch kind {
                case .text, .timestamp, .timestampUTC, .date, .time:
                    #expect(got as? String == want, "\(place): \(got) != \(want)")
                case .boolean:
                    #expect(got as? String == want, "\(place)")
                default:
                    let values: [String]
                    if let list = got as? [Any] {
                        values = list.map { "\($0)" }
                    } else {
                        values = ["\(got)"]
                    }
                    let wanted = want.split(separator: " ").map(String.init)
                    #expect(values.count == wanted.count, "\(place): \(values) != \(wanted)")
                    for (a, b) in zip(values, wanted) {
                        #expect(sameNumber(a, b), "\(place): \(values) != \(wanted)")
                    }
                }
            }
        }
    }

    static func sameNumber(_ a: String, _ b: String) -> Bool {
        func number(_ text: String) -> Double? {
            switch text.lowercased() {
            case "nan": return .nan
            case "inf", "+inf", "infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: return Double(text)
            }
        }
        if a == b { return true }
        // Integers beyond 2^53 must match exactly, as text.
        if Int64(a) != nil || Int64(b) != nil, !a.contains("."), !b.contains(".") { return Int64(a) == Int64(b) }
        guard let x = number(a), let y = number(b) else { return false }
        return x == y || (x.isNaN && y.isNaN) || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
    }

    @Test func tableDataComesBackWithEveryKindAndNull() async throws {
        let infos = [ResultInfo(name: "QUERY", value: "SELECT * FROM t WHERE x < 1 & y > \"2\"")]
        guard let read = try await Self.readBack(Fixtures.write(.votableTableData, infos: infos)) else { return }
        let rows = try #require(read["rows"] as? [[Any]])
        Self.compare(rows, Fixtures.expected(xml: true), format: "TABLEDATA")
        let fields = try #require(read["fields"] as? [[String: Any]])
        #expect(fields.map { $0["name"] as? String } == Fixtures.names)
        #expect(fields[5]["ucd"] as? String == "phot.mag;em.opt.R")
        #expect(fields[5]["unit"] as? String == "mag")
        #expect(fields[5]["utype"] as? String == "caom2:Plane.energy")
        #expect(fields[5]["description"] as? String == "A <double> & its \"description\"")
        #expect(fields[7]["xtype"] as? String == "timestamp")
        #expect(fields[11]["xtype"] as? String == "point")
        #expect(fields[12]["xtype"] as? String == "circle")
        #expect(fields[13]["xtype"] as? String == "polygon")
        let readInfos = try #require(read["infos"] as? [[String: Any]])
        #expect(readInfos.first?["name"] as? String == "QUERY_STATUS")
        #expect(readInfos.first?["value"] as? String == "OK")
        #expect(readInfos.contains { $0["name"] as? String == "QUERY" && $0["value"] as? String == infos[0].value })
    }

    @Test func binary2ComesBackWithEveryKindAndNullFlags() async throws {
        guard let read = try await Self.readBack(Fixtures.write(.votableBinary2, rows: Fixtures.asciiRows)) else { return }
        let rows = try #require(read["rows"] as? [[Any]])
        Self.compare(rows, Fixtures.expectedASCII(), format: "BINARY2")
    }

    /// Many rows over many batches: the BINARY2 stream, cut anywhere, reads back whole.
    @Test func binary2OfManyBatchesReadsBack() async throws {
        var generator = TestSeed.generator(default: 13)
        let rows = (0..<2000).map { _ in Fixtures.asciiRows[Int.random(in: 0..<Fixtures.asciiRows.count, using: &generator)] }
        var cuts: [Int] = []
        var left = rows.count
        while left > 0 {
            let size = min(left, Int.random(in: 0...97, using: &generator))
            cuts.append(size)
            left -= size
        }
        guard let read = try await Self.readBack(Fixtures.write(.votableBinary2, rows: rows, batches: cuts)) else { return }
        let back = try #require(read["rows"] as? [[Any]])
        #expect(back.count == rows.count)
        let expected = Fixtures.expectedASCII()
        let wanted = rows.map { row in expected[Fixtures.asciiRows.firstIndex { $0 == row }!] }
        Self.compare(back, wanted, format: "BINARY2 batches")
    }

    @Test func overflowIsReadAsAnInfoAfterTheTable() async throws {
        guard let read = try await Self.readBack(Fixtures.write(.votableTableData, rows: [Fixtures.ordinary], overflow: true)) else { return }
        let infos = try #require(read["infos"] as? [[String: Any]])
        #expect(infos.map { $0["value"] as? String } == ["OK", "OVERFLOW"])
    }
}
