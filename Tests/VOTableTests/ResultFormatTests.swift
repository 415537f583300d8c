import Testing
import VOTable

@Suite("RESPONSEFORMAT values")
struct ResultFormatTests {
    @Test(arguments: [
        ("votable", ResultFormat.votableTableData), ("VOTable", .votableTableData), ("application/x-votable+xml", .votableTableData),
        ("text/xml", .votableTableData), ("votable/td", .votableTableData), ("application/votable+xml", .votableTableData),
        ("application/x-votable+xml;serialization=tabledata", .votableTableData),
        ("application/x-votable+xml; serialization = TABLEDATA", .votableTableData),
        ("  votable  ", .votableTableData),
        ("votable/b2", .votableBinary2), ("votable/binary2", .votableBinary2),
        ("application/x-votable+xml;serialization=binary2", .votableBinary2),
        ("Application/X-VOTable+XML; Serialization=\"BINARY2\"", .votableBinary2),
        ("json", .json), ("Application/JSON", .json), ("csv", .csv), ("text/csv", .csv), ("text/csv;header=present", .csv), ("text/csv; charset=UTF-8", .csv),
        ("tsv", .tsv), ("text/tab-separated-values", .tsv), ("TSV", .tsv),
    ])
    func accepted(value: String, format: ResultFormat) {
        #expect(ResultFormat(responseFormat: value) == format, "\(value)")
    }

    @Test(arguments: [
        "", ";", "jsonl", "fits", "votable/b", "application/x-votable+xml;serialization=binary",
        "application/x-votable+xml;serialization=fits", "text/csv;header=absent", "text/csv;serialization=binary2",
        "votable/td;serialization=binary2", "text/plain", "votable;header=present", "text/csv;charset=latin1",
        "application/x-votable+xml;bogus", "application/x-votable+xml;x=y", "csv\u{0}", String(repeating: "votable", count: 1000),
    ])
    func refused(value: String) {
        #expect(ResultFormat(responseFormat: value) == nil, "\(value)")
    }

    @Test func mimeTypesReadBackAsTheirFormat() {
        for format in ResultFormat.allCases {
            #expect(ResultFormat(responseFormat: format.mimeType) == format)
            #expect(ResultFormat(responseFormat: format.shortName) == format)
        }
        #expect(ResultFormat.votableTableData.mimeType == "application/x-votable+xml")
        #expect(ResultFormat.csv.mimeType.hasPrefix("text/csv"))
        #expect(ResultFormat.tsv.mimeType == "text/tab-separated-values")
    }
}
