/// The Avro naming rules (specification, "Names").
enum AvroNames {
    static let primitiveNames: Set<String> = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]

    /// `[A-Za-z_][A-Za-z0-9_]*`: a simple name (record, enum, fixed, field or enum symbol).
    static func isValidSimpleName(_ name: String) -> Bool {
        var utf8 = name.utf8.makeIterator()
        guard let first = utf8.next(), isLetterOrUnderscore(first) else { return false }
        while let byte = utf8.next() {
            guard isLetterOrUnderscore(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else {
                return false
            }
        }
        return true
    }

    /// A namespace: simple names joined by dots (the empty namespace is handled by the caller).
    static func isValidNamespace(_ namespace: String) -> Bool {
        namespace.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isValidSimpleName(String($0)) }
    }

    private static func isLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    /// The name a named type defines. A `name` with dots is a full name and its own namespace (the
    /// `namespace` attribute is then ignored); otherwise the `namespace` attribute applies, or else the
    /// namespace of the enclosing named type. An empty namespace means the null namespace.
    static func definedName(_ name: String, namespaceAttribute: String?, enclosing: String?) throws(AvroError) -> AvroName {
        let simple: String
        let namespace: String?
        if let dot = name.lastIndex(of: ".") {
            simple = String(name[name.index(after: dot)...])
            namespace = String(name[..<dot])
        } else {
            simple = name
            namespace = namespaceAttribute ?? enclosing
        }
        guard isValidSimpleName(simple) else {
            throw AvroError(.invalidName, "invalid name \(AvroError.quoted(name)): names match [A-Za-z_][A-Za-z0-9_]*")
        }
        guard !primitiveNames.contains(simple) else {
            throw AvroError(.invalidName, "\(AvroError.quoted(simple)) is a primitive type name and cannot name a type")
        }
        guard let namespace, !namespace.isEmpty else { return AvroName(name: simple, namespace: nil) }
        guard isValidNamespace(namespace) else {
            throw AvroError(.invalidName, "invalid namespace \(AvroError.quoted(namespace))")
        }
        return AvroName(name: simple, namespace: namespace)
    }
}
