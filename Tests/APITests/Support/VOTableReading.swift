import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the tests read back from a VOTable TABLEDATA document, with Foundation's own XML parser (so a
/// document that is not well-formed XML fails the test).
struct ReadVOTable {
    var fields: [[String: String]] = []
    /// INFO elements in document order: name, value, text, and whether they came after the TABLE.
    var infos: [(name: String, value: String, text: String, afterTable: Bool)] = []
    var rows: [[String?]] = []
    var root: String?

    func info(_ name: String) -> [String] { infos.filter { $0.name == name }.map(\.value) }
    var fieldNames: [String] { fields.map { $0["name"] ?? "" } }

    static func parse(_ text: String) throws -> ReadVOTable {
        let delegate = Delegate()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            throw ReadError(message: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") in \(text.prefix(400))")
        }
        return delegate.table
    }

    struct ReadError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var table = ReadVOTable()
        var text = ""
        var row: [String?] = []
        var cellIsNull = true
        var tableSeen = false
        var info: (String, String)?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if table.root == nil { table.root = name }
            switch name {
            case "FIELD": table.fields.append(attributes)
            case "TABLE": tableSeen = true
            case "INFO": info = (attributes["name"] ?? "", attributes["value"] ?? ""); text = ""
            case "TR": row = []
            case "TD": text = ""; cellIsNull = true
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
            cellIsNull = false
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "TD": row.append(cellIsNull ? nil : text)
            case "TR": table.rows.append(row)
            case "INFO":
                if let info { table.infos.append((info.0, info.1, text, tableSeen)) }
                info = nil
            default: break
            }
        }
    }
}
