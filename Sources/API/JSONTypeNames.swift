import JSON

extension JSONValue {
    /// The JSON type as the API's flexible-metadata dtypes name it (`int`, `float`, `str`, ...), for
    /// error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number(let text): return JSONValue.isIntegerText(text) ? "int" : "float"
        case .string: return "str"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
