import VOTable

/// The VOSI capabilities document (`{base}/capabilities`): the TAP capability with its TAPRegExt
/// description (languages and their features, output formats, limits; no upload), and the VOSI
/// resources beside it.
public enum VOSICapabilities {
    /// A result format as TAPRegExt lists it.
    public struct OutputFormat: Sendable {
        public var mime: String
        public var aliases: [String]
        public var ivoID: String?
        public init(mime: String, aliases: [String], ivoID: String? = nil) {
            self.mime = mime
            self.aliases = aliases
            self.ivoID = ivoID
        }
    }

    /// The formats `RESPONSEFORMAT` accepts, the default first.
    public static let outputFormats: [OutputFormat] = [
        OutputFormat(mime: "application/x-votable+xml;serialization=TABLEDATA", aliases: ["votable", "votable/td"],
                     ivoID: "ivo://ivoa.net/std/TAPRegExt#output-votable-td"),
        OutputFormat(mime: "application/x-votable+xml;serialization=BINARY2", aliases: ["votable/b2"],
                     ivoID: "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2"),
        OutputFormat(mime: "text/csv;header=present", aliases: ["csv"]),
        OutputFormat(mime: "text/tab-separated-values", aliases: ["tsv"]),
        OutputFormat(mime: "application/json", aliases: ["json"]),
    ]

    /// ADQL language features beyond the core, by TAPRegExt feature type.
    public static let languageFeatures: [(type: String, forms: [String])] = [
        ("ivo://ivoa.net/std/TAPRegExt#features-adqlgeo",
         ["POINT", "CIRCLE", "BOX", "POLYGON", "CONTAINS", "INTERSECTS", "DISTANCE", "AREA", "COORD1", "COORD2"]),
        ("ivo://ivoa.net/std/TAPRegExt#features-adql-string", ["LOWER", "ILIKE"]),
        ("ivo://ivoa.net/std/TAPRegExt#features-adql-sets", ["UNION", "EXCEPT", "INTERSECT"]),
        ("ivo://ivoa.net/std/TAPRegExt#features-adql-common-table", ["WITH"]),
        ("ivo://ivoa.net/std/TAPRegExt#features-adql-type", ["CAST"]),
        ("ivo://ivoa.net/std/TAPRegExt#features-adql-offset", ["OFFSET"]),
    ]

    /// The document for a service at `base` (absolute URL, no trailing slash).
    public static func document(base: String, configuration: TAPConfiguration) -> String {
        let base = XMLText.escape(base)
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" \
            xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" \
            xmlns:tr="http://www.ivoa.net/xml/TAPRegExt/v1.0" \
            xmlns:vr="http://www.ivoa.net/xml/VOResource/v1.0" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <capability standardID="ivo://ivoa.net/std/TAP" xsi:type="tr:TableAccess">
                <interface xsi:type="vs:ParamHTTP" role="std" version="1.1">
                  <accessURL use="base">\(base)</accessURL>
                </interface>
                <language>
                  <name>ADQL</name>
                  <version ivo-id="ivo://ivoa.net/std/ADQL#v2.1">2.1</version>
                  <version ivo-id="ivo://ivoa.net/std/ADQL#v2.0">2.0</version>
                  <description>ADQL 2.1, translated to PostgreSQL; geometry on pgSphere (ICRS only)</description>

            """
        for (type, forms) in languageFeatures {
            xml += "      <languageFeatures type=\"\(type)\">\n"
            for form in forms { xml += "        <feature><form>\(form)</form></feature>\n" }
            xml += "      </languageFeatures>\n"
        }
        xml += "    </language>\n"
        for format in outputFormats {
            xml += "    <outputFormat" + (format.ivoID.map { " ivo-id=\"\($0)\"" } ?? "") + ">\n"
            xml += "      <mime>\(XMLText.escape(format.mime))</mime>\n"
            for alias in format.aliases { xml += "      <alias>\(alias)</alias>\n" }
            xml += "    </outputFormat>\n"
        }
        xml += """
                <retentionPeriod><default>\(Int(configuration.defaultDestructionSeconds))</default><hard>\(Int(configuration.maxDestructionSeconds))</hard></retentionPeriod>
                <executionDuration><default>\(Int(configuration.syncTimeoutSeconds))</default><hard>\(Int(configuration.maxExecutionSeconds))</hard></executionDuration>
                <outputLimit><default unit="row">\(configuration.defaultMaxRec)</default><hard unit="row">\(configuration.maxMaxRec)</hard></outputLimit>
              </capability>

            """
        for (standard, path, version, use) in [
            ("ivo://ivoa.net/std/VOSI#capabilities", "/capabilities", "1.0", "full"),
            ("ivo://ivoa.net/std/VOSI#availability", "/availability", "1.0", "full"),
            ("ivo://ivoa.net/std/VOSI#tables-1.1", "/tables", "1.1", "base"),
        ] {
            xml += """
                  <capability standardID="\(standard)">
                    <interface xsi:type="vs:ParamHTTP" role="std" version="\(version)">
                      <accessURL use="\(use)">\(base)\(path)</accessURL>
                    </interface>
                  </capability>

                """
        }
        xml += """
              <capability standardID="ivo://ivoa.net/std/DALI#examples">
                <interface xsi:type="vr:WebBrowser">
                  <accessURL use="full">\(base)/examples</accessURL>
                </interface>
              </capability>
            </vosi:capabilities>

            """
        return xml
    }
}

/// The VOSI availability document (`{base}/availability`).
public enum VOSIAvailability {
    public static func document(available: Bool, note: String?) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <vosi:availability xmlns:vosi="http://www.ivoa.net/xml/VOSIAvailability/v1.0">
              <vosi:available>\(available)</vosi:available>

            """
        if let note { xml += "  <vosi:note>\(XMLText.escape(note))</vosi:note>\n" }
        xml += "</vosi:availability>\n"
        return xml
    }
}
