import Foundation
import Testing
import VOTable

/// The JSON format: `{"columns": [...], "data": [[...]]}` as `POST /consdb/query` answers, read back by
/// Foundation's own JSON parser (so output that is not JSON fails here).
@Suite("JSON results")
struct JSONResultTests {
    func parse(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func everyKindIsJSONWithItsValue() throws {
        let document = try parse(Fixtures.write(.json))
        #expect(document["columns"] as? [String] == Fixtures.names)
        let data = try #require(document["data"] as? [[Any]])
        #expect(data.count == Fixtures.rows.count)
        let ordinary = data[0]
        #expect(ordinary[0] as? Bool == true)
        #expect((ordinary[2] as? NSNumber)?.intValue == -123_456)
        #expect(ordinary[5] as? Double == 0.1)
        #expect(ordinary[6] as? String == "plain text")
        #expect(ordinary[7] as? String == "2024-11-27T23:12:01.500000")
        #expect(ordinary[9] as? String == "2024-11-27")
        #expect(data[1].allSatisfy { $0 is NSNull }, "the NULL row")
        let extremes = data[2]
        #expect(extremes[4] is NSNull && extremes[5] is NSNull, "NaN and -Infinity have no JSON number")
        #expect(extremes[6] as? String == "x]]>y <z> & \"q\" 'a'")
        #expect(data[3][6] as? String == "ctl\u{1}\u{8}\u{1F}\u{7F}|\u{FFFE}\u{FFFF}|tab\tlf\ncr\r|Ωμέγα 東京 😀", "control characters escaped, UTF-8 kept")
        #expect(data[4].allSatisfy { $0 is NSNull || $0 is String }, "malformed values are NULL (or their text)")
        #expect(data[4][0] is NSNull && data[4][1] is NSNull && data[4][8] is NSNull)
    }

    @Test func anOverflowSaysTruncatedAsTheQueryEndpointDoes() throws {
        var writer = ResultStreamWriter(format: .json, fields: Fixtures.fields)
        var out: [UInt8] = []
        writer.begin(into: &out)
        writer.finish(overflow: true, into: &out)
        let document = try parse(out)
        #expect((document["data"] as? [Any])?.isEmpty == true && document["truncated"] as? Bool == true)
    }
}
