// The chunked-answer parser on crafted bodies: InfluxDB's shapes, then malformed, truncated,
// oversized and hostile ones. Every body is also fed in small pieces, as the network delivers it.

import EFD
@testable import InfluxDB
import Ingest  // TopicBuffer as an InfluxRowTarget
import Testing

/// Parses `body` into a buffer with `fields`, fed `pieceSize` bytes at a time (all at once if nil).
func parseAnswer(
    _ body: [UInt8], fields: [String], pieceSize: Int? = nil, skipsEmptyRows: Bool = false, maximumChunkBytes: Int = 1 << 20
) throws(ResponseFailure) -> TopicBuffer {
    var reader = ChunkedResponseReader(
        sink: RowTargetSink(target: TopicBuffer(fields: fields), skipsEmptyRows: skipsEmptyRows), maximumChunkBytes: maximumChunkBytes)
    let step = max(1, pieceSize ?? body.count)
    try body.withUnsafeBufferPointer { (buffer) throws(ResponseFailure) in
        var offset = 0
        while offset < buffer.count {
            let length = min(step, buffer.count - offset)
            try reader.feed(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[offset..<(offset + length)]))
            offset += length
        }
    }
    try reader.finish()
    return reader.sink.target
}

func parseAnswer(_ body: String, fields: [String], pieceSize: Int? = nil, skipsEmptyRows: Bool = false) throws(ResponseFailure) -> TopicBuffer {
    try parseAnswer(Array(body.utf8), fields: fields, pieceSize: pieceSize, skipsEmptyRows: skipsEmptyRows)
}

/// The failure parsing `body` gives (nil if it parses).
func failure(_ body: [UInt8], fields: [String] = ["a"], maximumChunkBytes: Int = 1 << 20) -> ResponseFailure? {
    do {
        _ = try parseAnswer(body, fields: fields, maximumChunkBytes: maximumChunkBytes)
        return nil
    } catch {
        return error
    }
}

func failure(_ body: String, fields: [String] = ["a"]) -> ResponseFailure? {
    failure(Array(body.utf8), fields: fields)
}

func allNaN(_ values: [Double]) -> Bool { values.allSatisfy(\.isNaN) }

/// Values equal bit for bit, NaN included.
func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

/// Two chunks as InfluxDB 1.6 writes them for `SELECT "actualPosition","n","flag","s","nope"`.
let twoChunks = """
{"results":[{"statement_id":0,"series":[{"name":"lsst.sal.MTMount.azimuth","columns":["time","actualPosition","n","flag","s","nope"],"values":[[1700000000123456789,1.5,3,true,"hi",null],[1700000001000000000,2.5,4,false,null,null]],"partial":true}],"partial":true}]}
{"results":[{"statement_id":0,"series":[{"name":"lsst.sal.MTMount.azimuth","columns":["time","actualPosition","n","flag","s","nope"],"values":[[1700000002000000000,-0.00003,null,null,null,null]]}]}]}

"""

@Suite("InfluxDB answer parser")
struct ResponseParserTests {
    let fields = ["actualPosition", "n", "flag", "s", "nope"]

    @Test func readsInfluxDBChunks() throws {
        let buffer = try parseAnswer(twoChunks, fields: fields)
        #expect(buffer.count == 3)
        #expect(buffer.times == [
            InfluxTime.seconds(nanoseconds: 1_700_000_000_123_456_789), 1_700_000_001, 1_700_000_002,
        ])
        #expect(buffer.values(field: 0) == [1.5, 2.5, -0.00003])
        #expect(sameBits(buffer.values(field: 1), [3, 4, .nan]))
        #expect(sameBits(buffer.values(field: 2), [1, 0, .nan]))
        // Strings have no numeric value: NaN, and the row's other fields are kept.
        #expect(allNaN(buffer.values(field: 3)))
        #expect(allNaN(buffer.values(field: 4)))
    }

    @Test func givesTheSameResultWhateverThePieces() throws {
        let whole = try parseAnswer(twoChunks, fields: fields)
        for size in [1, 2, 3, 7, 64, 200] {
            let pieces = try parseAnswer(twoChunks, fields: fields, pieceSize: size)
            #expect(pieces.times == whole.times)
            for field in 0..<fields.count { #expect(sameBits(pieces.values(field: field), whole.values(field: field))) }
        }
    }

    @Test func mapsColumnsByNameAndLeavesMissingFieldsNaN() throws {
        let body = #"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["b","time","a"],"values":[[2,10,1],[4,20,3]]}]}]}"# + "\n"
        let buffer = try parseAnswer(body, fields: ["a", "b", "c"])
        #expect(buffer.times == [10e-9, 20e-9])
        #expect(buffer.values(field: 0) == [1, 3])
        #expect(buffer.values(field: 1) == [2, 4])
        #expect(allNaN(buffer.values(field: 2)))
    }

    @Test func fillsRepeatedBufferFields() throws {
        let body = #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,7]]}]}]}"#
        let buffer = try parseAnswer(body, fields: ["a", "a"])
        #expect(buffer.values(field: 0) == [7])
        #expect(buffer.values(field: 1) == [7])
    }

    @Test func noSeriesMeansNoRows() throws {
        #expect(try parseAnswer(#"{"results":[{"statement_id":0}]}"# + "\n", fields: ["a"]).isEmpty)
        #expect(try parseAnswer(#"{"results":[]}"#, fields: ["a"]).isEmpty)
        #expect(try parseAnswer(#"{"results":[{"series":[{"name":"m","columns":["time","a"]}]}]}"#, fields: ["a"]).isEmpty)
        #expect(try parseAnswer(#"{"results":[{"series":[{"name":"m","columns":["time","a"],"values":[]}]}]}"#, fields: ["a"]).isEmpty)
    }

    @Test func readsSeveralSeriesAndSkipsUnknownMembers() throws {
        let body = """
        {"results":[{"statement_id":0,"messages":[{"level":"warning","text":"x"}],"series":[\
        {"name":"m","tags":{"host":"a"},"columns":["time","a"],"values":[[1,1]],"future":{"x":[1,{"y":null}]}},\
        {"name":"m","tags":{"host":"b"},"columns":["time","b","a"],"values":[[2,20,2]]}]}],"extra":true}
        """
        let buffer = try parseAnswer(body, fields: ["a", "b"])
        #expect(buffer.values(field: 0) == [1, 2])
        #expect(sameBits(buffer.values(field: 1), [.nan, 20]))
    }

    @Test func acceptsValuesBeforeColumns() throws {
        let body = #"{"results":[{"series":[{"values":[[1,5],[2,6]],"name":"m","columns":["time","a"]}]}]}"#
        let buffer = try parseAnswer(body, fields: ["a"])
        #expect(buffer.values(field: 0) == [5, 6])
        #expect(failure(#"{"results":[{"series":[{"values":[[1,5]],"name":"m"}]}]}"#)?.kind == .malformed)
    }

    @Test func readsNumbersExactly() throws {
        let texts = ["0", "-0", "1", "-1", "0.1", "1e-07", "1.5E+300", "-2.2250738585072014e-308", "5e-324", "1.7976931348623157e308",
                     "0.10000000149011612", "123456789012345678901234567890", "9007199254740993", "18446744073709551615",
                     "0.000000000000000000000000000001234567890123456789", "4.9406564584124654e-324", "2.4703282292062328e-324"]
        let body = #"{"results":[{"series":[{"columns":["time","a"],"values":["# + texts.enumerated().map { "[\($0.offset),\($0.element)]" }.joined(separator: ",") + "]}]}]}"
        let buffer = try parseAnswer(body, fields: ["a"])
        #expect(sameBits(buffer.values(field: 0), texts.map { Double($0)! }))
        #expect(buffer.values(field: 0)[1].sign == .minus)
    }

    @Test func readsTimesBeforeAndAfter1970() throws {
        let body = #"{"results":[{"series":[{"columns":["time","a"],"values":[[-9223372036854775806,1],[-1,2],[0,3],[9223372036854775806,4]]}]}]}"#
        let buffer = try parseAnswer(body, fields: ["a"])
        #expect(buffer.times == [-9_223_372_036.854775806, -1e-9, 0, 9_223_372_036.854775806])
    }

    @Test func skipsAllNullRowsForAggregates() throws {
        let body = #"{"results":[{"series":[{"columns":["time","a","b"],"values":[[0,null,null],[1,1,null],[2,null,"x"]]}]}]}"#
        #expect(try parseAnswer(body, fields: ["a", "b"], skipsEmptyRows: true).times == [1e-9])
        #expect(try parseAnswer(body, fields: ["a", "b"]).count == 3)
    }

    @Test func surfacesServerErrors() {
        let top = failure(#"{"error":"error parsing query: found SELEC, expected SELECT"}"# + "\n")
        #expect(top?.kind == .server)
        #expect(top?.message == "error parsing query: found SELEC, expected SELECT")
        let inResult = failure(#"{"results":[{"statement_id":0,"error":"database not found: nodb"}]}"#)
        #expect(inResult?.kind == .server)
        #expect(inResult?.message == "database not found: nodb")
        // An error after data (a query that failed part-way) is still an error.
        let late = failure(#"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1]],"partial":true}],"partial":true}]}"# + "\n"
            + #"{"results":[{"statement_id":0,"error":"max-select-point limit exceeeded: (1000/100)"}]}"# + "\n")
        #expect(late?.kind == .server)
        #expect(late?.message.contains("max-select-point") == true)
        #expect(failure(#"{"error":"a \"quoted\" \u00e9 message"}"#)?.message == "a \"quoted\" é message")
    }

    @Test func everyTruncationIsAnError() throws {
        let body = Array(twoChunks.utf8)
        _ = try parseAnswer(body, fields: fields)
        // Without the last newline the final document is still complete.
        _ = try parseAnswer(Array(body.dropLast()), fields: fields)
        for length in 0..<(body.count - 1) {
            let error = failure(Array(body.prefix(length)), fields: fields)
            #expect(error != nil, "prefix of \(length) bytes parsed")
            if let error { #expect(error.kind == .truncated || error.kind == .malformed) }
        }
        // Cut exactly after a chunk that says more follow.
        let firstLine = Array(body.prefix(through: body.firstIndex(of: 0x0A)!))
        #expect(failure(firstLine, fields: fields)?.kind == .truncated)
        #expect(failure("")?.kind == .truncated)
        #expect(failure("  \n\n")?.kind == .truncated)
    }

    @Test func rejectsMalformedDocuments() {
        let malformed = [
            "not json", "<html><body>502 Bad Gateway</body></html>", "{", "[]", "{}", "null", #"{"results":{}}"#,
            #"{"results":[{"series":{}}]}"#, #"{"results":[{"series":[{"columns":"time"}]}]}"#,
            #"{"results":[{"series":[{"columns":[1,2]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[{"time":1}]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,[2]]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,{}]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,tru]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,nulll]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,01]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1.]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,.5]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,+5]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1e]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,NaN]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,Infinity]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,0x10]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1,]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1 1]]}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1]],}]}]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1]]}]}]} trailing"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1]]}]}]}{"results":[]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1]]}]}],"results":[]}"#,
            #"{"results":[{"series":[{"columns":["time","a"],"columns":["time","a"],"values":[[1,1]]}]}]}"#,
            #"{"results":[{"partial":"yes"}]}"#, #"{"error":5}"#, #"{"results":[{"series":[{"name":5}]}]}"#,
            #"{'results':[]}"#, #"{"results":[],}"#, #"{"results":[{"series":[{"columns":["time","a"],"values":[[1,"\x"]]}]}]}"#,
        ]
        for body in malformed {
            let error = failure(body)
            #expect(error != nil, "parsed: \(body)")
            #expect(error?.kind != .server, "\(body)")
        }
    }

    @Test func requiresATimeColumnAndRowsAsWideAsTheColumns() {
        let noTime = failure(#"{"results":[{"series":[{"name":"m","columns":["a"],"values":[[1]]}]}]}"#)
        #expect(noTime?.message.contains("no time column") == true)
        let short = failure(#"{"results":[{"series":[{"columns":["time","a","b"],"values":[[1,2]]}]}]}"#, fields: ["a", "b"])
        #expect(short?.message.contains("2 values for 3 columns") == true)
        let long = failure(#"{"results":[{"series":[{"columns":["time","a"],"values":[[1,2,3]]}]}]}"#)
        #expect(long?.message.contains("more values") == true)
        #expect(failure(#"{"results":[{"series":[{"columns":["time","a"],"values":[[]]}]}]}"#) != nil)
        let twice = failure(#"{"results":[{"series":[{"columns":["time","a","a"],"values":[[1,2,3]]}]}]}"#)
        #expect(twice?.message.contains("twice") == true)
    }

    @Test func requiresIntegerTimes() {
        for time in ["1.5", "1e9", "\"2023-11-14T22:13:20Z\"", "null", "true", "9223372036854775808", "-9223372036854775809",
                     "99999999999999999999999", "-", "[1]"] {
            let error = failure(#"{"results":[{"series":[{"columns":["time","a"],"values":[["# + time + ",1]]}]}]}")
            #expect(error?.kind == .malformed, "time \(time)")
        }
        let extreme = #"{"results":[{"series":[{"columns":["time","a"],"values":[[-9223372036854775808,1],[9223372036854775807,2]]}]}]}"#
        #expect(throws: Never.self) { try parseAnswer(extreme, fields: ["a"]) }
    }

    @Test func refusesOutOfRangeAndOverlongNumbers() {
        for number in ["1e309", "-1e400", "1e99999999999999", String(repeating: "9", count: 400) + "0000"] {
            let error = failure(#"{"results":[{"series":[{"columns":["time","a"],"values":[[1,"# + number + "]]}]}]}")
            #expect(error?.message.contains("range") == true, "\(number.prefix(20)): \(String(describing: error))")
        }
        let long = failure(#"{"results":[{"series":[{"columns":["time","a"],"values":[[1,0."# + String(repeating: "1", count: 5000) + "]]}]}]}")
        #expect(long?.message.contains("longer than") == true)
        // Underflow is not an error: the nearest double is zero.
        #expect((try? parseAnswer(#"{"results":[{"series":[{"columns":["time","a"],"values":[[1,1e-400]]}]}]}"#, fields: ["a"]).values(field: 0)) == [0])
    }

    @Test func survivesDeepNesting() {
        let depth = 100_000
        let unknownMember = #"{"results":[{"statement_id":0,"x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}]}"
        #expect(failure(unknownMember)?.message.contains("nesting deeper") == true)
        let objects = #"{"x":"# + String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth) + "}"
        #expect(failure(objects)?.message.contains("nesting deeper") == true)
        let inValues = #"{"results":[{"series":[{"columns":["time","a"],"values":"# + String(repeating: "[", count: depth) + "}]}]}"
        #expect(failure(inValues) != nil)
        let inColumns = #"{"results":[{"series":[{"columns":"# + String(repeating: "[", count: depth) + "}]}]}"
        #expect(failure(inColumns) != nil)
        // Moderate unknown nesting is fine.
        let fine = #"{"results":[{"statement_id":0,"x":"# + String(repeating: "[", count: 50) + String(repeating: "]", count: 50) + "}]}"
        #expect(failure(fine) == nil)
    }

    @Test func rejectsInvalidUTF8AndControlCharacters() {
        func body(_ value: [UInt8]) -> [UInt8] {
            Array(#"{"results":[{"series":[{"columns":["time","a","s"],"values":[[1,1,""#.utf8) + value + Array(#""]]}]}]}"#.utf8)
        }
        let invalid: [[UInt8]] = [[0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3], [0x80],
                                  [0xE2, 0x82], [0x00], [0x0A], [0x1F]]
        for bytes in invalid {
            #expect(failure(body(bytes), fields: ["a"]) != nil, "\(bytes)")
        }
        for escape in [#"\ud800"#, #"\udc00"#, #"\ud800\u0041"#, #"\u12"#, #"\uZZZZ"#] {
            #expect(failure(body(Array(escape.utf8)), fields: ["a"]) != nil, "\(escape)")
        }
        // Valid text of every width, and escapes, are fine.
        #expect(failure(body(Array("é€😀 \\\" \\n \\ud83d\\ude00 \\/".utf8)), fields: ["a"]) == nil)
        // Bytes outside strings.
        #expect(failure([0xEF, 0xBB, 0xBF] + Array(#"{"results":[]}"#.utf8)) != nil)
        #expect(failure(Array(#"{"results":[]}"#.utf8) + [0x00]) != nil)
        let columnName = Array(#"{"results":[{"series":[{"columns":["time",""#.utf8) + [0xFE] + Array(#""],"values":[]}]}]}"#.utf8)
        #expect(failure(columnName) != nil)
    }

    @Test func decodesEscapedColumnNames() throws {
        let body = #"{"results":[{"series":[{"columns":["time","we\"ird","back\\slash","\u00e9t\u00e9","tab\there"],"values":[[1,1,2,3,4]]}]}]}"#
        let buffer = try parseAnswer(body, fields: ["we\"ird", "back\\slash", "été", "tab\there"])
        #expect(buffer.values(field: 0) == [1])
        #expect(buffer.values(field: 1) == [2])
        #expect(buffer.values(field: 2) == [3])
        #expect(buffer.values(field: 3) == [4])
    }

    @Test func boundsChunkSize() {
        let row = "[1,1],"
        let big = #"{"results":[{"series":[{"columns":["time","a"],"values":["# + String(repeating: row, count: 2000) + "[1,1]]}]}]}\n"
        #expect(failure(Array(big.utf8), maximumChunkBytes: 4096)?.kind == .tooLarge)
        #expect(failure(Array(big.utf8), maximumChunkBytes: 1 << 20) == nil)
        // Endless whitespace without a newline is bounded too.
        #expect(failure([UInt8](repeating: 0x20, count: 10_000), maximumChunkBytes: 4096)?.kind == .tooLarge)
    }

    @Test func readsMetadataTables() throws {
        var reader = ChunkedResponseReader(sink: TableSink(), maximumChunkBytes: 1 << 20)
        let body = """
        {"results":[{"statement_id":0,"series":[{"name":"t","columns":["fieldKey","fieldType"],"values":[["actualPosition","float"],["flag","boolean"]],"partial":true}],"partial":true}]}
        {"results":[{"statement_id":0,"series":[{"name":"t","columns":["fieldKey","fieldType"],"values":[["n","integer"],["we\\"ird",null],[1.5e3,true]]}]}]}

        """
        try Array(body.utf8).withUnsafeBufferPointer { (buffer) throws(ResponseFailure) in try reader.feed(UnsafeRawBufferPointer(buffer)) }
        try reader.finish()
        #expect(reader.sink.series.count == 2)
        #expect(reader.sink.series.flatMap(\.rows) == [["actualPosition", "float"], ["flag", "boolean"], ["n", "integer"], ["we\"ird", nil], ["1.5e3", "true"]])
    }

    @Test func extractsServerMessagesFromErrorBodies() {
        #expect(InfluxClient.serverMessage(in: Array(#"{"error":"authorization failed"}"#.utf8)) == "authorization failed")
        #expect(InfluxClient.serverMessage(in: Array("upstream unavailable\n".utf8)) == "upstream unavailable")
        #expect(InfluxClient.serverMessage(in: [0xFF, 0xFE]) == nil)
        #expect(InfluxClient.serverMessage(in: []) == nil)
    }
}
