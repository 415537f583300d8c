import Foundation
import Testing
import TestSupport
@testable import VOTable

@Suite("Base64 across batches")
struct Base64StreamTests {
    /// Foundation's encoding of the whole, with our line feeds every 76 characters.
    static func reference(_ bytes: [UInt8]) -> String {
        let plain = Data(bytes).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(plain)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.map { $0 + "\n" }.joined()
    }

    @Test func piecesOfAnySizeEncodeAsTheWhole() {
        var generator = TestSeed.generator(default: 64)
        for _ in 0..<300 {
            let count = Int.random(in: 0...2000, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var stream = Base64Stream()
            var out: [UInt8] = []
            var start = 0
            while start < count {
                let size = min(count - start, Int.random(in: 0...(Bool.random(using: &generator) ? 4 : 300), using: &generator))
                stream.encode(Array(bytes[start..<(start + size)]), into: &out)
                start += size
            }
            stream.finish(into: &out)
            #expect(String(decoding: out, as: UTF8.self) == Self.reference(bytes), "\(count) bytes")
        }
    }

    @Test func lengthsAroundLinesAndGroups() {
        for count in [0, 1, 2, 3, 56, 57, 58, 114, 1000] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            var stream = Base64Stream()
            var out: [UInt8] = []
            stream.encode(bytes, into: &out)
            stream.finish(into: &out)
            #expect(String(decoding: out, as: UTF8.self) == Self.reference(bytes), "\(count) bytes")
        }
    }
}
