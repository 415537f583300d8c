/// Escaping of text for VOTable documents, shared by attributes and element content.
///
/// XML 1.0 cannot carry most C0 control characters (even as character references) nor U+FFFE and U+FFFF,
/// so those are replaced by U+FFFD (the replacement character): the value stays visibly damaged rather
/// than silently shortened, and the document stays well-formed. Tab and line feed are kept; carriage
/// return is written as `&#13;` because a parser would otherwise turn it into a line feed.
public enum XMLText {
    /// `s` with `&`, `<`, `>`, `"`, `'` as entities, tab, line feed and carriage return as character
    /// references (so they survive attribute-value normalization), and characters XML forbids replaced
    /// by U+FFFD. Good for attribute values and for element content alike.
    public static func escape(_ s: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 8)
        var copy = s
        copy.withUTF8 { appendEscaped($0, attribute: true, into: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` (valid UTF-8) escaped: for element content (`attribute: false`) only `&`, `<`,
    /// `>` and carriage return are replaced; for attribute values quotes, tab and line feed too.
    static func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, attribute: Bool, into out: inout [UInt8]) {
        var start = 0
        var index = 0
        let count = text.count
        while index < count {
            let byte = text[index]
            let replacement: [UInt8]?
            var width = 1
            switch byte {
            case UInt8(ascii: "&"): replacement = amp
            case UInt8(ascii: "<"): replacement = lt
            case UInt8(ascii: ">"): replacement = gt
            case UInt8(ascii: "\r"): replacement = cr
            case UInt8(ascii: "\""): replacement = attribute ? quot : nil
            case UInt8(ascii: "'"): replacement = attribute ? apos : nil
            case UInt8(ascii: "\t"): replacement = attribute ? tab : nil
            case UInt8(ascii: "\n"): replacement = attribute ? lf : nil
            case 0..<0x20, 0x7F:
                // 0x7F is allowed by XML 1.0 but is a control character no reader wants; treat it alike.
                replacement = replacementCharacter
            case 0xEF where index + 2 < count && text[index + 1] == 0xBF && (text[index + 2] == 0xBE || text[index + 2] == 0xBF):
                replacement = replacementCharacter  // U+FFFE, U+FFFF
                width = 3
            default: replacement = nil
            }
            if let replacement {
                if start < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index])) }
                out.append(contentsOf: replacement)
                index += width
                start = index
            } else {
                index += 1
            }
        }
        if start == 0 {
            out.append(contentsOf: text)
        } else if start < count {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<count]))
        }
    }

    /// Appends `s` escaped for an attribute value.
    static func appendAttribute(_ s: String, into out: inout [UInt8]) {
        var copy = s
        copy.withUTF8 { appendEscaped($0, attribute: true, into: &out) }
    }

    /// Appends `s` escaped for element content.
    static func appendContent(_ s: String, into out: inout [UInt8]) {
        var copy = s
        copy.withUTF8 { appendEscaped($0, attribute: false, into: &out) }
    }

    private static let amp = Array("&amp;".utf8)
    private static let lt = Array("&lt;".utf8)
    private static let gt = Array("&gt;".utf8)
    private static let quot = Array("&quot;".utf8)
    private static let apos = Array("&apos;".utf8)
    private static let cr = Array("&#13;".utf8)
    private static let tab = Array("&#9;".utf8)
    private static let lf = Array("&#10;".utf8)
    private static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]
}
