/// One column of a result: a VOTable `FIELD`, and how its values are written.
public struct ResultField: Sendable, Hashable {
    public var name: String
    /// The VOTable datatype (`boolean`, `short`, `int`, `long`, `float`, `double`, `char`, `unsignedByte`).
    public var datatype: String
    /// `nil` for a scalar, `"*"` for variable length, `"2"` for a fixed length.
    public var arraysize: String?
    public var xtype: String?
    public var unit: String?
    public var ucd: String?
    public var utype: String?
    public var description: String?
    public var kind: ValueKind

    public init(
        name: String, datatype: String, arraysize: String? = nil, xtype: String? = nil, unit: String? = nil,
        ucd: String? = nil, utype: String? = nil, description: String? = nil, kind: ValueKind
    ) {
        self.name = name
        self.datatype = datatype
        self.arraysize = arraysize
        self.xtype = xtype
        self.unit = unit
        self.ucd = ucd
        self.utype = utype
        self.description = description
        self.kind = kind
    }

    /// The field with the given kind's datatype, arraysize and xtype.
    public init(name: String, kind: ValueKind) {
        let (datatype, arraysize, xtype): (String, String?, String?) =
            switch kind {
            case .boolean: ("boolean", nil, nil)
            case .short: ("short", nil, nil)
            case .int: ("int", nil, nil)
            case .long: ("long", nil, nil)
            case .float: ("float", nil, nil)
            case .double: ("double", nil, nil)
            case .text, .time: ("char", "*", nil)
            case .timestamp, .timestampUTC, .date: ("char", "*", "timestamp")
            case .point: ("double", "2", "point")
            case .circle: ("double", "3", "circle")
            case .polygon: ("double", "*", "polygon")
            case .box: ("double", "4", nil)
            case .bytes: ("unsignedByte", "*", nil)
            case .shortArray: ("short", "*", nil)
            case .intArray: ("int", "*", nil)
            case .longArray: ("long", "*", nil)
            case .floatArray: ("float", "*", nil)
            case .doubleArray: ("double", "*", nil)
            }
        let unit: String? =
            switch kind {
            case .point, .circle, .polygon, .box: "deg"
            default: nil
            }
        self.init(name: name, datatype: datatype, arraysize: arraysize, xtype: xtype, unit: unit, kind: kind)
    }

    /// The field as it must be declared for the bytes its kind writes: a `datatype` or `arraysize` that
    /// does not fit the kind (say a TAP_SCHEMA `int` over a column the query made `numeric`, or a fixed
    /// `char` length over text written with a count) is replaced by the kind's, since a BINARY2 reader
    /// lays out the stream by the FIELDs. A bounded variable length (`64*`) over a variable-length kind
    /// is kept.
    public var consistentWithKind: ResultField {
        let natural = ResultField(name: name, kind: kind)
        var field = self
        field.datatype = natural.datatype
        switch natural.arraysize {
        case nil:
            field.arraysize = nil
        case "*":
            if let size = arraysize, size.hasSuffix("*"), size.dropLast().allSatisfy(\.isASCII), Int(size.dropLast()) ?? 0 > 0 {
                field.arraysize = size
            } else {
                field.arraysize = "*"
            }
        default:
            field.arraysize = natural.arraysize
        }
        return field
    }

    /// Defaults for a PostgreSQL column; `typeName` is pg_type.typname (pgSphere types have no fixed OID:
    /// the caller looks up names like "spoint", "scircle", "spoly", "sbox"). Types without a VOTable
    /// counterpart (json, uuid, interval, text arrays, multi-dimensional arrays …) are `char` text.
    /// The caller adds unit, UCD, utype and description (from TAP_SCHEMA).
    public static func postgres(name: String, typeOID: UInt32, typeName: String?) -> ResultField {
        ResultField(name: name, kind: kind(typeOID: typeOID, typeName: typeName))
    }

    /// The kind of a PostgreSQL type.
    public static func kind(typeOID: UInt32, typeName: String?) -> ValueKind {
        switch typeOID {
        case PGType.bool: return .boolean
        case PGType.int2: return .short
        case PGType.int4: return .int
        case PGType.int8, PGType.oid: return .long
        case PGType.float4: return .float
        case PGType.float8, PGType.numeric: return .double
        case PGType.timestamp: return .timestamp
        case PGType.timestamptz: return .timestampUTC
        case PGType.date: return .date
        case PGType.time: return .time
        case PGType.bytea: return .bytes
        case PGType.int2Array: return .shortArray
        case PGType.int4Array: return .intArray
        case PGType.int8Array: return .longArray
        case PGType.float4Array: return .floatArray
        case PGType.float8Array, PGType.numericArray: return .doubleArray
        default: break
        }
        switch typeName {
        case "spoint": return .point
        case "scircle": return .circle
        case "spoly": return .polygon
        case "sbox": return .box
        default: return .text
        }
    }
}

/// The PostgreSQL type OIDs this module maps (the `Postgres` module's `PostgresType` holds the same
/// numbers; this target stays free of libpq).
enum PGType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let oid: UInt32 = 26
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let date: UInt32 = 1082
    static let time: UInt32 = 1083
    static let timestamp: UInt32 = 1114
    static let timestamptz: UInt32 = 1184
    static let numeric: UInt32 = 1700
    static let int2Array: UInt32 = 1005
    static let int4Array: UInt32 = 1007
    static let int8Array: UInt32 = 1016
    static let float4Array: UInt32 = 1021
    static let float8Array: UInt32 = 1022
    static let numericArray: UInt32 = 1231
}
