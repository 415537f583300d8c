/// How a column's PostgreSQL text values become VOTable values: what is parsed, and what is written.
public enum ValueKind: Sendable, Hashable {
    /// `t`/`f` → `T`/`F` (`boolean`).
    case boolean
    /// 16-, 32- and 64-bit integers (`short`, `int`, `long`).
    case short, int, long
    /// IEEE single and double (`float`, `double`); `NaN`, `Infinity`, `-Infinity` kept.
    case float, double
    /// Any text, written as it is (`char`, `arraysize="*"`, UTF-8).
    case text
    /// `timestamp`: ISO 8601 with a `T`, no zone (`xtype="timestamp"`).
    case timestamp
    /// `timestamptz`: converted to UTC, ISO 8601 with a `T` and a `Z` (`xtype="timestamp"`).
    case timestampUTC
    /// `date`: `YYYY-MM-DD` (`xtype="timestamp"`, which DALI allows without a time).
    case date
    /// `time`: `hh:mm:ss[.fff]` text.
    case time
    /// pgSphere `spoint` (radians) → `double[2]` in degrees, `xtype="point"`.
    case point
    /// pgSphere `scircle` → `double[3]` (centre and radius) in degrees, `xtype="circle"`.
    case circle
    /// pgSphere `spoly` → `double[*]` (vertices) in degrees, `xtype="polygon"`.
    case polygon
    /// pgSphere `sbox` → `double[4]` (south-west and north-east corners) in degrees; DALI has no box xtype.
    case box
    /// `bytea` in PostgreSQL's hex output (`\x…`) → `unsignedByte[*]`.
    case bytes
    /// One-dimensional arrays of numbers (`{1,2,3}`) → `short[*]`, `int[*]`, `long[*]`, `float[*]`, `double[*]`.
    case shortArray, intArray, longArray, floatArray, doubleArray
}
