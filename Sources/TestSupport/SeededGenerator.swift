import Foundation

/// A small deterministic generator (SplitMix64), so every random input in the tests can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// A fresh random seed (or `CONSDB_TEST_SEED`, to replay a failure), printed with `label`.
    public init(label: String) {
        self.init(seed: TestSeed.make(label))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeds for randomized tests, printed so that a failing run can be replayed.
public enum TestSeed {
    /// `CONSDB_TEST_SEED` when set (to replay a run), else a fresh seed; printed with `test`'s name either way.
    ///
    /// Timing-driven tests (kill at random moments) take a fresh seed each run to explore more; tests of
    /// pure functions on random input may pass a fixed `default` so every run checks the same inputs.
    public static func make(_ test: String = #function, default fixed: UInt64? = nil) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["CONSDB_TEST_SEED"].flatMap { UInt64($0) }
            ?? fixed ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): random seed \(seed) (CONSDB_TEST_SEED=\(seed) replays it)")
        return seed
    }

    /// A generator seeded by `make(test, default:)`.
    public static func generator(_ test: String = #function, default fixed: UInt64? = nil) -> SeededGenerator {
        SeededGenerator(seed: make(test, default: fixed))
    }
}
