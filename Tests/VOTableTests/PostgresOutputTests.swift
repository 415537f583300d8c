import Foundation
import Postgres
import Testing
import TestSupport
import VOTable

/// The text forms the writers read are the ones a real PostgreSQL (and pgSphere) writes: values of
/// every mapped type, selected with a session time zone that is not UTC, come out as expected.
///
/// pgSphere is needed for the geometry part: without the extension the part is skipped with a printed
/// reason, unless `CONSDB_PGSPHERE_REQUIRED=1` makes it fail.
@Suite("PostgreSQL output through the writers")
struct PostgresOutputTests {
    static func fields(_ result: QueryResult, connection: Connection) async throws -> [ResultField] {
        let oids = Set(result.columns.map(\.typeOID)).map(String.init).joined(separator: ",")
        let names = try await connection.execute("SELECT oid, typname FROM pg_type WHERE oid IN (\(oids))")
        let typeNames = Dictionary(uniqueKeysWithValues: names.rows.map { (UInt32($0[0]!)!, $0[1]!) })
        return result.columns.map { ResultField.postgres(name: $0.name, typeOID: $0.typeOID, typeName: typeNames[$0.typeOID]) }
    }

    static func tableData(_ result: QueryResult, fields: [ResultField]) -> String {
        var writer = ResultStreamWriter(format: .votableTableData, fields: fields)
        var out: [UInt8] = []
        writer.append(result.rows, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func builtInTypes() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            _ = try await connection.execute("SET TimeZone = 'Asia/Kolkata'")
            let result = try await connection.execute(#"""
                SELECT true AS b, 12::int2 AS s, -123456::int4 AS i, 9007199254740993::int8 AS l, 1.5::float4 AS f,
                       0.1::float8 AS d, 123.4500::numeric AS n, 'NaN'::float8 AS nan, 'Infinity'::float4 AS inf,
                       'Ω<&'::text AS t, 'v'::varchar(3) AS v, 'c'::char(2) AS c, '{"a": 1}'::jsonb AS j,
                       timestamp '2024-11-27 23:12:01.5' AS ts, timestamptz '2024-11-27 23:12:01.5+00' AS tz,
                       '-infinity'::timestamp AS tinf, date '2024-11-27' AS dt, time '23:12:01.5' AS tm,
                       '\x00ff41'::bytea AS by, '{1,-2,3}'::int4[] AS ia, '{1,2}'::int2[] AS sa,
                       '{9007199254740993}'::int8[] AS la, '{0.25,-Infinity}'::float4[] AS fa,
                       '{1.5,NaN,NULL}'::float8[] AS da, '{{1,2},{3,4}}'::int4[] AS nested, interval '1 day' AS iv,
                       NULL::int4 AS nothing
                """#)
            let fields = try await Self.fields(result, connection: connection)
            #expect(fields.map(\.datatype) == [
                "boolean", "short", "int", "long", "float", "double", "double", "double", "float", "char", "char", "char", "char",
                "char", "char", "char", "char", "char", "unsignedByte", "int", "short", "long", "float", "double", "int", "char", "int",
            ])
            let text = Self.tableData(result, fields: fields)
            #expect(text == "<TR>"
                + "<TD>T</TD><TD>12</TD><TD>-123456</TD><TD>9007199254740993</TD><TD>1.5</TD><TD>0.1</TD><TD>123.4500</TD>"
                + "<TD>NaN</TD><TD>+Inf</TD><TD>Ω&lt;&amp;</TD><TD>v</TD><TD>c </TD><TD>{\"a\": 1}</TD>"
                + "<TD>2024-11-27T23:12:01.5</TD><TD>2024-11-27T23:12:01.5Z</TD><TD/><TD>2024-11-27</TD><TD>23:12:01.5</TD>"
                + "<TD>0 255 65</TD><TD>1 -2 3</TD><TD>1 2</TD><TD>9007199254740993</TD><TD>0.25 -Inf</TD><TD>1.5 NaN NaN</TD>"
                + "<TD/><TD>1 day</TD><TD/>"
                + "</TR>\n")
        }
    }

    @Test func pgSphereTypesInDegrees() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            do {
                _ = try await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_sphere")
            } catch {
                #expect(ProcessInfo.processInfo.environment["CONSDB_PGSPHERE_REQUIRED"] != "1", "pg_sphere is missing: \(error)")
                print("PostgresOutputTests: pgSphere part skipped, the extension is not available: \(error)")
                return
            }
            let result = try await connection.execute("""
                SELECT spoint '(0.1, 0.2)' AS pt, scircle '<(1, -0.5), 0.01>' AS ci,
                       spoly '{(0, 0), (0.1, 0), (0.1, 0.1)}' AS po, sbox '((0.1, 0.2), (0.3, 0.4))' AS bx,
                       NULL::spoint AS nopt
                """)
            let fields = try await Self.fields(result, connection: connection)
            #expect(fields.map(\.xtype) == ["point", "circle", "polygon", nil, "point"])
            #expect(fields.map(\.arraysize) == ["2", "3", "*", "4", "2"])
            let degrees = 180 / Double.pi
            func cell(_ values: Double...) -> String { "<TD>" + values.map { "\($0 * degrees)" }.joined(separator: " ") + "</TD>" }
            let text = Self.tableData(result, fields: fields)
            #expect(text == "<TR>" + cell(0.1, 0.2) + cell(1, -0.5, 0.01) + cell(0, 0, 0.1, 0, 0.1, 0.1) + cell(0.1, 0.2, 0.3, 0.4)
                + "<TD>NaN NaN</TD></TR>\n", "\(result.rows)")
        }
    }
}
