/// One Avro type, as a node of a parsed schema.
///
/// A named type (record, enum, fixed) appears in full where the schema text defines it; every later use,
/// including a record's use of itself, is a ``reference(_:)`` to its full name, resolved through the
/// ``AvroSchema`` that owns the tree. That keeps recursive types (a linked list) a finite tree.
/// Logical types (`timestamp-millis`, `decimal`, ...) are parsed as their underlying type.
public indirect enum AvroType: Sendable, Equatable, CustomStringConvertible {
    case null
    case boolean
    case int
    case long
    case float
    case double
    case bytes
    case string
    case record(AvroRecordSchema)
    case enumeration(AvroEnumSchema)
    case array(items: AvroType)
    case map(values: AvroType)
    case union([AvroType])
    case fixed(AvroFixedSchema)
    /// A use of the named type with this full name, defined elsewhere in the schema.
    case reference(String)

    /// The primitive type with this Avro name, if it is one.
    public init?(primitiveName name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "int": self = .int
        case "long": self = .long
        case "float": self = .float
        case "double": self = .double
        case "bytes": self = .bytes
        case "string": self = .string
        default: return nil
        }
    }

    /// The full name of a named type or of a reference, `nil` for the others.
    public var fullName: String? {
        switch self {
        case .record(let record): return record.name.fullName
        case .enumeration(let enumeration): return enumeration.name.fullName
        case .fixed(let fixed): return fixed.name.fullName
        case .reference(let name): return name
        default: return nil
        }
    }

    /// Short text for messages: `int`, `record lsst.sal.MTMount.encoder`, `array<double>`, `union[null, double]`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .bytes: return "bytes"
        case .string: return "string"
        case .record(let record): return "record \(record.name.fullName)"
        case .enumeration(let enumeration): return "enum \(enumeration.name.fullName)"
        case .array(let items): return "array<\(items)>"
        case .map(let values): return "map<\(values)>"
        case .union(let branches): return "union[\(branches.map(\.description).joined(separator: ", "))]"
        case .fixed(let fixed): return "fixed \(fixed.name.fullName)"
        case .reference(let name): return name
        }
    }
}

/// The name of a record, enum or fixed: a simple name in an optional namespace.
public struct AvroName: Sendable, Hashable, CustomStringConvertible {
    /// The simple name, without namespace.
    public var name: String
    /// The namespace, `nil` for the null namespace.
    public var namespace: String?

    public init(name: String, namespace: String?) {
        self.name = name
        self.namespace = namespace
    }

    /// `namespace.name`, or `name` in the null namespace.
    public var fullName: String {
        guard let namespace else { return name }
        return namespace + "." + name
    }

    public var description: String { fullName }
}

/// A record type: named fields, encoded one after another with nothing between them.
public struct AvroRecordSchema: Sendable, Equatable {
    public var name: AvroName
    /// Fields in schema order, which is the order they have on the wire.
    public var fields: [AvroField]

    public init(name: AvroName, fields: [AvroField]) {
        self.name = name
        self.fields = fields
    }

    /// The index of the field called `name`.
    public func fieldIndex(_ name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }
}

/// One field of a record. Aliases, `doc`, `order` and SAL's `description`/`units` attributes are not kept.
public struct AvroField: Sendable, Equatable {
    public var name: String
    public var type: AvroType
    /// The schema's default for the field, when it has one that matches the field's type. Decoding never
    /// needs it (the writer's schema is always complete); the encoder fills missing fields from it.
    /// A default that does not match its type is dropped rather than rejected, since registries accept
    /// such schemas and decoding does not depend on it.
    public var defaultValue: AvroValue?

    public init(name: String, type: AvroType, defaultValue: AvroValue? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
    }
}

/// An enum type: a value is the index of one of its symbols.
public struct AvroEnumSchema: Sendable, Equatable {
    public var name: AvroName
    public var symbols: [String]
    /// The symbol readers use for unknown symbols (schema resolution); informational here.
    public var defaultSymbol: String?

    public init(name: AvroName, symbols: [String], defaultSymbol: String? = nil) {
        self.name = name
        self.symbols = symbols
        self.defaultSymbol = defaultSymbol
    }
}

/// A fixed type: every value is exactly `size` bytes.
public struct AvroFixedSchema: Sendable, Equatable {
    public var name: AvroName
    /// Number of bytes of every value.
    public var size: Int

    public init(name: AvroName, size: Int) {
        self.name = name
        self.size = size
    }
}
