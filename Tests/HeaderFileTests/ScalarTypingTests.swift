import HeaderFile
import Testing

@Suite("scalar typing")
struct ScalarTypingTests {
    static func value(_ yamlScalar: String) throws -> HeaderValue? {
        let text = "PRIMARY:\n- keyword: K\n  value: \(yamlScalar)\n  comment: ''\n"
        return try HeaderFile.parse(Array(text.utf8)).primary?["K"]
    }

    @Test(arguments: [
        ("null", HeaderValue.null), ("~", .null), ("", .null), ("Null", .null),
        ("true", .bool(true)), ("False", .bool(false)), ("yes", .bool(true)), ("off", .bool(false)),
        ("42", .int(42)), ("-7", .int(-7)), ("+3", .int(3)), ("0x1F", .int(31)), ("017", .int(15)), ("0b101", .int(5)),
        ("1_000", .int(1000)), ("0", .int(0)),
        ("1.5", .double(1.5)), ("-0.25", .double(-0.25)), ("1.0e-05", .double(1e-5)), ("6.", .double(6)),
        (".5", .double(0.5)), (".inf", .double(.infinity)), ("-.inf", .double(-.infinity)),
        // PyYAML needs a decimal point for a float: these stay strings.
        ("1e5", .string("1e5")), ("1:30", .string("1:30")), ("0x", .string("0x")),
        ("'42'", .string("42")), ("\"true\"", .string("true")), ("'it''s'", .string("it's")),
        ("\"tab\\there\"", .string("tab\there")), ("plain text here", .string("plain text here")),
        ("!!str 12", .string("12")), ("!!float 3", .double(3)),
        ("99999999999999999999", .double(1e20)),
    ])
    func resolves(_ scalar: String, _ expected: HeaderValue) throws {
        #expect(try Self.value(scalar) == expected)
    }

    @Test func nanIsADouble() throws {
        #expect(try Self.value(".nan")?.double?.isNaN == true)
    }

    @Test func foldedMultiLineScalarsReadAsOneLine() throws {
        let text = "PRIMARY:\n- keyword: OBSANNOT\n  value: a long note that PyYAML\n    wrapped over two lines\n  comment: ''\n"
        #expect(try HeaderFile.parse(Array(text.utf8)).primary?["OBSANNOT"] == .string("a long note that PyYAML wrapped over two lines"))
    }

    @Test func accessorsConvertBetweenWrittenForms() {
        #expect(HeaderValue.string("20240801").int == 20240801)
        #expect(HeaderValue.string(" 2.5 ").double == 2.5)
        #expect(HeaderValue.double(3.0).int == 3)
        #expect(HeaderValue.double(3.5).int == nil)
        #expect(HeaderValue.bool(true).double == nil)
        #expect(HeaderValue.null.text == nil)
    }

    @Test(arguments: ["plain", "with space", "'quoted'", "trailing   ", " leading", "a: b", "#hash", "yes", "12", "1.5", "", "multi\nline", "tab\tin", "ünïcödé", "-dash", "~"])
    func writerRoundTripsStrings(_ text: String) throws {
        let file = HeaderFile(sections: [HeaderSection(name: "PRIMARY", cards: [HeaderCard(keyword: "K", value: .string(text), comment: text)])])
        let again = try HeaderFile.parse(Array(HeaderFileWriter.yaml(file).utf8))
        #expect(again.primary?["K"] == .string(text))
        #expect(again.primary?.cards.first?.comment == text)
    }

    @Test(arguments: [0.1, 1e-5, 1e300, -2.5e-300, 12345678.0, 60523.72284687701, 0.0, -0.0])
    func writerRoundTripsDoubles(_ number: Double) throws {
        let file = HeaderFile(sections: [HeaderSection(name: "PRIMARY", cards: [HeaderCard(keyword: "K", value: .double(number))])])
        let again = try HeaderFile.parse(Array(HeaderFileWriter.yaml(file).utf8))
        #expect(again.primary?["K"] == .double(number))
    }
}
