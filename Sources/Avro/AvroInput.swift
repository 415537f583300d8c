import JSON

/// A cursor over one Avro body that reads the binary encoding's primitives.
///
/// Every read checks the bytes remaining before touching memory, and every length or count from the wire
/// is checked against what remains (and against ``AvroDecodingOptions``) before anything is allocated or
/// looped over. Errors carry the offset where the failing item starts.
struct AvroInput {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0
    let options: AvroDecodingOptions
    /// Collection items admitted so far in this message.
    private var itemsAdmitted = 0

    init(_ bytes: UnsafeRawBufferPointer, options: AvroDecodingOptions) {
        self.bytes = bytes
        self.options = options
    }

    var remaining: Int { bytes.count - offset }

    func error(_ kind: AvroError.Kind, _ message: String, at position: Int? = nil) -> AvroError {
        AvroError(kind, message, offset: position ?? offset)
    }

    func checkDepth(_ depth: Int) throws(AvroError) {
        guard depth < options.maximumDepth else {
            throw error(.tooDeep, "value nested deeper than \(options.maximumDepth) levels")
        }
    }

    /// Fails unless every byte was used (or trailing bytes are allowed).
    func checkEnd() throws(AvroError) {
        guard remaining == 0 || options.allowsTrailingBytes else {
            throw error(.trailingBytes, "\(remaining) bytes after the end of the value")
        }
    }

    // MARK: Primitives

    /// A zig-zag varint of up to 10 bytes.
    mutating func readLong() throws(AvroError) -> Int64 {
        let start = offset
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw error(.truncated, "the data ends inside a varint", at: start) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 {
                // The tenth byte holds bit 63 only.
                guard byte & 0x80 == 0 else { throw error(.invalidVarint, "varint longer than 10 bytes", at: start) }
                guard byte <= 1 else { throw error(.invalidVarint, "varint overflows 64 bits", at: start) }
            }
            raw |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A zig-zag varint of up to 5 bytes that fits in 32 bits.
    mutating func readInt() throws(AvroError) -> Int32 {
        let start = offset
        var raw: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard offset < bytes.count else { throw error(.truncated, "the data ends inside a varint", at: start) }
            let byte = bytes[offset]
            offset += 1
            if shift == 28 {
                // The fifth byte holds bits 28-31 only; a continuation or higher bits overflow an int.
                guard byte <= 0x0F else { throw error(.intOverflow, "int varint does not fit in 32 bits", at: start) }
            }
            raw |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func readBoolean() throws(AvroError) -> Bool {
        guard offset < bytes.count else { throw error(.truncated, "the data ends before a boolean") }
        let byte = bytes[offset]
        guard byte <= 1 else { throw error(.invalidBoolean, "boolean byte \(byte) is neither 0 nor 1") }
        offset += 1
        return byte == 1
    }

    mutating func readFloat() throws(AvroError) -> Float {
        guard remaining >= 4 else { throw error(.truncated, "the data ends inside a float") }
        let bits = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        offset += 4
        return Float(bitPattern: bits)
    }

    mutating func readDouble() throws(AvroError) -> Double {
        guard remaining >= 8 else { throw error(.truncated, "the data ends inside a double") }
        let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        offset += 8
        return Double(bitPattern: bits)
    }

    /// The length prefix of bytes or a string, checked against the bytes remaining.
    mutating func readLength() throws(AvroError) -> Int {
        let start = offset
        let length = try readLong()
        guard length >= 0 else { throw error(.invalidLength, "negative length \(length)", at: start) }
        guard length <= remaining else {
            throw error(.truncated, "length \(length) exceeds the \(remaining) bytes remaining", at: start)
        }
        return Int(length)
    }

    /// `count` bytes, already checked to be available.
    private mutating func take(_ count: Int) -> UnsafeRawBufferPointer {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        offset += count
        return slice
    }

    mutating func readBytes() throws(AvroError) -> [UInt8] {
        let length = try readLength()
        return Array(take(length))
    }

    mutating func readFixed(size: Int) throws(AvroError) -> [UInt8] {
        guard size <= remaining else { throw error(.truncated, "fixed of \(size) bytes exceeds the \(remaining) remaining") }
        return Array(take(size))
    }

    mutating func readString() throws(AvroError) -> String {
        let start = offset
        let length = try readLength()
        let utf8 = take(length)
        guard UTF8Validation.isValid(utf8) else { throw error(.invalidUTF8, "string is not valid UTF-8", at: start) }
        return String(unsafeUninitializedCapacity: length) { buffer in
            guard let target = buffer.baseAddress, let source = utf8.baseAddress else { return 0 }
            UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: length)
            return length
        }
    }

    /// Skips bytes or a string without looking at its content.
    mutating func skipLengthPrefixed() throws(AvroError) {
        offset += try readLength()
    }

    mutating func skip(_ count: Int) throws(AvroError) {
        guard count <= remaining else { throw error(.truncated, "\(count) bytes needed, \(remaining) remaining") }
        offset += count
    }

    /// An index into `count` choices (enum symbol or union branch), bounds-checked.
    mutating func readIndex(below count: Int, long: Bool, kind: AvroError.Kind, what: String) throws(AvroError) -> Int {
        let start = offset
        let index = long ? try readLong() : Int64(try readInt())
        guard index >= 0, index < count else {
            throw error(kind, "\(what) index \(index) is outside 0..<\(count)", at: start)
        }
        return Int(index)
    }

    // MARK: Blocks of arrays and maps

    /// One block header of an array or map, after every check: `count` items follow, and when the writer
    /// gave the block's byte size, they end at `end`.
    struct Block {
        var count: Int
        var end: Int?
        var size: Int
        var start: Int
    }

    /// Reads the next block header of a collection that has `collected` items so far, whose items take at
    /// least `minimumItemSize` bytes each. Returns `nil` at the terminating zero count.
    mutating func readBlock(collected: Int, minimumItemSize: Int) throws(AvroError) -> Block? {
        let start = offset
        var count = try readLong()
        if count == 0 { return nil }
        var end: Int?
        if count < 0 {
            // A negative count is followed by the block's size in bytes, so readers can skip it.
            guard count != .min else { throw error(.invalidLength, "block count \(count) has no positive form", at: start) }
            count = -count
            let sizeStart = offset
            let size = try readLong()
            guard size >= 0 else { throw error(.invalidLength, "negative block size \(size)", at: sizeStart) }
            guard size <= remaining else {
                throw error(.truncated, "block size \(size) exceeds the \(remaining) bytes remaining", at: sizeStart)
            }
            end = offset + Int(size)
        }
        let size = end.map { $0 - offset } ?? 0
        let available = (end ?? bytes.count) - offset
        if minimumItemSize > 0, count > available / minimumItemSize {
            throw error(.truncated, "block of \(count) items needs at least \(minimumItemSize) bytes each, \(available) remain", at: start)
        }
        guard count <= options.maximumItemsPerCollection - collected else {
            throw error(.limitExceeded, "block of \(count) items passes the limit of \(options.maximumItemsPerCollection) items per collection", at: start)
        }
        guard count <= options.maximumItemsPerMessage - itemsAdmitted else {
            throw error(.limitExceeded, "block of \(count) items passes the limit of \(options.maximumItemsPerMessage) items per message", at: start)
        }
        itemsAdmitted += Int(count)
        return Block(count: Int(count), end: end, size: size, start: start)
    }

    /// Checks that a block with a byte size was used exactly.
    func finishBlock(_ block: Block) throws(AvroError) {
        guard let end = block.end, end != offset else { return }
        throw error(.blockSizeMismatch, "block announced \(block.size) bytes but its items took \(offset - (end - block.size))", at: block.start)
    }

    /// Capacity to reserve for `count` more items: never more than the remaining bytes could hold.
    func reservation(for count: Int, minimumItemSize: Int) -> Int {
        min(count, remaining / max(minimumItemSize, 1))
    }

    /// Jumps over a block whose byte size is known, without reading its items.
    mutating func skipBlock(_ block: Block) -> Bool {
        guard let end = block.end else { return false }
        offset = end
        return true
    }
}
