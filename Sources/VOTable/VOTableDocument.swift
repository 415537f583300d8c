/// The fixed parts of a VOTable 1.4 document around the rows.
enum VOTableDocument {
    static let namespace = "http://www.ivoa.net/xml/VOTable/v1.3"
    static let version = "1.4"

    /// From the XML declaration to the opening `RESOURCE`, with `QUERY_STATUS` and the other INFOs.
    static func appendHead(status: String, message: String?, infos: [ResultInfo], into out: inout [UInt8]) {
        out.append(contentsOf: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)
        out.append(contentsOf: "<VOTABLE version=\"\(version)\" xmlns=\"\(namespace)\">\n".utf8)
        out.append(contentsOf: "<RESOURCE type=\"results\">\n".utf8)
        appendInfo(ResultInfo(name: "QUERY_STATUS", value: status, content: message), into: &out)
        for info in infos { appendInfo(info, into: &out) }
    }

    static func appendInfo(_ info: ResultInfo, into out: inout [UInt8]) {
        out.append(contentsOf: "<INFO name=\"".utf8)
        XMLText.appendAttribute(info.name, into: &out)
        out.append(contentsOf: "\" value=\"".utf8)
        XMLText.appendAttribute(info.value, into: &out)
        if let content = info.content {
            out.append(contentsOf: "\">".utf8)
            XMLText.appendContent(content, into: &out)
            out.append(contentsOf: "</INFO>\n".utf8)
        } else {
            out.append(contentsOf: "\"/>\n".utf8)
        }
    }

    static func appendField(_ field: ResultField, into out: inout [UInt8]) {
        out.append(contentsOf: "<FIELD name=\"".utf8)
        XMLText.appendAttribute(field.name, into: &out)
        out.append(contentsOf: "\" datatype=\"".utf8)
        XMLText.appendAttribute(field.datatype, into: &out)
        out.append(UInt8(ascii: "\""))
        // Empty attributes are left out: an empty ucd or arraysize is not a valid value.
        for (name, value) in [("arraysize", field.arraysize), ("xtype", field.xtype), ("unit", field.unit), ("ucd", field.ucd), ("utype", field.utype)] {
            guard let value, !value.isEmpty else { continue }
            out.append(contentsOf: " \(name)=\"".utf8)
            XMLText.appendAttribute(value, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        if let description = field.description, !description.isEmpty {
            out.append(contentsOf: "><DESCRIPTION>".utf8)
            XMLText.appendContent(description, into: &out)
            out.append(contentsOf: "</DESCRIPTION></FIELD>\n".utf8)
        } else {
            out.append(contentsOf: "/>\n".utf8)
        }
    }

    static let tail = Array("</RESOURCE>\n</VOTABLE>\n".utf8)
}

/// A VOTable that reports a failed request: `QUERY_STATUS` = `ERROR` with the message (DALI's error
/// document), no table.
public enum VOTableErrorDocument {
    public static func render(_ message: String) -> [UInt8] {
        var out: [UInt8] = []
        VOTableDocument.appendHead(status: "ERROR", message: message, infos: [], into: &out)
        out.append(contentsOf: VOTableDocument.tail)
        return out
    }
}
