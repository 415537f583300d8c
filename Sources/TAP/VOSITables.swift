import FelisCatalog
import VOTable

/// The VOSI tables document (`{base}/tables`, VOSI 1.1 with VODataService 1.1 elements), written from
/// TAP_SCHEMA so that the two never disagree.
public enum VOSITables {
    static let namespaces = """
        xmlns:vosi="http://www.ivoa.net/xml/VOSITables/v1.0" \
        xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" \
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        """

    /// Every schema and table; `detail=min` (VOSI 1.1) leaves the columns and keys out.
    public static func tableset(_ snapshot: TAPSchemaSnapshot, withColumns: Bool) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vosi:tableset \(namespaces)>\n"
        for schema in snapshot.schemas {
            xml += "  <schema>\n    <name>\(XMLText.escape(schema.name))</name>\n"
            element("description", schema.description, indent: 4, into: &xml)
            element("utype", schema.utype, indent: 4, into: &xml)
            for table in schema.tables {
                write(table, keys: snapshot.keys(from: table.name), withColumns: withColumns, element: "table", indent: 4, into: &xml)
            }
            xml += "  </schema>\n"
        }
        xml += "</vosi:tableset>\n"
        return xml
    }

    /// One table as its own document (`{base}/tables/{name}`), with its columns.
    public static func table(_ table: TAPSchemaSnapshot.Table, keys: [TAPSchemaSnapshot.Key]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        write(table, keys: keys, withColumns: true, element: "vosi:table", indent: 0, into: &xml, namespaces: namespaces)
        return xml
    }

    private static func write(_ table: TAPSchemaSnapshot.Table, keys: [TAPSchemaSnapshot.Key], withColumns: Bool, element name: String,
                              indent: Int, into xml: inout String, namespaces: String? = nil) {
        let pad = String(repeating: " ", count: indent)
        let type = table.type == .view ? "view" : "base_table"
        xml += pad + "<\(name)" + (namespaces.map { " " + $0 } ?? "") + " type=\"\(type)\">\n"
        xml += pad + "  <name>\(XMLText.escape(table.name))</name>\n"
        element("description", table.description, indent: indent + 2, into: &xml)
        element("utype", table.utype, indent: indent + 2, into: &xml)
        if withColumns {
            for column in table.columns {
                xml += pad + "  <column>\n" + pad + "    <name>\(XMLText.escape(column.name))</name>\n"
                element("description", column.description, indent: indent + 4, into: &xml)
                element("unit", column.unit, indent: indent + 4, into: &xml)
                element("ucd", column.ucd, indent: indent + 4, into: &xml)
                element("utype", column.utype, indent: indent + 4, into: &xml)
                xml += pad + "    <dataType xsi:type=\"vs:VOTableType\""
                if let arraysize = column.arraysize, !arraysize.isEmpty { xml += " arraysize=\"\(XMLText.escape(arraysize))\"" }
                if let xtype = column.xtype, !xtype.isEmpty { xml += " extendedType=\"\(XMLText.escape(xtype))\"" }
                xml += ">\(XMLText.escape(column.datatype))</dataType>\n"
                if column.indexed { xml += pad + "    <flag>indexed</flag>\n" }
                if column.principal { xml += pad + "    <flag>primary</flag>\n" }
                if column.std { xml += pad + "    <flag>std</flag>\n" }
                xml += pad + "  </column>\n"
            }
            for key in keys {
                xml += pad + "  <foreignKey>\n" + pad + "    <targetTable>\(XMLText.escape(key.targetTable))</targetTable>\n"
                for pair in key.columns {
                    xml += pad + "    <fkColumn><fromColumn>\(XMLText.escape(pair.from))</fromColumn>"
                        + "<targetColumn>\(XMLText.escape(pair.target))</targetColumn></fkColumn>\n"
                }
                element("description", key.description, indent: indent + 4, into: &xml)
                element("utype", key.utype, indent: indent + 4, into: &xml)
                xml += pad + "  </foreignKey>\n"
            }
        }
        xml += pad + "</\(name)>\n"
    }

    private static func element(_ name: String, _ value: String?, indent: Int, into xml: inout String) {
        guard let value, !value.isEmpty else { return }
        xml += String(repeating: " ", count: indent) + "<\(name)>\(XMLText.escape(value))</\(name)>\n"
    }
}
