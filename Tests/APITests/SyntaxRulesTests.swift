@testable import API
import Felis
import Testing
import TimeScales

@Suite("syntax rules: units, UCDs, key names, timestamps, query keywords")
struct SyntaxRulesTests {
    @Test("units astropy parses are valid", arguments: [
        "s", "km/s", "km s-1", "m3 / (kg s2)", "deg", "K", "m / s", "10**-3 m", "electron / pix2", "mag", "arcsec", "Hz",
        "kg m2 s-2", "m^2", "m**2", "erg / (s cm2)", "nJy", "%", "count / s", "W m-2", "mas / yr", "um",
        "m/s**2S", "m2s", "(m)s", "m^2kg",
    ])
    func validUnit(unit: String) {
        #expect(UnitSyntax.isValid(unit))
    }

    @Test("other unit strings are not", arguments: [
        "tacos / s", "m//s", "(m", "m)", "", " ", "m s-", "1/", "m**", "s^", "m / / s", "kgg", "meters", "m;s", "m,s", "m\ts", "()",
        String(repeating: "(", count: 40) + "m" + String(repeating: ")", count: 40),
    ])
    func invalidUnit(unit: String) {
        #expect(!UnitSyntax.isValid(unit))
    }

    @Test("UCDs: words of dotted atoms separated by ';'")
    func ucds() {
        for valid in ["this.is.a.valid.ucd", "THIS-ONE.IS.TOO", "pos.eq.ra;meta.main", "phys.temperature", "em.wl", "a", "1a_b-c"] {
            #expect(FlexKeyRules.isValidUCD(valid), "\(valid)")
        }
        for invalid in ["but this is not", "neither#is@this[one]!", "", ";", "a;", "a..b", ".a", "a.", "_a", "-a", "a b", "pos.eq;", "é"] {
            #expect(!FlexKeyRules.isValidUCD(invalid), "\(invalid)")
        }
    }

    @Test("key names: a letter or underscore, then letters, digits, '_', '.', '-', at most 128")
    func keyNames() {
        for valid in ["foo", "_x", "a.b-c_9", "A", String(repeating: "k", count: 128)] {
            #expect(FlexKeyRules.isValidKeyName(valid), "\(valid)")
        }
        for invalid in ["", "9a", ".a", "-a", "a b", "a;b", "a'b", "a\"b", "a/b", "é", "a\u{0}", String(repeating: "k", count: 129)] {
            #expect(!FlexKeyRules.isValidKeyName(invalid), "\(invalid)")
        }
    }

    @Test("flex values are stored as text by dtype and read back typed")
    func flexStorage() throws {
        #expect(FlexKeyRules.storedText(for: .bool(true), dtype: "bool") == "true")
        #expect(FlexKeyRules.storedText(for: .number("42"), dtype: "int") == "42")
        #expect(FlexKeyRules.storedText(for: .number("42.0"), dtype: "int") == nil)
        #expect(FlexKeyRules.storedText(for: .number("9223372036854775808"), dtype: "int") == nil)
        #expect(FlexKeyRules.storedText(for: .number("3"), dtype: "float") == "3")
        #expect(FlexKeyRules.storedText(for: .string("3"), dtype: "float") == nil)
        #expect(FlexKeyRules.storedText(for: .number("1"), dtype: "bool") == nil)
        #expect(FlexKeyRules.storedText(for: .null, dtype: "str") == nil)
        #expect(FlexKeyRules.json(fromStored: "True", dtype: "bool") == .bool(true))
        #expect(FlexKeyRules.json(fromStored: "t", dtype: "bool") == .bool(true))
        #expect(FlexKeyRules.json(fromStored: "no", dtype: "bool") == .bool(false))
        #expect(FlexKeyRules.json(fromStored: "3.14159", dtype: "float").numberText == "3.14159")
        #expect(FlexKeyRules.json(fromStored: "NaN", dtype: "float") == .null)
        #expect(FlexKeyRules.json(fromStored: "x", dtype: "int") == .string("x"))
        #expect(FlexKeyRules.json(fromStored: nil, dtype: "int") == .null)
    }

    @Test("TAI timestamps: ISO 8601 without a zone, normalized for PostgreSQL")
    func normalize() {
        #expect(TimestampText.normalize("2024-08-01T17:20:53") == "2024-08-01T17:20:53")
        #expect(TimestampText.normalize("2024-08-01T17:20:53.970") == "2024-08-01T17:20:53.970")
        #expect(TimestampText.normalize("2024-08-01 17:20:53.123456") == "2024-08-01T17:20:53.123456")
        #expect(TimestampText.normalize("2024-08-01T17:20:53.123456789") == "2024-08-01T17:20:53.123456789")
        for bad in ["2024-13-01T00:00:00", "yesterday", "2024-08-01T17:20:53Z", "2024-08-01T17:20:53+00:00", "2024-08-01",
                    "2024-08-01T24:00:00", "2024-08-01T17:60:00", "2024-08-01T17:20:60", "2024-00-01T00:00:00", "2024-08-32T00:00:00",
                    "2024-08-01T17:20:53.", "2024-08-01T17:20:53.1234567890", "2024-08-01X17:20:53", "0000-08-01T17:20:53",
                    "２０２４-08-01T17:20:53", "2024-08-01T17:20:53.1e3", "", "2024/08/01T17:20:53"] {
            #expect(TimestampText.normalize(bad) == nil, "\(bad)")
        }
    }

    @Test("PostgreSQL's timestamp text becomes ISO with six fraction digits", arguments: [
        ("2024-05-28 22:19:04.8475", "2024-05-28T22:19:04.847500"), ("2024-05-28 22:19:04", "2024-05-28T22:19:04"),
        ("2024-05-28 22:19:04.123456", "2024-05-28T22:19:04.123456"), ("2024-05-28 22:19:04.5+00", "2024-05-28T22:19:04.500000+00:00"),
        ("2024-05-28 22:19:04-03:30", "2024-05-28T22:19:04-03:30"), ("infinity", "infinity"), ("-infinity", "-infinity"),
    ])
    func iso(postgres: String, iso: String) {
        #expect(TimestampText.iso(fromPostgres: postgres) == iso)
    }

    @Test("the leading keyword skips blanks, comments and parentheses", arguments: [
        ("SELECT 1", "select"), ("  select 1", "select"), ("\n\t(SELECT 1)", "select"), ("/* x */ DELETE FROM t", "delete"),
        ("-- c\nDELETE FROM t", "delete"), ("-- c\n-- d\n  /* e */ ((with x as (select 1) select * from x))", "with"),
        ("/* a */ /* b */ values (1)", "values"), ("/* unterminated DELETE", ""), ("-- only a comment", ""), ("", ""),
        ("Select1", "select"), ("TABLE t", "table"), ("(((", ""), ("/* nested /* */ DELETE */ SELECT", "select"), ("/* a /* b */ SELECT */ DELETE", "delete"), ("/*/ DELETE", ""),
    ])
    func leadingKeyword(sql: String, keyword: String) {
        #expect(QueryRoutes.leadingKeyword(sql) == keyword)
    }
}
