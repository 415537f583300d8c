import ADQL
import Testing

/// The published tables the translation tests resolve against.
let testCatalog = ADQLCatalog(tables: [
    ADQLTableName(schema: "cdb_latiss", table: "exposure"),
    ADQLTableName(schema: "cdb_latiss", table: "visit1"),
    ADQLTableName(schema: "cdb_lsstcam", table: "exposure"),
    ADQLTableName(schema: "cdb_lsstcam", table: "ccdvisit1"),
    ADQLTableName(schema: "Mixed", table: "CamelTable"),
    ADQLTableName(schema: "TAP_SCHEMA", table: "tables"),
])

let translator = ADQLTranslator(catalog: testCatalog)

/// The SQL for `adql`, failing the test (with the error) when it does not translate.
func sql(_ adql: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        return try translator.translate(adql).sql
    } catch {
        Issue.record("\(adql)\n→ \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

/// The error `adql` gets (parse or translation), failing the test when it translates.
func failure(_ adql: String, limits: ADQLLimits = .standard, sourceLocation: SourceLocation = #_sourceLocation) -> ADQLError? {
    do {
        let translation = try translator.translate(adql, limits: limits)
        Issue.record("expected an error for \(adql.prefix(200)), got \(translation.sql.prefix(200))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
