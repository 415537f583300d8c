import HeaderFile
import Testing
import TestSupport

@Suite("malformed and hostile header files")
struct HostileHeaderTests {
    static func error(_ text: String, limits: HeaderLimits = HeaderLimits()) -> HeaderFileError? {
        do {
            _ = try HeaderFile.parse(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("", "empty"),
        ("just a string\n", "expected a mapping"),
        ("- a\n- b\n", "expected a mapping"),
        ("PRIMARY: 5\n", "must be a list of records"),
        ("PRIMARY:\n- 5\n", "a record must be a mapping"),
        ("PRIMARY:\n- keyword: A\n  value: [1, 2]\n", "must be a single value"),
        ("PRIMARY:\n- keyword: {a: 1}\n", "must be a single value"),
        ("PRIMARY:\n- keyword: A\n  keyword: B\n", "appears twice"),
        ("PRIMARY: []\nPRIMARY: []\n", "appears twice"),
        ("PRIMARY:\n- &x {keyword: A}\n- *x\n", "aliases"),
        ("PRIMARY: []\n---\nOTHER: []\n", "one YAML document"),
        ("PRIMARY:\n- keyword: A\n  value: 'unterminated\n", "not valid YAML"),
        ("PRIMARY:\n- keyword: A\n\tvalue: 1\n", "not valid YAML"),
        ("[1, 2]: []\n", "section name"),
    ])
    func rejectsWithAClearMessage(_ text: String, _ fragment: String) throws {
        let error = try #require(Self.error(text), "accepted: \(text.debugDescription)")
        #expect(error.description.contains(fragment), "\(error)")
    }

    @Test func namesTheLineOfTheProblem() throws {
        let error = try #require(Self.error("PRIMARY:\n- keyword: A\n  value: 1\n- keyword: B\n  value: [x]\n"))
        #expect(error.line == 5)
    }

    @Test func deepNestingFailsWithoutOverflowingTheStack() throws {
        let depth = 200_000
        let text = "PRIMARY:\n- keyword: A\n  extra: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        #expect(Self.error(text) != nil)
    }

    @Test func unknownRecordFieldsAreIgnored() throws {
        let file = try HeaderFile.parse(Array("PRIMARY:\n- keyword: A\n  value: 1\n  comment: c\n  unit: {si: m, scale: [1, 2]}\n".utf8))
        #expect(file.primary?["A"] == .int(1))
    }

    @Test func limitsAreEnforced() throws {
        var limits = HeaderLimits()
        limits.maximumBytes = 100
        #expect(Self.error(String(repeating: "#", count: 101), limits: limits)?.description.contains("larger than") == true)
        limits = HeaderLimits()
        limits.maximumSections = 2
        #expect(Self.error("A: []\nB: []\nC: []\n", limits: limits)?.description.contains("more than 2 sections") == true)
        limits = HeaderLimits()
        limits.maximumCards = 2
        #expect(Self.error("A:\n- {keyword: a}\n- {keyword: b}\n- {keyword: c}\n", limits: limits)?.description.contains("more than 2 records") == true)
        limits = HeaderLimits()
        limits.maximumScalarBytes = 10
        #expect(Self.error("A:\n- {keyword: a, value: '\(String(repeating: "x", count: 11))'}\n", limits: limits)?.description.contains("longer than") == true)
    }

    @Test func truncatedRealLookingFilesFailOrParseWhatIsThere() throws {
        let text = "PRIMARY:\n- keyword: A\n  value: 'abc'\n  comment: x\n- keyword: B\n  value: \"unfinished"
        for cut in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[..<cut], as: UTF8.self)
            // Either a clear error or a parse of the complete records; never a crash.
            if let error = Self.error(prefix) { #expect(!error.description.isEmpty) }
        }
    }

    @Test func binaryGarbageIsAnError() throws {
        let seed = TestSeed.make(default: 0x4EAD_E7_6A7B)
        var generator = SeededGenerator(seed: seed)
        for round in 0..<50 {
            let bytes = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do {
                let file = try HeaderFile.parse(bytes)
                Issue.record("round \(round) (seed \(seed)): 512 random bytes parsed as \(file.sections.count) sections")
            } catch {
                #expect(!error.message.isEmpty, "round \(round) (seed \(seed))")
            }
        }
    }
}
