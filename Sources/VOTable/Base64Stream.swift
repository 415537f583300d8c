/// Base64 encoding of a byte stream that arrives in pieces: the one or two bytes that do not fill a
/// 3-byte group are kept for the next piece, and lines are wrapped at 76 characters counted over the
/// whole stream, so the text does not depend on how the stream was cut.
struct Base64Stream: Sendable {
    static let lineLength = 76
    private static let blockLines = 64
    private var carry: (UInt8, UInt8) = (0, 0)
    private var carried = 0
    private var column = 0

    /// Appends the base64 of `bytes` (after any carried bytes) to `out`, keeping a partial group.
    mutating func encode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var index = 0
        let count = bytes.count
        // Fill the carried group first.
        if carried > 0 {
            while carried < 3 && index < count {
                if carried == 1 { carry.1 = bytes[index] } else { emit(carry.0, carry.1, bytes[index], into: &out) }
                carried += 1
                index += 1
            }
            if carried < 3 { return }
            carried = 0
        }
        // Whole groups go through a stack buffer of whole lines, appended to `out` a block at a time:
        // appending byte by byte costs a capacity check per byte.
        let groupsPerLine = Self.lineLength / 4
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.blockLines * (Self.lineLength + 1)) { block in
            Self.alphabet.withUnsafeBufferPointer { table in
                var used = 0
                while index + 3 <= count {
                    // Room for a line feed and a whole line.
                    if used + Self.lineLength + 1 > block.count {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: block[0..<used]))
                        used = 0
                    }
                    if column == Self.lineLength {
                        block[used] = UInt8(ascii: "\n")
                        used += 1
                        column = 0
                    }
                    // As many groups as fit on this line and in the input.
                    let groups = min(groupsPerLine - column / 4, (count - index) / 3)
                    for _ in 0..<groups {
                        let a = bytes[index], b = bytes[index + 1], c = bytes[index + 2]
                        block[used] = table[Int(a >> 2)]
                        block[used + 1] = table[Int((a & 0x03) << 4 | b >> 4)]
                        block[used + 2] = table[Int((b & 0x0F) << 2 | c >> 6)]
                        block[used + 3] = table[Int(c & 0x3F)]
                        used += 4
                        index += 3
                    }
                    column += groups * 4
                }
                if used > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: block[0..<used])) }
            }
        }
        let left = count - index
        if left >= 1 { carry.0 = bytes[index] }
        if left == 2 { carry.1 = bytes[index + 1] }
        carried = left
    }

    mutating func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Writes the last partial group with padding and ends the last line.
    mutating func finish(into out: inout [UInt8]) {
        let table = Self.alphabet
        if carried == 1 {
            let a = carry.0
            wrap(into: &out)
            out.append(table[Int(a >> 2)])
            out.append(table[Int((a & 0x03) << 4)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
            column += 4
        } else if carried == 2 {
            let a = carry.0, b = carry.1
            wrap(into: &out)
            out.append(table[Int(a >> 2)])
            out.append(table[Int((a & 0x03) << 4 | b >> 4)])
            out.append(table[Int((b & 0x0F) << 2)])
            out.append(UInt8(ascii: "="))
            column += 4
        }
        carried = 0
        if column > 0 { out.append(UInt8(ascii: "\n")) }
        column = 0
    }

    @inline(__always)
    private mutating func wrap(into out: inout [UInt8]) {
        if column == Self.lineLength {
            out.append(UInt8(ascii: "\n"))
            column = 0
        }
    }

    @inline(__always)
    private mutating func emit(_ a: UInt8, _ b: UInt8, _ c: UInt8, into out: inout [UInt8]) {
        wrap(into: &out)
        let table = Self.alphabet
        out.append(table[Int(a >> 2)])
        out.append(table[Int((a & 0x03) << 4 | b >> 4)])
        out.append(table[Int((b & 0x0F) << 2 | c >> 6)])
        out.append(table[Int(c & 0x3F)])
        column += 4
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
}
