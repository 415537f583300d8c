/// What a Felis file says about a column for TAP clients, beyond its datatype: the `votable:` and `tap:`
/// keys. Every field is optional; ``TAPSchemaRows`` fills in what Rubin's felis tool would when a key
/// is absent (an `arraysize` from the length, `xtype` "timestamp" for timestamps, 0 for the flags).
public struct FelisTAPColumn: Sendable, Equatable {
    /// `votable:arraysize`, e.g. `"64*"`, `"*"`, `"3"` (an integer in the file is read as its text).
    public var arraysize: String?
    /// `votable:xtype`, e.g. `timestamp`.
    public var xtype: String?
    /// `votable:utype`.
    public var utype: String?
    /// `tap:principal`: 0 or 1.
    public var principal: Int?
    /// `tap:std`: 0 or 1.
    public var std: Int?
    /// `tap:column_index`: the recommended listing order within the table.
    public var columnIndex: Int?

    public init(arraysize: String? = nil, xtype: String? = nil, utype: String? = nil, principal: Int? = nil, std: Int? = nil, columnIndex: Int? = nil) {
        self.arraysize = arraysize
        self.xtype = xtype
        self.utype = utype
        self.principal = principal
        self.std = std
        self.columnIndex = columnIndex
    }

    /// Why `text` is not a VOTable array shape (`n`, `n*`, `*`, or several of those joined by `x`, only
    /// the last one variable), or nil when it is one.
    public static func problem(withArraysize text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return "an arraysize must be 1 to 64 characters" }
        let dimensions = text.split(separator: "x", omittingEmptySubsequences: false)
        for (position, dimension) in dimensions.enumerated() {
            var digits = Substring(dimension)
            if digits.hasSuffix("*") {
                guard position == dimensions.count - 1 else { return "only the last dimension of an arraysize may be variable ('*')" }
                digits = digits.dropLast()
                if digits.isEmpty { continue }
            }
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(digits), value > 0 else {
                return "an arraysize is n, n*, or * (dimensions joined by 'x'), with n a positive integer"
            }
        }
        return nil
    }
}
