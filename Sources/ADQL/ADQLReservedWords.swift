/// The words ADQL 2.1 reserves (§2.1.3: SQL-92's reserved words and ADQL's own): a column called one of
/// them must be written delimited (`"size"`, `"key"`) in a query, and TAP_SCHEMA lists it so.
///
/// The parser itself is more lenient (it refuses only the words its grammar would misread, see
/// `ADQLParser.reserved`), so queries written against other services keep working here.
public enum ADQLReservedWords {
    public static let all: Set<String> = Set("""
        ABS ABSOLUTE ACOS ACTION ADD ALL ALLOCATE ALTER AND ANY ARE AREA AS ASC ASIN ASSERTION AT ATAN ATAN2
        AUTHORIZATION AVG BEGIN BETWEEN BIGINT BIT BIT_LENGTH BOTH BOX BY CASCADE CASCADED CASE CAST CATALOG CEILING
        CENTROID CHAR CHARACTER CHARACTER_LENGTH CHAR_LENGTH CHECK CIRCLE CLOSE COALESCE COLLATE COLLATION COLUMN
        COMMIT CONNECT CONNECTION CONSTRAINT CONSTRAINTS CONTAINS CONTINUE CONVERT COORD1 COORD2 COORDSYS
        CORRESPONDING COS COT COUNT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER
        CURSOR DATE DAY DEALLOCATE DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DEGREES DELETE DESC DESCRIBE
        DESCRIPTOR DIAGNOSTICS DISCONNECT DISTANCE DISTINCT DOMAIN DOUBLE DROP ELSE END END-EXEC ESCAPE EXCEPT
        EXCEPTION EXEC EXECUTE EXISTS EXP EXTERNAL EXTRACT FALSE FETCH FIRST FLOAT FLOOR FOR FOREIGN FOUND FROM FULL
        GET GLOBAL GO GOTO GRANT GROUP HAVING HOUR IDENTITY ILIKE IMMEDIATE IN INDICATOR INITIALLY INNER INPUT
        INSENSITIVE INSERT INT INTEGER INTERSECT INTERSECTS INTERVAL INTO IN_UNIT IS ISOLATION JOIN KEY LANGUAGE
        LAST LEADING LEFT LEVEL LIKE LOCAL LOG LOG10 LOWER MATCH MAX MIN MINUTE MOD MODULE MONTH NAMES NATIONAL
        NATURAL NCHAR NEXT NO NOT NULL NULLIF NUMERIC OCTET_LENGTH OF OFFSET ON ONLY OPEN OPTION OR ORDER OUTER
        OUTPUT OVERLAPS PAD PARTIAL PI POINT POLYGON POSITION POWER PRECISION PREPARE PRESERVE PRIMARY PRIOR
        PRIVILEGES PROCEDURE PUBLIC RADIANS RAND READ REAL REFERENCES REGION RELATIVE RESTRICT REVOKE RIGHT
        ROLLBACK ROUND ROWS SCHEMA SCROLL SECOND SECTION SELECT SESSION SESSION_USER SET SIN SIZE SMALLINT SOME
        SPACE SQL SQLCODE SQLERROR SQLSTATE SQRT SUBSTRING SUM SYSTEM_USER TABLE TAN TEMPORARY THEN TIME TIMESTAMP
        TIMEZONE_HOUR TIMEZONE_MINUTE TO TOP TRAILING TRANSACTION TRANSLATE TRANSLATION TRIM TRUE TRUNCATE UNION
        UNIQUE UNKNOWN UPDATE UPPER USAGE USER USING VALUE VALUES VARCHAR VARYING VIEW WHEN WHENEVER WHERE WITH
        WORK WRITE YEAR ZONE
        """.split(whereSeparator: \.isWhitespace).map(String.init))

    /// Whether `name` is reserved (any case).
    public static func contains(_ name: String) -> Bool { all.contains(name.uppercased()) }

    /// `name` as a query must write it: delimited (`"key"`) when it is reserved or not a regular
    /// identifier (a letter, then letters, digits and underscores), else as it is.
    public static func written(_ name: String) -> String {
        let scalars = Array(name.unicodeScalars)
        let regular = !scalars.isEmpty && scalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
            && scalars[0].properties.isAlphabetic
        if regular && !contains(name) { return name }
        return "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
