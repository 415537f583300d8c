import Foundation
import Testing
import TestSupport
import VOTable

/// Values by kind through both VOTable serializations: the BINARY2 bytes decoded here and the
/// TABLEDATA text agree with the expected values; text that is not a value of its kind becomes NULL
/// (never a wrong value, never a shifted column).
@Suite("Value conversion")
struct ValueConversionTests {
    static let kinds = Fixtures.fields.map(\.kind)

    @Test func binary2CarriesEveryKindAndNullFlags() throws {
        var decoder = try Binary2Decoder(document: Fixtures.write(.votableBinary2))
        let rows = try decoder.rows(Self.kinds)
        let expected = Fixtures.expected(xml: false)
        #expect(rows.count == expected.count)
        for (rowIndex, (row, wanted)) in zip(rows, expected).enumerated() {
            for (column, (got, want)) in zip(row, wanted).enumerated() {
                let place = "row \(rowIndex) column \(Fixtures.names[column])"
                guard let want else {
                    #expect(got == nil, "\(place): \(got ?? "")")
                    continue
                }
                guard let got else {
                    Issue.record("\(place): NULL, expected \(want)")
                    continue
                }
                let a = got.split(separator: " ", omittingEmptySubsequences: false)
                let b = want.split(separator: " ", omittingEmptySubsequences: false)
                #expect(a.count == b.count, "\(place): \(got) != \(want)")
                for (x, y) in zip(a, b) {
                    #expect(x == y || AstropyReadBackTests.sameNumber(String(x), String(y)), "\(place): \(got) != \(want)")
                }
            }
        }
    }

    @Test func malformedValuesAreNullInEveryFormat() throws {
        let malformedRow = Fixtures.malformed
        var decoder = try Binary2Decoder(document: Fixtures.write(.votableBinary2, rows: [malformedRow, Fixtures.ordinary]))
        let rows = try decoder.rows(Self.kinds)
        #expect(rows.count == 2)
        #expect(rows[0].enumerated().allSatisfy { $0.offset == 6 ? $0.element == "always text" : $0.element == nil }, "\(rows[0])")
        // The row after is intact.
        #expect(rows[1][3] == "9007199254740993")
        #expect(rows[1][20] == "0.25 -inf")

        let table = Fixtures.text(Fixtures.write(.votableTableData, rows: [malformedRow]))
        #expect(table.contains("<TR><TD/><TD/><TD/><TD/><TD/><TD/><TD>always text</TD><TD/><TD/><TD/><TD/><TD>NaN NaN</TD><TD>NaN NaN NaN</TD><TD/><TD>NaN NaN NaN NaN</TD>" + String(repeating: "<TD/>", count: 6) + "</TR>"))
        let csv = Fixtures.text(Fixtures.write(.csv, rows: [malformedRow]))
        #expect(csv.hasSuffix("\r\n,,,,,,always text,,,,,,,,,,,,,,\r\n"))
    }

    @Test func shortRowsArePaddedWithNullAndLongRowsCut() throws {
        let fields = [ResultField(name: "a", kind: .int), ResultField(name: "b", kind: .text)]
        var writer = ResultStreamWriter(format: .votableTableData, fields: fields)
        var out: [UInt8] = []
        writer.append([["1"], ["2", "x", "extra"], []], into: &out)
        #expect(Fixtures.text(out) == "<TR><TD>1</TD><TD/></TR>\n<TR><TD>2</TD><TD>x</TD></TR>\n<TR><TD/><TD/></TR>\n")
        #expect(writer.rowCount == 3)
    }

    @Test(arguments: [
        ("2024-11-27 23:12:01+00", "2024-11-27T23:12:01Z"),
        ("2024-11-27 23:12:01.123456+00", "2024-11-27T23:12:01.123456Z"),
        ("2024-01-01 00:00:00+01", "2023-12-31T23:00:00Z"),
        ("2023-12-31 23:00:00-10:30", "2024-01-01T09:30:00Z"),
        ("2000-02-28 23:00:00-01", "2000-02-29T00:00:00Z"),
        ("1900-03-01 00:59:00+01:00:30", "1900-02-28T23:58:30Z"),
        ("0001-01-01 00:00:00+01", nil),  // would be year 0
        ("2024-11-27 23:12:01", nil),
        ("2024-11-27 23:12:01+0", nil),
        ("2024-11-27T23:12:01+00", nil),
        ("infinity", nil), ("-infinity", nil), ("2024-11-27 23:12:01+00 BC", nil),
    ] as [(String, String?)])
    func timestampsWithAZoneBecomeUTC(text: String, iso: String?) {
        var writer = ResultStreamWriter(format: .votableTableData, fields: [ResultField(name: "t", kind: .timestampUTC)])
        var out: [UInt8] = []
        writer.append([[text]], into: &out)
        #expect(Fixtures.text(out) == "<TR>" + (iso.map { "<TD>\($0)</TD>" } ?? "<TD/>") + "</TR>\n", "\(text)")
    }

    @Test func numbersAtTheEdgesOfTheirTypes() throws {
        let fields = [ResultField(name: "s", kind: .short), ResultField(name: "i", kind: .int), ResultField(name: "l", kind: .long),
                      ResultField(name: "f", kind: .float), ResultField(name: "d", kind: .double)]
        let rows: [[String?]] = [
            ["32767", "-2147483648", "9223372036854775807", "3.4028235e+38", "1.7976931348623157e+308"],
            ["-32769", "2147483648", "-9223372036854775809", "1e-45", "5e-324"],
            ["0", "-0", "+5", "-0", "123456789012345678901234567890"],
            ["", " 1", "1 ", ".", "1.e5"],
        ]
        var decoder = try Binary2Decoder(document: {
            var writer = ResultStreamWriter(format: .votableBinary2, fields: fields)
            var out: [UInt8] = []
            writer.begin(into: &out)
            writer.append(rows, into: &out)
            writer.finish(overflow: false, into: &out)
            return out
        }())
        let back = try decoder.rows(fields.map(\.kind))
        #expect(back[0] == ["32767", "-2147483648", "9223372036854775807", "\(Float.greatestFiniteMagnitude)", "\(Double.greatestFiniteMagnitude)"])
        #expect(back[1] == [nil, nil, nil, "\(Float(1e-45))", "\(Double(5e-324))"])
        #expect(back[2] == ["0", "0", "5", "-0.0", "1.2345678901234568e+29"])
        #expect(back[3] == [nil, nil, nil, nil, "100000.0"])
    }

    /// The Clinger fast path and strtod agree on random decimal texts (the shortest text of random doubles
    /// and floats, and short decimals), and both round-trip.
    @Test func decimalParsingRoundTrips() throws {
        var generator = TestSeed.generator(default: 1990)
        var texts: [String] = []
        for _ in 0..<3000 {
            texts.append("\(Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &generator)))")
            texts.append("\(Double.random(in: -1000...1000, using: &generator))")
            texts.append(String(format: "%.\(Int.random(in: 0...6, using: &generator))f", Double.random(in: -1e6...1e6, using: &generator)))
        }
        let fields = [ResultField(name: "d", kind: .double), ResultField(name: "f", kind: .float)]
        var writer = ResultStreamWriter(format: .votableBinary2, fields: fields)
        var out: [UInt8] = []
        writer.begin(into: &out)
        writer.append(texts.map { [$0, $0] }, into: &out)
        writer.finish(overflow: false, into: &out)
        var decoder = try Binary2Decoder(document: out)
        let back = try decoder.rows(fields.map(\.kind))
        for (text, row) in zip(texts, back) {
            #expect(row[0] == "\(Double(text)!)", "\(text)")
            #expect(row[1] == "\(Float(text)!)", "\(text)")
        }
    }

    /// Values far larger than any column holds in practice: a megabyte of markup, a numeric of 100,000
    /// digits, an array of 100,000 elements. They come through whole (or as infinity, for the numeric
    /// beyond double's range), and the rows after them are intact.
    @Test func hugeValues() throws {
        let markup = String(repeating: "<&>]]>\u{1}é", count: 100_000)
        let digits = "9" + String(repeating: "0", count: 100_000)
        let array = "{" + (0..<100_000).map(String.init).joined(separator: ",") + "}"
        let fields = [ResultField(name: "t", kind: .text), ResultField(name: "n", kind: .double), ResultField(name: "a", kind: .intArray),
                      ResultField(name: "i", kind: .int)]
        let rows: [[String?]] = [[markup, digits, array, "1"], ["x", "1.5", "{7}", "2"]]
        var writer = ResultStreamWriter(format: .votableBinary2, fields: fields)
        var out: [UInt8] = []
        writer.begin(into: &out)
        writer.append(rows, into: &out)
        writer.finish(overflow: false, into: &out)
        var decoder = try Binary2Decoder(document: out)
        let back = try decoder.rows(fields.map(\.kind))
        #expect(back.count == 2)
        #expect(back[0][0] == markup)
        #expect(back[0][1] == "inf")
        #expect(back[0][2] == (0..<100_000).map(String.init).joined(separator: " "))
        #expect(back[1] == ["x", "1.5", "7", "2"])

        var table = ResultStreamWriter(format: .votableTableData, fields: fields)
        var text: [UInt8] = []
        table.append(rows, into: &text)
        let document = String(decoding: text, as: UTF8.self)
        #expect(document.hasPrefix("<TR><TD>" + String(repeating: "&lt;&amp;&gt;]]&gt;\u{FFFD}é", count: 100_000) + "</TD><TD>" + digits + "</TD>"))
        #expect(document.hasSuffix("<TR><TD>x</TD><TD>1.5</TD><TD>7</TD><TD>2</TD></TR>\n"))
    }

    /// Metadata from elsewhere (TAP_SCHEMA) cannot make a FIELD disagree with the bytes written.
    @Test func fieldsAreDeclaredAsTheirKindWrites() {
        var number = ResultField(name: "n", kind: .double)
        number.datatype = "int"
        number.arraysize = "1"
        var fixedText = ResultField(name: "t", kind: .text)
        fixedText.arraysize = "8"
        var boundedText = ResultField(name: "b", kind: .text)
        boundedText.arraysize = "64*"
        var point = ResultField(name: "p", kind: .point)
        point.arraysize = "*"
        point.datatype = "float"
        var badBound = ResultField(name: "x", kind: .intArray)
        badBound.arraysize = "-3*"
        let writer = ResultStreamWriter(format: .votableBinary2, fields: [number, fixedText, boundedText, point, badBound])
        #expect(writer.fields.map(\.datatype) == ["double", "char", "char", "double", "int"])
        #expect(writer.fields.map(\.arraysize) == [nil, "*", "64*", "2", "*"])
        #expect(writer.fields[3].xtype == "point")
    }

    @Test(arguments: [
        (16, nil, "boolean", nil, nil), (21, nil, "short", nil, nil), (23, nil, "int", nil, nil), (20, nil, "long", nil, nil),
        (700, nil, "float", nil, nil), (701, nil, "double", nil, nil), (1700, nil, "double", nil, nil),
        (25, nil, "char", "*", nil), (1043, nil, "char", "*", nil), (3802, nil, "char", "*", nil), (2950, "uuid", "char", "*", nil),
        (1114, nil, "char", "*", "timestamp"), (1184, nil, "char", "*", "timestamp"), (1082, nil, "char", "*", "timestamp"),
        (1083, nil, "char", "*", nil), (17, nil, "unsignedByte", "*", nil), (1007, nil, "int", "*", nil),
        (1022, nil, "double", "*", nil), (1009, nil, "char", "*", nil),
        (99_001, "spoint", "double", "2", "point"), (99_002, "scircle", "double", "3", "circle"),
        (99_003, "spoly", "double", "*", "polygon"), (99_004, "sbox", "double", "4", nil), (99_005, "spath", "char", "*", nil),
    ] as [(UInt32, String?, String, String?, String?)])
    func postgresTypesGetTheirField(oid: UInt32, typeName: String?, datatype: String, arraysize: String?, xtype: String?) {
        let field = ResultField.postgres(name: "c", typeOID: oid, typeName: typeName)
        #expect(field.datatype == datatype)
        #expect(field.arraysize == arraysize)
        #expect(field.xtype == xtype)
    }
}
