import JSON
import Testing

@Suite("JSON escapes: one decoder for the tree parser and the InfluxDB scanner")
struct JSONEscapeTests {
    /// Decodes the escape at the start of `text`; the scalar and the index after it, or the failure and where.
    func decode(_ text: String) -> (Result<Unicode.Scalar, JSONEscape.Failure>, Int) {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            let result = Result { () throws(JSONEscape.Failure) in try JSONEscape.decode(buffer.baseAddress!, count: buffer.count, index: &index) }
            return (result, index)
        }
    }

    @Test("the simple escapes and \\u escapes decode, surrogate pairs joined", arguments: [
        (#"\""#, "\"", 2), (#"\\"#, "\\", 2), (#"\/"#, "/", 2), (#"\b"#, "\u{08}", 2), (#"\f"#, "\u{0C}", 2),
        (#"\n"#, "\n", 2), (#"\r"#, "\r", 2), (#"\t"#, "\t", 2), (#"\u0041rest"#, "A", 6), (#"\u00e9"#, "é", 6),
        (#"\uFFFF"#, "\u{FFFF}", 6), (#"\ud83d\ude00"#, "😀", 12), (#"\uDBFF\uDFFF"#, "\u{10FFFF}", 12),
    ])
    func decodes(text: String, expected: String, end: Int) throws {
        let (result, index) = decode(text)
        #expect(try String(result.get()) == expected)
        #expect(index == end)
    }

    @Test("bad escapes fail with where the problem is", arguments: [
        (#"\"#, JSONEscape.Failure.unterminated, 1), (#"\x"#, .invalidEscape, 1), (#"\U0041"#, .invalidEscape, 1),
        (#"\u12"#, .truncatedUnicode, 2), (#"\u12g4"#, .invalidHexDigit, 4), (#"\ud800"#, .unpairedSurrogate, 6),
        (#"\udc00"#, .unpairedSurrogate, 6), (#"\ud800\u0041"#, .unpairedSurrogate, 12), (#"\ud800\ud800"#, .unpairedSurrogate, 12),
        (#"\ud800\u00"#, .truncatedUnicode, 8), (#"\ud800x"#, .unpairedSurrogate, 6),
    ])
    func failures(text: String, failure: JSONEscape.Failure, at position: Int) {
        let (result, index) = decode(text)
        #expect(throws: failure) { try result.get() }
        #expect(index == position)
    }
}
