import FelisCatalog
import VOTable

/// The DALI examples document (`{base}/examples`): ADQL queries that run on this database as it is,
/// written from TAP_SCHEMA, so TOPCAT's example menu and taplint find queries that work here.
///
/// Each example names only tables and columns TAP_SCHEMA lists; an instrument schema without an
/// `exposure` table (or its columns) simply has fewer examples.
public enum TAPExamples {
    struct Example {
        var id: String
        var name: String
        var text: String
        var query: String
        var tables: [String]
    }

    public static func document(_ snapshot: TAPSchemaSnapshot) -> String {
        var html = """
            <?xml version="1.0" encoding="UTF-8"?>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head><title>ConsDB TAP examples</title></head>
            <body>
            <h1>ConsDB TAP examples</h1>
            <div vocab="http://www.ivoa.net/rdf/examples#">

            """
        for example in examples(snapshot) {
            html += """
                <div id="\(example.id)" resource="#\(example.id)" typeof="example">
                <h2 property="name">\(XMLText.escape(example.name))</h2>
                <p>\(XMLText.escape(example.text))</p>
                <pre property="query">\(XMLText.escape(example.query))</pre>

                """
            for table in example.tables { html += "<p>Table: <span property=\"table\">\(XMLText.escape(table))</span></p>\n" }
            html += "</div>\n"
        }
        html += "</div>\n</body>\n</html>\n"
        return html
    }

    static func examples(_ snapshot: TAPSchemaSnapshot) -> [Example] {
        var examples = [Example(
            id: "tables", name: "The published tables",
            text: "Every table and view this service publishes, with its description.",
            query: "SELECT table_name, table_type, description FROM TAP_SCHEMA.tables ORDER BY table_name",
            tables: ["TAP_SCHEMA.tables"]
        )]
        for schema in snapshot.schemas where schema.name.hasPrefix("cdb_") {
            guard let exposure = schema.table(schema.name + ".exposure") else { continue }
            let has = { (name: String) in exposure.column(name) != nil }
            let instrument = String(schema.name.dropFirst(4))
            let wanted = ["exposure_id", "day_obs", "seq_num", "band", "img_type", "obs_start"].filter(has)
            if has("exposure_id"), !wanted.isEmpty {
                examples.append(Example(
                    id: "latest-\(instrument)", name: "Latest \(instrument) exposures",
                    text: "The 20 most recent exposures of \(instrument).",
                    query: "SELECT TOP 20 \(wanted.joined(separator: ", ")) FROM \(exposure.name) ORDER BY exposure_id DESC",
                    tables: [exposure.name]
                ))
            }
            if has("day_obs") {
                examples.append(Example(
                    id: "nights-\(instrument)", name: "\(instrument) exposures per night",
                    text: "How many exposures each observing night (day_obs) has.",
                    query: "SELECT day_obs, COUNT(*) AS exposures FROM \(exposure.name) GROUP BY day_obs ORDER BY day_obs DESC",
                    tables: [exposure.name]
                ))
            }
            if has("exposure_id"), has("s_ra"), has("s_dec") {
                examples.append(Example(
                    id: "cone-\(instrument)", name: "\(instrument) exposures in a cone",
                    text: "Exposures pointed within 2 degrees of RA 150, Dec 2 (ICRS), nearest first; the geometry runs on pgSphere.",
                    query: """
                        SELECT exposure_id, s_ra, s_dec, DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 150.0, 2.0)) AS separation
                        FROM \(exposure.name)
                        WHERE CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', 150.0, 2.0, 2.0)) = 1
                        ORDER BY separation
                        """,
                    tables: [exposure.name]
                ))
            }
        }
        return examples
    }
}
