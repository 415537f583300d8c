import JSON

/// Turns schema JSON into an ``AvroType`` tree, applying the specification's name rules and rejecting
/// anything the decoder could not handle safely.
struct SchemaParser {
    /// Named types defined so far, by full name. A record is entered before its fields are parsed, so its
    /// fields can refer to it (recursive types).
    private(set) var definitions: [String: AvroType] = [:]

    /// Parses one type. `namespace` is the namespace of the nearest enclosing named type.
    mutating func parse(_ json: JSONValue, namespace: String?, depth: Int) throws(AvroError) -> AvroType {
        guard depth < AvroSchema.maximumDepth else {
            throw AvroError(.tooDeep, "types nested deeper than \(AvroSchema.maximumDepth) levels")
        }
        switch json {
        case .string(let name):
            return try reference(name, namespace: namespace)
        case .array(let branches):
            return try union(branches, namespace: namespace, depth: depth)
        case .object:
            guard case .string(let typeName)? = json["type"] else {
                throw AvroError(.invalidSchema, "a schema object needs a \"type\" string")
            }
            switch typeName {
            case "record", "error": return try record(json, namespace: namespace, depth: depth)
            case "enum": return try enumeration(json, namespace: namespace)
            case "fixed": return try fixed(json, namespace: namespace)
            case "array":
                guard let items = json["items"] else { throw AvroError(.invalidSchema, "an array needs \"items\"") }
                do throws(AvroError) { return .array(items: try parse(items, namespace: namespace, depth: depth + 1)) } catch {
                    throw error.within("array items")
                }
            case "map":
                guard let values = json["values"] else { throw AvroError(.invalidSchema, "a map needs \"values\"") }
                do throws(AvroError) { return .map(values: try parse(values, namespace: namespace, depth: depth + 1)) } catch {
                    throw error.within("map values")
                }
            default:
                // A primitive with attributes (`{"type": "long", "logicalType": "timestamp-millis"}`: logical
                // types decode as their underlying type) or a named type written as an object.
                return try reference(typeName, namespace: namespace)
            }
        default:
            throw AvroError(.invalidSchema, "a schema is a string, an object or an array, not \(json.describedType)")
        }
    }

    /// A primitive type or a use of a named type defined earlier. A name without dots is looked up in the
    /// enclosing namespace first, then in the null namespace (as the Java implementation does).
    private func reference(_ name: String, namespace: String?) throws(AvroError) -> AvroType {
        if let primitive = AvroType(primitiveName: name) { return primitive }
        if name.contains(".") {
            if definitions[name] != nil { return .reference(name) }
        } else {
            if let namespace, definitions[namespace + "." + name] != nil { return .reference(namespace + "." + name) }
            if definitions[name] != nil { return .reference(name) }
        }
        throw AvroError(.unknownType, "unknown type \(AvroError.quoted(name))")
    }

    private mutating func union(_ branches: [JSONValue], namespace: String?, depth: Int) throws(AvroError) -> AvroType {
        var types: [AvroType] = []
        var seen = Set<String>()
        for (index, branch) in branches.enumerated() {
            do throws(AvroError) {
                if case .array = branch { throw AvroError(.nestedUnion, "a union cannot directly contain a union") }
                let type = try parse(branch, namespace: namespace, depth: depth + 1)
                // Unnamed types may appear once each; named types once per full name.
                let key = type.fullName ?? Self.kindName(type)
                guard seen.insert(key).inserted else {
                    throw AvroError(.duplicateUnionBranch, "the union already has a \(key) branch")
                }
                types.append(type)
            } catch {
                throw error.within("union branch \(index)")
            }
        }
        return .union(types)
    }

    private static func kindName(_ type: AvroType) -> String {
        switch type {
        case .array: return "array"
        case .map: return "map"
        default: return type.description
        }
    }

    /// Reads `name` and `namespace`, and checks the name is not taken.
    private func definedName(_ json: JSONValue, namespace: String?, kind: String) throws(AvroError) -> AvroName {
        guard case .string(let nameText)? = json["name"] else {
            throw AvroError(.invalidSchema, "a \(kind) needs a \"name\" string")
        }
        var namespaceAttribute: String?
        switch json["namespace"] {
        case nil, .null?: namespaceAttribute = nil
        case .string(let text)?: namespaceAttribute = text
        default: throw AvroError(.invalidSchema, "\"namespace\" must be a string")
        }
        let name = try AvroNames.definedName(nameText, namespaceAttribute: namespaceAttribute, enclosing: namespace)
        guard definitions[name.fullName] == nil else {
            throw AvroError(.duplicateName, "\(name.fullName) is defined twice")
        }
        return name
    }

    private mutating func record(_ json: JSONValue, namespace: String?, depth: Int) throws(AvroError) -> AvroType {
        let name = try definedName(json, namespace: namespace, kind: "record")
        do throws(AvroError) {
            guard case .array(let fieldsJSON)? = json["fields"] else {
                throw AvroError(.invalidSchema, "a record needs a \"fields\" array")
            }
            // Entered first so the fields can refer to the record itself; replaced below.
            definitions[name.fullName] = .record(AvroRecordSchema(name: name, fields: []))
            var fields: [AvroField] = []
            fields.reserveCapacity(fieldsJSON.count)
            var fieldNames = Set<String>()
            for fieldJSON in fieldsJSON {
                let field = try self.field(fieldJSON, namespace: name.namespace, depth: depth)
                guard fieldNames.insert(field.name).inserted else {
                    throw AvroError(.duplicateField, "field \(AvroError.quoted(field.name)) appears twice")
                }
                fields.append(field)
            }
            let record = AvroType.record(AvroRecordSchema(name: name, fields: fields))
            definitions[name.fullName] = record
            return record
        } catch {
            throw error.within("record \(name.fullName)")
        }
    }

    private mutating func field(_ json: JSONValue, namespace: String?, depth: Int) throws(AvroError) -> AvroField {
        guard case .object = json else { throw AvroError(.invalidSchema, "a field is an object, not \(json.describedType)") }
        guard case .string(let name)? = json["name"] else { throw AvroError(.invalidSchema, "a field needs a \"name\" string") }
        do throws(AvroError) {
            guard AvroNames.isValidSimpleName(name) else {
                throw AvroError(.invalidName, "invalid field name: names match [A-Za-z_][A-Za-z0-9_]*")
            }
            guard let typeJSON = json["type"] else { throw AvroError(.invalidSchema, "a field needs a \"type\"") }
            let type = try parse(typeJSON, namespace: namespace, depth: depth + 1)
            let defaultValue = json["default"].flatMap { DefaultValues.value($0, as: type, definitions: definitions) }
            return AvroField(name: name, type: type, defaultValue: defaultValue)
        } catch {
            throw error.within("field " + String(name.prefix(128)))
        }
    }

    private mutating func enumeration(_ json: JSONValue, namespace: String?) throws(AvroError) -> AvroType {
        let name = try definedName(json, namespace: namespace, kind: "enum")
        do throws(AvroError) {
            guard case .array(let symbolsJSON)? = json["symbols"] else {
                throw AvroError(.invalidSchema, "an enum needs a \"symbols\" array")
            }
            var symbols: [String] = []
            var seen = Set<String>()
            for symbolJSON in symbolsJSON {
                guard case .string(let symbol) = symbolJSON else {
                    throw AvroError(.invalidSchema, "enum symbols are strings, not \(symbolJSON.describedType)")
                }
                guard AvroNames.isValidSimpleName(symbol) else {
                    throw AvroError(.invalidName, "invalid enum symbol \(AvroError.quoted(symbol))")
                }
                guard seen.insert(symbol).inserted else {
                    throw AvroError(.duplicateName, "enum symbol \(AvroError.quoted(symbol)) appears twice")
                }
                symbols.append(symbol)
            }
            var defaultSymbol: String?
            if let defaultJSON = json["default"] {
                guard case .string(let symbol) = defaultJSON, seen.contains(symbol) else {
                    throw AvroError(.invalidSchema, "the enum default must be one of its symbols")
                }
                defaultSymbol = symbol
            }
            let enumeration = AvroType.enumeration(AvroEnumSchema(name: name, symbols: symbols, defaultSymbol: defaultSymbol))
            definitions[name.fullName] = enumeration
            return enumeration
        } catch {
            throw error.within("enum \(name.fullName)")
        }
    }

    private mutating func fixed(_ json: JSONValue, namespace: String?) throws(AvroError) -> AvroType {
        let name = try definedName(json, namespace: namespace, kind: "fixed")
        do throws(AvroError) {
            guard case .number(let sizeText)? = json["size"] else {
                throw AvroError(.invalidSchema, "a fixed needs a numeric \"size\"")
            }
            // Java's implementation holds sizes in an int; anything larger is not a real schema.
            guard let size = Int32(sizeText), size >= 0 else {
                throw AvroError(.invalidSize, "fixed size \(sizeText.prefix(32)) is not an integer in 0...\(Int32.max)")
            }
            let fixed = AvroType.fixed(AvroFixedSchema(name: name, size: Int(size)))
            definitions[name.fullName] = fixed
            return fixed
        } catch {
            throw error.within("fixed \(name.fullName)")
        }
    }
}
