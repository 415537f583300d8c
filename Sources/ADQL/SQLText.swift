/// How names and strings are spelled in the PostgreSQL text we produce.
enum SQLText {
    /// Always quoted, `"` doubled: the name can never end the quote or be read as a keyword.
    static func identifier(_ name: String) -> String {
        "\"" + (name.contains("\"") ? name.replacing("\"", with: "\"\"") : name) + "\""
    }

    /// A string constant. With a backslash in it, the escape-string form, whose meaning does not
    /// depend on the server's `standard_conforming_strings`.
    static func string(_ value: String) -> String {
        if value.contains("\\") {
            return "E'" + value.replacing("\\", with: "\\\\").replacing("'", with: "''") + "'"
        }
        return "'" + (value.contains("'") ? value.replacing("'", with: "''") : value) + "'"
    }
}
