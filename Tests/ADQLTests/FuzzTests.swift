import ADQL
import Testing
import TestSupport

/// Random and mutated input: the parser and translator answer every one (SQL or a positioned error)
/// and never crash or hang.
@Suite("ADQL fuzzing")
struct FuzzTests {
    static let catalog = ADQLCatalog(tables: [ADQLTableName(schema: "cdb_test_adql", table: "obs")])

    @Test func randomValidQueriesTranslateDeterministically() throws {
        var queries = RandomQueries(random: TestSeed.generator(default: 20261207))
        let translator = ADQLTranslator(catalog: Self.catalog)
        for _ in 0..<500 {
            let adql = queries.query()
            let first: ADQLTranslation
            do { first = try translator.translate(adql) } catch {
                Issue.record("\(adql)\n→ \(error)")
                continue
            }
            // Parsing the same text again gives the same tree and the same SQL.
            #expect(try ADQLParser.parse(adql) == ADQLParser.parse(adql))
            #expect(try translator.translate(adql) == first)
            #expect(!first.sql.contains("--") && !first.sql.contains("/*"), "\(adql)")
        }
    }

    @Test func mutatedQueriesGetAnswersNotCrashes() {
        var random = TestSeed.generator(default: 7)
        var queries = RandomQueries(random: SeededGenerator(seed: random.next()))
        let translator = ADQLTranslator(catalog: Self.catalog)
        let pieces = ["(", ")", "'", "\"", "--", "/*", "*/", ",", ".", "\u{0}", "é", "SELECT", "FROM", "WHERE", " ", "NOT",
                      "0x", "1e", ";", "||", "\n", "POINT(", "CASE", "END", "AS", "*", "-", "IN (", "\u{1F52D}"]
        var errors = 0
        for _ in 0..<3_000 {
            var text = Array(queries.query().unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0...text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    let end = min(text.count, at + Int.random(in: 1...8, using: &random))
                    if at < end { text.removeSubrange(at..<end) }
                case 1:
                    text.insert(contentsOf: pieces[Int.random(in: 0..<pieces.count, using: &random)].unicodeScalars, at: at)
                default:
                    let end = min(text.count, at + Int.random(in: 1...20, using: &random))
                    text.insert(contentsOf: text[at..<end], at: at)
                }
            }
            var query = ""
            query.unicodeScalars.append(contentsOf: text)
            do {
                _ = try translator.translate(query)
            } catch {
                errors += 1
                if let position = error.position {
                    #expect(position.offset >= 0 && position.offset <= query.utf8.count, "\(query): \(error)")
                    #expect(position.line >= 1 && position.column >= 1, "\(query): \(error)")
                }
                #expect(!error.message.isEmpty)
            }
        }
        #expect(errors > 0)
    }
}
