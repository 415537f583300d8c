import Foundation

/// A small deterministic generator (SplitMix64), so every random input in the tests can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// A fresh random seed, printed with `label`; `TEST_SEED` in the environment sets it instead, to replay
    /// a failure.
    public init(label: String) {
        var system = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap { UInt64($0) } ?? system.next()
        print("\(label): seed \(seed) (TEST_SEED=\(seed) replays it)")
        self.init(seed: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
