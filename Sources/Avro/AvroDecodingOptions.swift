/// Limits that keep decoding of hostile input bounded in time, memory and stack.
///
/// Lengths and counts from the wire are always checked against the bytes remaining. These limits cover
/// what that check cannot: collections of items that take no bytes (an array of nulls can claim 2^62
/// items in ten bytes) and nesting of recursive types.
public struct AvroDecodingOptions: Sendable, Equatable {
    /// Deepest nesting of records, arrays, maps and unions in one value. Default 64.
    public var maximumDepth: Int
    /// Most items (array elements or map entries) in one collection. Default 1,000,000.
    public var maximumItemsPerCollection: Int
    /// Most items in all collections of one message together. Default 10,000,000.
    public var maximumItemsPerMessage: Int
    /// Whether bytes after the top-level value are accepted (ignored) rather than an error. Default false:
    /// in a Confluent frame the body is exactly one value, so extra bytes mean a wrong schema.
    public var allowsTrailingBytes: Bool

    public init(
        maximumDepth: Int = 64, maximumItemsPerCollection: Int = 1_000_000,
        maximumItemsPerMessage: Int = 10_000_000, allowsTrailingBytes: Bool = false
    ) {
        self.maximumDepth = maximumDepth
        self.maximumItemsPerCollection = maximumItemsPerCollection
        self.maximumItemsPerMessage = maximumItemsPerMessage
        self.allowsTrailingBytes = allowsTrailingBytes
    }
}
