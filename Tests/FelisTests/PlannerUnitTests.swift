@testable import Felis
import Testing

@Suite("Planning and SQL text without a database")
struct PlannerUnitTests {
    @Test("a fresh plan creates tables before foreign keys, indexes and comments")
    func ordering() throws {
        let felis = try FelisSchema.parse(yaml: """
            name: o
            description: Ordering.
            tables:
            - name: child
              description: Comes first in the file but points at parent.
              columns: [{name: parent_id, datatype: int, description: The parent.}]
              constraints: [{name: fk_child_parent, "@type": ForeignKey, columns: ["#child.parent_id"], referencedColumns: ["#parent.id"]}]
              indexes: [{name: ix_child_parent, columns: ["#child.parent_id"]}]
            - name: parent
              primaryKey: "#parent.id"
              columns: [{name: id, datatype: int}]
            """)
        let plan = try SchemaPlanner().plan(felis, catalog: nil)
        #expect(plan.statements == [
            #"CREATE SCHEMA IF NOT EXISTS "o""#,
            "CREATE TABLE \"o\".\"child\" (\n    \"parent_id\" INTEGER\n)",
            "CREATE TABLE \"o\".\"parent\" (\n    \"id\" INTEGER NOT NULL,\n    CONSTRAINT \"parent_pkey\" PRIMARY KEY (\"id\")\n)",
            #"ALTER TABLE "o"."child" ADD CONSTRAINT "fk_child_parent" FOREIGN KEY ("parent_id") REFERENCES "o"."parent" ("id")"#,
            #"CREATE INDEX IF NOT EXISTS "ix_child_parent" ON "o"."child" ("parent_id")"#,
            #"COMMENT ON SCHEMA "o" IS 'Ordering.'"#,
            #"COMMENT ON TABLE "o"."child" IS 'Comes first in the file but points at parent.'"#,
            #"COMMENT ON COLUMN "o"."child"."parent_id" IS 'The parent.'"#,
        ])
        #expect(plan.script.hasSuffix("IS 'The parent.';\n"))
    }

    @Test("literals are quoted for either setting of standard_conforming_strings")
    func literals() {
        #expect(SQLText.literal("plain") == "'plain'")
        #expect(SQLText.literal("it's") == "'it''s'")
        #expect(SQLText.literal(#"back\slash 'q'"#) == #"E'back\\slash ''q'''"#)
        #expect(SQLText.literal("nul\u{0}gone") == "'nulgone'")
    }

    @Test("catalog defaults are recognised in the forms pg_get_expr prints")
    func catalogDefaults() {
        #expect(ColumnDefaultSQL.matches(.integer(-5), catalog: "'-5'::integer", datatype: .int))
        #expect(ColumnDefaultSQL.matches(.integer(5), catalog: "5", datatype: .int))
        #expect(ColumnDefaultSQL.matches(.real(-2.25), catalog: "'-2.25'::numeric", datatype: .double))
        #expect(ColumnDefaultSQL.matches(.boolean(true), catalog: "true", datatype: .boolean))
        #expect(ColumnDefaultSQL.matches(.text("it's"), catalog: "'it''s'::character varying", datatype: .string))
        #expect(ColumnDefaultSQL.matches(.text(#"a\b"#), catalog: #"E'a\\b'::text"#, datatype: .text))
        #expect(ColumnDefaultSQL.matches(.currentTimestamp, catalog: "CURRENT_TIMESTAMP", datatype: .timestamp))
        #expect(ColumnDefaultSQL.matches(.currentTimestamp, catalog: "now()", datatype: .timestamp))
        #expect(ColumnDefaultSQL.matches(.text("2024-01-02T03:04"), catalog: "'2024-01-02 03:04:00'::timestamp without time zone", datatype: .timestamp))
        #expect(ColumnDefaultSQL.matches(nil, catalog: nil, datatype: .int))

        #expect(!ColumnDefaultSQL.matches(.integer(5), catalog: "6", datatype: .int))
        #expect(!ColumnDefaultSQL.matches(.text("5"), catalog: "5", datatype: .string))
        #expect(!ColumnDefaultSQL.matches(.text("2024-01-02T03:04"), catalog: "'2024-01-02 03:04:00'::character varying", datatype: .string))
        #expect(!ColumnDefaultSQL.matches(nil, catalog: "0", datatype: .int))
        #expect(!ColumnDefaultSQL.matches(.integer(0), catalog: nil, datatype: .int))
        #expect(!ColumnDefaultSQL.matches(.text("x"), catalog: "'unterminated", datatype: .text))
    }

    @Test("primary-key names stay within PostgreSQL's identifier limit")
    func primaryKeyNames() {
        #expect(DDLNames.primaryKey(of: "exposure") == "exposure_pkey")
        let long = String(repeating: "é", count: 31)  // 62 bytes
        let name = DDLNames.primaryKey(of: long)
        #expect(name.utf8.count <= 63)
        #expect(name.hasSuffix("_pkey"))
    }
}
