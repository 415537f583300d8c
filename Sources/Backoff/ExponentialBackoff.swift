/// The waits between the attempts of an operation that may fail for a while: `initial` before the first
/// retry, doubling with each further retry, never more than `maximum`; optionally shortened at random
/// (jitter) so that clients that failed together do not all retry together.
///
/// A plain value with no clock and no sleeping: callers ask for the delay of retry `n` and wait as they see
/// fit, so the arithmetic is tested without waiting. Without jitter, or with an injected random number
/// generator, the delays are deterministic.
public struct ExponentialBackoff: Sendable, Hashable, CustomStringConvertible {
    /// The wait before the first retry.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration
    /// The fraction (0 to 1) of each delay that may be taken off at random: a delay `d` becomes a random
    /// value in `(1 − jitter)·d ... d`. 0, the default, keeps delays exact.
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, jitter: Double = 0) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The wait before retry `retry` (0 for the first retry, that is the second attempt): `initial × 2^retry`,
    /// capped at ``maximum``, then jittered with the system's random number generator.
    public func delay(forRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forRetry: retry, using: &generator)
    }

    /// The wait before retry `retry`, jittered with `generator` (a seeded generator makes it reproducible).
    public func delay(forRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let capped = cappedDelay(forRetry: retry)
        guard jitter > 0, capped > .zero else { return capped }
        let fraction = 1 - jitter * Double.random(in: 0..<1, using: &generator)
        return capped * fraction
    }

    /// `initial × 2^retry` capped at ``maximum``, doubling step by step so that a large `retry` cannot
    /// overflow.
    private func cappedDelay(forRetry retry: Int) -> Duration {
        var delay = initial
        for _ in 0..<max(retry, 0) {
            if delay >= maximum || delay <= .zero { break }
            delay *= 2
        }
        return min(delay, maximum)
    }

    public var description: String {
        "ExponentialBackoff(\(initial) doubling to \(maximum)" + (jitter > 0 ? ", jitter \(jitter))" : ")")
    }
}
