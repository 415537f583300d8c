import Felis
import Foundation
import Testing
import TestSupport

@Suite("Bad and hostile Felis input")
struct FelisErrorTests {
    /// Parses `yaml` and returns the error, failing the test when there is none.
    private func failure(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> FelisError? {
        let found = error(FelisError.self) { _ = try FelisSchema.parse(yaml: yaml, source: "test.yaml") }
        #expect(found != nil, "expected a FelisError", sourceLocation: sourceLocation)
        return found
    }

    private func table(_ columns: String, extra: String = "") -> String {
        """
        name: s
        tables:
        - name: t
        \(extra)
          columns:
        \(columns)
        """
    }

    @Test("malformed YAML reports the line")
    func malformed() {
        let problem = failure("name: s\ntables:\n- name: t\n  columns: [a, b\n  x: : y\n")
        #expect(problem?.kind == .malformedYAML)
        #expect(problem?.line != nil)
        #expect(problem?.description.hasPrefix("test.yaml:") == true)
    }

    @Test("documents of the wrong shape", arguments: [
        ("", FelisError.Kind.invalidStructure),
        ("# only a comment\n", .invalidStructure),
        ("- a\n- b\n", .invalidStructure),
        ("just a string", .invalidStructure),
        ("42", .invalidStructure),
        ("name: s\n", .missingField),
        ("tables: []\n", .missingField),
        ("name: [a, b]\ntables: []\n", .invalidStructure),
        ("name: s\ntables: {a: 1}\n", .invalidStructure),
        ("name: s\ntables:\n- just a string\n", .invalidStructure),
        ("name: s\ntables:\n- name: t\n", .missingField),
        ("name: s\ntables:\n- name: t\n  columns: 5\n", .invalidStructure),
        ("name: s\ntables:\n- name: t\n  columns:\n  - datatype: int\n", .missingField),
        ("name: s\ntables:\n- name: t\n  columns:\n  - name: c\n", .missingField),
        ("name: s\nname: t\ntables: []\n", .malformedYAML),
        ("name: s\n--- \nname: t\n", .malformedYAML),
    ])
    func wrongShape(yaml: String, kind: FelisError.Kind) {
        #expect(failure(yaml)?.kind == kind)
    }

    @Test("column errors name the table and column")
    func columnErrors() {
        let unknown = failure(table("  - {name: c, datatype: floaty}"))
        #expect(unknown?.kind == .unknownDatatype)
        #expect(unknown?.table == "t")
        #expect(unknown?.column == "c")
        #expect(unknown?.description.contains("table t, column c: unknown datatype 'floaty'") == true)

        let noLength = failure(table("  - {name: c, datatype: string}"))
        #expect(noLength?.kind == .missingLength)
        #expect(noLength?.column == "c")

        #expect(failure(table("  - {name: c, datatype: char, length: 0}"))?.kind == .invalidValue)
        #expect(failure(table("  - {name: c, datatype: string, length: abc}"))?.kind == .invalidValue)
        #expect(failure(table("  - {name: c, datatype: string, length: 99999999999999999999999}"))?.kind == .invalidValue)
        #expect(failure(table("  - {name: c, datatype: timestamp, precision: 7}"))?.kind == .invalidValue)
        #expect(failure(table("  - {name: c, datatype: int, nullable: maybe}"))?.kind == .invalidValue)
        #expect(failure(table("  - {name: c, datatype: float, autoincrement: true}"))?.kind == .invalidValue)

        let duplicate = failure(table("  - {name: c, datatype: int}\n  - {name: c, datatype: long}"))
        #expect(duplicate?.kind == .duplicateName)
        #expect(duplicate?.column == "c")
    }

    @Test("defaults are checked against the datatype", arguments: [
        "{name: c, datatype: int, value: abc}",
        "{name: c, datatype: short, value: 40000}",
        "{name: c, datatype: int, value: 3000000000}",
        "{name: c, datatype: boolean, value: maybe}",
        "{name: c, datatype: double, value: .nan}",
        "{name: c, datatype: string, length: 2, value: abc}",
        "{name: c, datatype: binary, value: abc}",
        "{name: c, datatype: int, autoincrement: true, value: 1}",
        "{name: c, datatype: int, value: [1, 2]}",
    ])
    func badDefaults(column: String) {
        let problem = failure(table("  - \(column)"))
        #expect(problem?.kind == .invalidValue || problem?.kind == .invalidStructure)
        #expect(problem?.column == "c")
    }

    @Test("names PostgreSQL cannot take are rejected", arguments: [
        String(repeating: "x", count: 64),
        String(repeating: "é", count: 32),  // 64 bytes in UTF-8
        "bad\u{0}name",
        "",
    ])
    func badNames(name: String) {
        let quotedName = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\u{0}", with: "\\0")
        let problem = failure(table("  - {name: \"\(quotedName)\", datatype: int}"))
        // A NUL inside the text is caught before YAML parsing; the others as names.
        #expect(problem?.kind == .invalidName || problem?.kind == .unreadable)
    }

    @Test("a 63-byte name is fine")
    func longestName() throws {
        let name = String(repeating: "x", count: 63)
        let schema = try FelisSchema.parse(yaml: table("  - {name: \(name), datatype: int}"))
        #expect(schema.tables[0].columns[0].name == name)
    }

    @Test("references must name existing columns")
    func references() {
        let missingColumn = failure(table("  - {name: a, datatype: int}", extra: "  primaryKey: \"#t.b\""))
        #expect(missingColumn?.kind == .unknownReference)
        #expect(missingColumn?.table == "t")
        #expect(missingColumn?.description.contains("table t has no column b") == true)

        let missingTable = failure(table(
            "  - {name: a, datatype: int}",
            extra: "  constraints:\n  - {name: fk, \"@type\": ForeignKey, columns: [\"#t.a\"], referencedColumns: [\"#u.a\"]}"
        ))
        #expect(missingTable?.kind == .unknownReference)
        #expect(missingTable?.description.contains("no table u") == true)

        let otherTable = failure("""
            name: s
            tables:
            - name: t
              columns: [{name: a, datatype: int}]
            - name: u
              primaryKey: "#t.a"
              columns: [{name: a, datatype: int}]
            """)
        #expect(otherTable?.kind == .invalidValue)
        #expect(otherTable?.table == "u")

        let badType = failure(table("  - {name: a, datatype: int}", extra: "  constraints:\n  - {name: x, \"@type\": Primary, columns: [\"#t.a\"]}"))
        #expect(badType?.kind == .unknownConstraintType)

        let noType = failure(table("  - {name: a, datatype: int}", extra: "  constraints:\n  - {name: x, columns: [\"#t.a\"]}"))
        #expect(noType?.kind == .missingField)

        let mismatch = failure(table(
            "  - {name: a, datatype: int}\n  - {name: b, datatype: int}",
            extra: "  constraints:\n  - {name: fk, \"@type\": ForeignKey, columns: [\"#t.a\", \"#t.b\"], referencedColumns: [\"#t.a\"]}"
        ))
        #expect(mismatch?.kind == .invalidValue)
    }

    @Test("names that would clash in PostgreSQL are rejected")
    func clashes() {
        #expect(failure("name: s\ntables:\n- {name: t, columns: []}\n- {name: t, columns: []}\n")?.kind == .duplicateName)
        let index = failure("""
            name: s
            tables:
            - name: t
              columns: [{name: a, datatype: int}]
              indexes: [{name: t, columns: ["#t.a"]}]
            """)
        #expect(index?.kind == .duplicateName)
        let ids = failure("""
            name: s
            tables:
            - name: t
              columns: [{name: a, "@id": "#x", datatype: int}, {name: b, "@id": "#x", datatype: int}]
            """)
        #expect(ids?.kind == .duplicateName)
    }

    @Test("SQL in check and index expressions cannot escape its clause", arguments: [
        "a > 0); DROP TABLE t; --",
        "a > 0 -- comment",
        "a > 0 /* comment */",
        "(a > 0",
        "a > 0)",
        "a = 'open",
        "$$x$$",
    ])
    func expressions(expression: String) {
        let quoted = expression.replacingOccurrences(of: "'", with: "''")
        let problem = failure(table("  - {name: a, datatype: int}", extra: "  constraints:\n  - name: ck\n    \"@type\": Check\n    expression: '\(quoted)'"))
        #expect(problem?.kind == .invalidValue)
    }

    @Test("binary junk, truncation and NUL bytes give errors, not crashes")
    func junk() throws {
        let seed = TestSeed.make(default: 0xFE_115)
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 1...4096, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(throws: FelisError.self, "seed \(seed)") { try FelisSchema.parse(data: Data(bytes)) }
        }
        #expect(throws: FelisError.self) { try FelisSchema.parse(data: Data([0xFF, 0xFE, 0x00, 0x41])) }
        // Text junk made of YAML's own punctuation.
        let alphabet = Array("abc:-[]{}#&*!|>'\"%@`,? \n\t")
        for _ in 0..<200 {
            let junk = String((0..<Int.random(in: 1...400, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            #expect(throws: FelisError.self, "seed \(seed): \(junk.debugDescription)") { try FelisSchema.parse(yaml: junk) }
        }
        #expect(error(FelisError.self) { _ = try FelisSchema.parse(yaml: "name: s\u{0}\ntables: []") }?.kind == .unreadable)

        // Every prefix of a real file either parses or fails cleanly.
        let text = try Files.text(Files.reference("cdb_lsstcomcamsim.yaml"))
        let utf8 = Array(text.utf8)
        for length in stride(from: 0, to: utf8.count, by: 997) {
            do {
                _ = try FelisSchema.parse(data: Data(utf8[0..<length]))
            } catch is FelisError {
                // expected for most prefixes
            }
        }
    }

    @Test("deeply nested documents are refused before they reach the YAML library", arguments: [
        String(repeating: "[", count: 200_000),
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        "name: s\ntables: " + String(repeating: "{a: ", count: 50_000) + "1" + String(repeating: "}", count: 50_000),
        String(repeating: "- ", count: 100_000) + "x",
        (0..<2000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"),
    ])
    func deepNesting(yaml: String) {
        let problem = error(FelisError.self) { _ = try FelisSchema.parse(yaml: yaml) }
        #expect(problem?.kind == .tooComplex || problem?.kind == .malformedYAML)
    }

    @Test("nesting within the limit still parses")
    func moderateNesting() {
        let yaml = "name: s\ntables: []\nextra: " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(throws: Never.self) { try FelisSchema.parse(yaml: yaml) }
    }

    @Test("alias expansion ('billion laughs') is bounded")
    func billionLaughs() {
        // Nested aliases fail at once (a list is never a column), so the expensive case is a wide one:
        // one big table repeated through an alias thousands of times.
        let columns = (0..<1000).map { "{name: c\($0), datatype: int}" }.joined(separator: ", ")
        let yaml = "big: &t {name: t, columns: [\(columns)]}\nname: s\ntables: [" + Array(repeating: "*t", count: 5000).joined(separator: ", ") + "]"
        let problem = error(FelisError.self) { _ = try FelisSchema.parse(yaml: yaml) }
        #expect(problem?.kind == .tooComplex)

        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("name: s")
        lines.append("tables: [{name: t, description: *a9, columns: *a9}]")
        #expect(throws: FelisError.self) { try FelisSchema.parse(yaml: lines.joined(separator: "\n")) }
    }

    @Test("a missing file is an unreadable error naming it")
    func missingFile() {
        let problem = error(FelisError.self) { _ = try FelisSchema.load(contentsOf: URL(fileURLWithPath: "/nonexistent/x.yaml")) }
        #expect(problem?.kind == .unreadable)
        #expect(problem?.description.contains("/nonexistent/x.yaml") == true)
    }
}
