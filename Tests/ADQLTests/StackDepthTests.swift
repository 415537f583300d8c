import ADQL
import Foundation
import Testing

/// The deepest query the limits let through fits a thread stack far smaller than Linux's default 8 MiB
/// (the stack of NIO's and the cooperative pool's threads). Measured at the limit of 100 levels: a
/// release build needs at most 512 KiB, this debug build about 1 MiB; the test gives 2 MiB.
@Suite("ADQL stack use at the nesting limit")
struct StackDepthTests {
    static let shapeCount = 5

    static func shape(_ index: Int, _ n: Int) -> String {
        [
        { "SELECT " + String(repeating: "(", count: $0) + "1" + String(repeating: ")", count: $0) + " FROM cdb_latiss.visit1" },
        { String(repeating: "SELECT a FROM cdb_latiss.visit1 WHERE a IN (", count: $0) + "1" + String(repeating: ")", count: $0) },
        { "SELECT " + String(repeating: "ABS(", count: $0) + "1" + String(repeating: ")", count: $0) + " FROM cdb_latiss.visit1" },
        { "SELECT a FROM cdb_latiss.visit1 WHERE " + String(repeating: "NOT (", count: $0) + "a = 1" + String(repeating: ")", count: $0) },
        { "SELECT " + String(repeating: "CASE WHEN a = 1 THEN ", count: $0) + "1" + String(repeating: " END", count: $0) + " FROM cdb_latiss.visit1" },
        ][index](n)
    }

    /// The largest nesting of shape `index` that translates.
    static func deepestAccepted(_ index: Int) -> (Int, String) {
        var n = 1
        while (try? translator.translate(shape(index, n + 1))) != nil { n += 1 }
        return (n, shape(index, n))
    }

    @Test(arguments: 0..<shapeCount)
    func deepestQueryFitsTwoMebibyteStack(shape: Int) async throws {
        let (depth, query) = Self.deepestAccepted(shape)
        #expect(depth >= 20, "only \(depth) levels accepted")
        // Translate on a thread with a 2 MiB stack: overflowing it would crash the test run.
        let translated = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let thread = Thread {
                continuation.resume(returning: (try? translator.translate(query)) != nil)
            }
            thread.stackSize = 2 << 20
            thread.start()
        }
        #expect(translated)
    }
}
