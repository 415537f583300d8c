import Felis
import FelisCatalog
import Postgres
import Testing

@Suite("Felis datatypes in PostgreSQL")
struct TypeMappingTests {
    static let cases: [(FelisDatatype, Int?, Int?, String, String)] = [
        (.boolean, nil, nil, "BOOLEAN", "boolean"),
        (.byte, nil, nil, "SMALLINT", "smallint"),
        (.short, nil, nil, "SMALLINT", "smallint"),
        (.int, nil, nil, "INTEGER", "integer"),
        (.long, nil, nil, "BIGINT", "bigint"),
        (.float, nil, nil, "REAL", "real"),
        (.double, nil, nil, "DOUBLE PRECISION", "double precision"),
        (.char, 1, nil, "CHAR(1)", "character(1)"),
        (.string, 20, nil, "VARCHAR(20)", "character varying(20)"),
        (.unicode, 64, nil, "VARCHAR(64)", "character varying(64)"),
        (.text, nil, nil, "TEXT", "text"),
        (.binary, nil, nil, "BYTEA", "bytea"),
        (.timestamp, nil, nil, "TIMESTAMP", "timestamp without time zone"),
        (.timestamp, nil, 6, "TIMESTAMP(6) WITHOUT TIME ZONE", "timestamp(6) without time zone"),
        (.timestamp, nil, 0, "TIMESTAMP(0) WITHOUT TIME ZONE", "timestamp(0) without time zone"),
    ]

    @Test("every datatype maps the way Felis maps it")
    func mapping() {
        #expect(Set(Self.cases.map(\.0)) == Set(FelisDatatype.allCases))
        for (datatype, length, precision, ddl, formatType) in Self.cases {
            let type = datatype.postgresType(length: length, precision: precision)
            #expect(type.ddl == ddl, "\(datatype)")
            #expect(type.formatType == formatType, "\(datatype)")
        }
        #expect(FelisDatatype.string.isSized && FelisDatatype.char.isSized && FelisDatatype.unicode.isSized)
        #expect(!FelisDatatype.text.isSized)
    }

    @Test("the format_type spelling is what PostgreSQL reports for the DDL spelling")
    func formatTypeMatchesServer() async throws {
        try await withDatabase { connection in
            let columns = Self.cases.enumerated().map { index, item in
                "c\(index) \(item.0.postgresType(length: item.1, precision: item.2).ddl)"
            }
            try await connection.execute("CREATE TABLE t (\(columns.joined(separator: ", ")))")
            let catalog = try #require(try await Catalog.load(schema: "public", on: connection))
            let table = try #require(catalog.tables["t"])
            for (index, item) in Self.cases.enumerated() {
                #expect(table.column("c\(index)")?.type == item.4, "\(item.0)")
            }
        }
    }
}
