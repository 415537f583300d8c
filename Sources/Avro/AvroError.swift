/// Why a schema, a message or a registry answer could not be used.
///
/// Every error says what kind of failure it is (callers branch on ``kind``), where in the schema it happened
/// (``path``, outermost first, e.g. `record lsst.sal.MTMount.encoder / field azimuth`) and, for binary data,
/// the byte ``offset`` in the Avro body where the bad item starts. Messages never contain credentials and
/// quote at most a short prefix of data from the wire, so errors are safe to log and to store in the
/// dead-letter table.
public struct AvroError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        // Schema text.
        /// The schema (or a registry answer) is not valid JSON.
        case invalidJSON
        /// The JSON is not a valid Avro schema (missing or mistyped attribute, bad default, ...).
        case invalidSchema
        /// A type name that is neither primitive nor a named type defined before its use.
        case unknownType
        /// A record, enum, fixed, field or symbol name that breaks the Avro name rules.
        case invalidName
        /// A named type defined twice, or an enum symbol listed twice.
        case duplicateName
        /// Two fields of one record with the same name.
        case duplicateField
        /// Two union branches of the same unnamed type (or the same named type).
        case duplicateUnionBranch
        /// A union directly inside a union.
        case nestedUnion
        /// A fixed with a negative or absurd size.
        case invalidSize
        /// Schema or value nesting deeper than the configured limit.
        case tooDeep

        // Binary data.
        /// The data ends before the value does.
        case truncated
        /// A negative length for bytes or a string, or a negative block byte size.
        case invalidLength
        /// A varint longer than 10 bytes, or whose tenth byte overflows 64 bits.
        case invalidVarint
        /// An int varint that does not fit in 32 bits.
        case intOverflow
        /// A boolean byte other than 0 or 1.
        case invalidBoolean
        /// A union branch index outside the union.
        case unionBranchOutOfRange
        /// An enum index outside the symbols.
        case enumIndexOutOfRange
        /// A string that is not valid UTF-8.
        case invalidUTF8
        /// More collection items than the decoding options allow.
        case limitExceeded
        /// A block whose items did not fill exactly the byte size its header announced.
        case blockSizeMismatch
        /// Bytes left over after the top-level value.
        case trailingBytes

        // Values given to the encoder or reader.
        /// A value that does not match the schema it is encoded with.
        case valueMismatch
        /// An argument that makes no sense for the schema (e.g. a reader over a non-record schema).
        case invalidArgument

        // Confluent framing.
        /// Fewer than the 5 bytes of the Confluent header.
        case frameTooShort
        /// A first byte other than the Confluent magic byte 0.
        case invalidMagicByte

        // Schema registry.
        /// The registry does not know this schema id (HTTP 404, error code 40403).
        case unknownSchemaID
        /// The registry does not know this subject or version (error codes 40401, 40402).
        case unknownSubject
        /// The registry holds a schema that is not Avro (PROTOBUF, JSON) or uses schema references.
        case unsupportedSchemaType
        /// The registry answered with a status we do not retry (401, 403, 422, ...).
        case registryRejected
        /// The registry's answer is not the JSON it documents.
        case invalidRegistryResponse
        /// The registry stayed unreachable, or answered 5xx or 429, through every retry.
        case registryUnavailable
        /// The task waiting for the registry was cancelled.
        case cancelled
    }

    public var kind: Kind
    public var message: String
    /// Where in the schema the error happened, outermost first.
    public var path: [String]
    /// Byte offset in the decoded body where the failing item starts, for errors in binary data.
    public var offset: Int?

    public init(_ kind: Kind, _ message: String, path: [String] = [], offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.offset = offset
    }

    /// ``path`` as text: `record lsst.sal.MTMount.encoder / field azimuth`.
    public var pathDescription: String { path.joined(separator: " / ") }

    public var description: String {
        var text = "AvroError(\(kind.rawValue))"
        if let offset { text += " at byte \(offset)" }
        if !path.isEmpty { text += " in \(pathDescription)" }
        return text + ": " + message
    }

    /// The same error seen from one level further out: `component` goes in front of the path. Decoders
    /// add context this way while the error propagates, so the happy path never builds path strings.
    func within(_ component: String) -> AvroError {
        var copy = self
        copy.path.insert(component, at: 0)
        return copy
    }

    func within(_ outer: String, _ inner: String) -> AvroError {
        var copy = self
        copy.path.insert(contentsOf: [outer, inner], at: 0)
        return copy
    }
}

extension AvroError {
    /// A quoted prefix of untrusted text for messages and paths, so hostile input cannot blow up a log line.
    static func quoted(_ text: String, limit: Int = 64) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { result += "..."; break }
            if scalar.value < 0x20 || scalar == "\"" || scalar == "\\" {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result + "\""
    }
}
