/// Strict UTF-8 validation (Unicode 15, table 3-7): no overlong forms, no surrogates, nothing above
/// U+10FFFF. The standard library's validating initialisers need macOS 15; this one works on raw buffers
/// from any source without copying them first. The tree parser, Avro's string decoder and the InfluxDB
/// answer scanner all check text with it.
public enum UTF8Validation {
    /// What starts at a byte of 0x80 or more.
    public enum Sequence: Equatable, Sendable {
        /// A well-formed sequence of this many bytes.
        case valid(length: Int)
        /// Not a lead byte, or a byte after it out of range.
        case invalid
        /// A lead byte whose sequence runs past the end of the data.
        case cutShort
    }

    /// The multi-byte sequence whose lead byte (0x80 or more) is `base[index]`, within `count` bytes.
    @inlinable @inline(__always)
    public static func sequence(at index: Int, in base: UnsafePointer<UInt8>, count: Int) -> Sequence {
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch base[index] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .invalid
        }
        guard count - index >= length else { return .cutShort }
        let second = base[index + 1]
        guard second >= low, second <= high else { return .invalid }
        var position = index + 2
        while position < index + length {
            guard base[position] & 0xC0 == 0x80 else { return .invalid }
            position += 1
        }
        return .valid(length: length)
    }

    /// True when all of `bytes` is well-formed UTF-8.
    @inlinable
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // ASCII runs are the common case (SAL strings are mostly ASCII): check eight bytes at a time.
            if index + 8 <= count,
               bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            if base[index] < 0x80 {
                index += 1
                continue
            }
            guard case .valid(let length) = sequence(at: index, in: base, count: count) else { return false }
            index += length
        }
        return true
    }

    @inlinable
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        isValid(UnsafeRawBufferPointer(bytes))
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValid($0) }
    }
}
