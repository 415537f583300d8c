import Foundation

// TEMPORARY until the VOTable target lands (branch votable): delete this file at the merge.
enum VOTableErrorDocument {
    static func render(_ message: String) -> [UInt8] {
        Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?><VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE type=\"results\"><INFO name=\"QUERY_STATUS\" value=\"ERROR\">" + XMLText.escape(message) + "</INFO></RESOURCE></VOTABLE>\n").utf8)
    }
}
enum XMLText {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
