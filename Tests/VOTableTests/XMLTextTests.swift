import Testing
import VOTable

@Suite("XML escaping")
struct XMLTextTests {
    @Test func markupAndQuotesBecomeEntities() {
        #expect(XMLText.escape("a<b>c&d\"e'f]]>") == "a&lt;b&gt;c&amp;d&quot;e&apos;f]]&gt;")
    }

    @Test func whitespaceSurvivesAttributeNormalization() {
        #expect(XMLText.escape("a\tb\nc\rd") == "a&#9;b&#10;c&#13;d")
    }

    @Test func forbiddenCharactersAreReplacedNeverEmitted() {
        let forbidden = (0..<0x20).filter { $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }.map { Character(Unicode.Scalar(UInt8($0))) }
        let text = String(forbidden) + "\u{7F}\u{FFFE}\u{FFFF}"
        #expect(XMLText.escape(text) == String(repeating: "\u{FFFD}", count: forbidden.count + 3))
    }

    @Test func nonASCIIIsKept() {
        #expect(XMLText.escape("Ωμέγα 東京 😀 \u{FFFD} \u{FFFC}") == "Ωμέγα 東京 😀 \u{FFFD} \u{FFFC}")
        #expect(XMLText.escape("") == "")
    }
}
