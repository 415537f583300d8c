import Foundation
import Testing
import VOTable

/// Each format's document for the fixture table, byte for byte against `Golden/` (reviewed by eye;
/// `CONSDB_UPDATE_GOLDEN=1` rewrites them after an intended change, and the diff is the review).
@Suite("Golden result documents")
struct GoldenDocumentTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ name: String, _ bytes: [UInt8]) throws {
        let file = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CONSDB_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: file)
        }
        let golden = try [UInt8](Data(contentsOf: file))
        #expect(bytes == golden, "\(name) differs from the golden file:\n\(Fixtures.text(bytes))")
    }

    static let infos = [ResultInfo(name: "QUERY", value: "SELECT * FROM t", content: "ADQL <as sent>")]

    @Test func tableData() throws {
        try Self.check("fixture-tabledata.vot", Fixtures.write(.votableTableData, infos: Self.infos))
    }

    @Test func binary2() throws {
        try Self.check("fixture-binary2.vot", Fixtures.write(.votableBinary2, infos: Self.infos))
    }

    @Test func tableDataOverflow() throws {
        try Self.check("overflow-tabledata.vot", Fixtures.write(.votableTableData, rows: [Fixtures.ordinary], overflow: true))
    }

    @Test func csv() throws {
        try Self.check("fixture.csv", Fixtures.write(.csv))
    }

    @Test func tsv() throws {
        try Self.check("fixture.tsv", Fixtures.write(.tsv))
    }

    @Test func errorDocument() throws {
        try Self.check("error.vot", VOTableErrorDocument.render("Unknown table \"cdb_x.<visit>\" at line 1, column 15 & more\u{1}"))
    }

    /// Facts the golden files must keep, checked directly so that a careless regeneration still fails.
    @Test func tableDataFacts() {
        let text = Fixtures.text(Fixtures.write(.votableTableData, infos: Self.infos))
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">"))
        #expect(text.contains("<RESOURCE type=\"results\">\n<INFO name=\"QUERY_STATUS\" value=\"OK\"/>\n<INFO name=\"QUERY\" value=\"SELECT * FROM t\">ADQL &lt;as sent&gt;</INFO>"))
        #expect(text.contains("<FIELD name=\"ts\" datatype=\"char\" arraysize=\"*\" xtype=\"timestamp\"/>"))
        #expect(text.contains("<FIELD name=\"pt\" datatype=\"double\" arraysize=\"2\" xtype=\"point\" unit=\"deg\"/>"))
        #expect(text.contains("<FIELD name=\"d\" datatype=\"double\" unit=\"mag\" ucd=\"phot.mag;em.opt.R\" utype=\"caom2:Plane.energy\"><DESCRIPTION>A &lt;double&gt; &amp; its \"description\"</DESCRIPTION></FIELD>"))
        #expect(text.contains("<TD>T</TD><TD>12</TD><TD>-123456</TD><TD>9007199254740993</TD><TD>1.5</TD><TD>0.1</TD><TD>plain text</TD><TD>2024-11-27T23:12:01.5</TD><TD>2024-11-27T23:12:01.5Z</TD>"))
        // NULLs: empty cells, but NaNs for fixed-length arrays (votlint refuses an empty one).
        #expect(text.contains("<TR>" + String(repeating: "<TD/>", count: 11) + "<TD>NaN NaN</TD><TD>NaN NaN NaN</TD><TD/><TD>NaN NaN NaN NaN</TD>" + String(repeating: "<TD/>", count: 6) + "</TR>"))
        #expect(text.contains("<TD>NaN</TD><TD>-Inf</TD><TD>x]]&gt;y &lt;z&gt; &amp; \"q\" 'a'</TD>"))
        #expect(text.contains("<TD>ctl\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}|\u{FFFD}\u{FFFD}|tab\tlf\ncr&#13;|Ωμέγα 東京 😀</TD>"))
        #expect(text.contains("<TD>2025-01-01T00:30:00.25Z</TD>"))
        #expect(text.contains("<TD>0 255 65</TD><TD>1 -2 3</TD>"))
        #expect(text.hasSuffix("</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n"))
        #expect(!text.contains("OVERFLOW"))
        // Nothing XML 1.0 forbids.
        #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t" && $0 != "\n") || $0.value == 0xFFFE || $0.value == 0xFFFF || $0.value == 0x7F })
    }

    @Test func overflowInfoFollowsTheTable() {
        let text = Fixtures.text(Fixtures.write(.votableBinary2, rows: [], overflow: true))
        #expect(text.hasSuffix("</TABLE>\n<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>\n</RESOURCE>\n</VOTABLE>\n"))
        #expect(text.contains("<INFO name=\"QUERY_STATUS\" value=\"OK\"/>"))
    }

    @Test func csvFacts() {
        let text = Fixtures.text(Fixtures.write(.csv))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == Fixtures.names.joined(separator: ","))
        #expect(lines[1].hasPrefix("true,12,-123456,9007199254740993,1.5,0.1,plain text,2024-11-27T23:12:01.5,2024-11-27T23:12:01.5Z,2024-11-27,23:12:01.5,"))
        #expect(lines[2] == String(repeating: ",", count: Fixtures.fields.count - 1))
        #expect(lines[3].hasPrefix("false,-32768,2147483647,-9223372036854775808,NaN,-Inf,\"x]]>y <z> & \"\"q\"\" 'a'\","))
        #expect(text.contains(",\"ctl\u{1}\u{8}\u{1F}\u{7F}|\u{FFFE}\u{FFFF}|tab\tlf\ncr\r|Ωμέγα 東京 😀\","))
        #expect(text.hasSuffix("\r\n"))
    }

    @Test func csvQuotesTheEmptyStringButNotNull() {
        var writer = ResultStreamWriter(format: .csv, fields: [ResultField(name: "a,b", kind: .text), ResultField(name: "c", kind: .text)])
        var out: [UInt8] = []
        writer.begin(into: &out)
        writer.append([["", nil], [nil, ""], ["a\"b", "x,y"]], into: &out)
        writer.finish(overflow: true, into: &out)
        #expect(Fixtures.text(out) == "\"a,b\",c\r\n\"\",\r\n,\"\"\r\n\"a\"\"b\",\"x,y\"\r\n")
    }

    @Test func tsvEscapesWhatWouldBreakLinesAndColumns() {
        var writer = ResultStreamWriter(format: .tsv, fields: [ResultField(name: "a\tb", kind: .text), ResultField(name: "n", kind: .int)])
        var out: [UInt8] = []
        writer.begin(into: &out)
        writer.append([["x\ty\nz\r\\w", "1"], [nil, nil], ["", "x"]], into: &out)
        writer.finish(overflow: false, into: &out)
        #expect(Fixtures.text(out) == "a\\tb\tn\nx\\ty\\nz\\r\\\\w\t1\n\t\n\t\n")
    }
}
