/// The Confluent wire format of a Kafka message value: magic byte 0, the schema id as a 4-byte big-endian
/// integer, then the Avro body with no container header.
public enum ConfluentFrame {
    public static let magicByte: UInt8 = 0
    /// Bytes before the body.
    public static let headerSize = 5

    /// The schema id and the body of a framed message, without copying.
    public static func parse(_ message: UnsafeRawBufferPointer) throws(AvroError) -> (schemaID: UInt32, body: UnsafeRawBufferPointer) {
        guard message.count >= headerSize else {
            throw AvroError(.frameTooShort, "\(message.count) bytes is shorter than the 5-byte Confluent header", offset: 0)
        }
        guard message[0] == magicByte else {
            throw AvroError(.invalidMagicByte, "first byte \(message[0]) is not the Confluent magic byte 0", offset: 0)
        }
        let schemaID = UInt32(message[1]) << 24 | UInt32(message[2]) << 16 | UInt32(message[3]) << 8 | UInt32(message[4])
        return (schemaID, UnsafeRawBufferPointer(rebasing: message[headerSize...]))
    }

    /// The schema id and the body of a framed message; the body shares the message's storage.
    public static func parse(_ message: [UInt8]) throws(AvroError) -> (schemaID: UInt32, body: ArraySlice<UInt8>) {
        let schemaID = try message.withUnsafeBytes { buffer in
            Result { () throws(AvroError) in try parse(buffer).schemaID }
        }.get()
        return (schemaID, message[headerSize...])
    }

    /// The 5-byte header for `schemaID`.
    public static func header(schemaID: UInt32) -> [UInt8] {
        [magicByte, UInt8(schemaID >> 24), UInt8(truncatingIfNeeded: schemaID >> 16),
         UInt8(truncatingIfNeeded: schemaID >> 8), UInt8(truncatingIfNeeded: schemaID)]
    }

    /// A framed message: header, then `body`.
    public static func build(schemaID: UInt32, body: some Sequence<UInt8>) -> [UInt8] {
        var message = header(schemaID: schemaID)
        message.append(contentsOf: body)
        return message
    }
}
