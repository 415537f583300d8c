import Backoff
import Testing

/// Random numbers from a script (then from a 64-bit linear congruential sequence), so jittered delays are
/// reproducible.
struct ScriptedRandom: RandomNumberGenerator {
    var script: [UInt64]
    var state: UInt64

    init(_ script: [UInt64] = [], seed: UInt64 = 0) {
        self.script = script
        self.state = seed
    }

    mutating func next() -> UInt64 {
        if !script.isEmpty { return script.removeFirst() }
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}

@Suite("Exponential back-off: doubling, cap, jitter")
struct ExponentialBackoffTests {
    @Test("each retry waits twice as long as the one before, up to the cap")
    func doublesUpToTheCap() {
        let backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        let delays = (0..<7).map { backoff.delay(forRetry: $0) }
        #expect(delays == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
            .seconds(1), .seconds(1), .seconds(1),
        ])
    }

    @Test("a cap that is not a power-of-two multiple of the first delay is reached exactly")
    func capBetweenPowers() {
        let backoff = ExponentialBackoff(initial: .seconds(10), maximum: .seconds(600))
        #expect((0..<8).map { backoff.delay(forRetry: $0) } == [10, 20, 40, 80, 160, 320, 600, 600].map { .seconds($0) })
    }

    @Test("very late retries neither overflow nor take long to compute")
    func lateRetries() {
        let backoff = ExponentialBackoff(initial: .nanoseconds(1), maximum: .seconds(3600))
        #expect(backoff.delay(forRetry: 10_000) == .seconds(3600))
        #expect(backoff.delay(forRetry: Int.max) == .seconds(3600))
    }

    @Test("a first delay above the cap is capped; a zero first delay stays zero")
    func degenerateSettings() {
        #expect(ExponentialBackoff(initial: .seconds(5), maximum: .seconds(1)).delay(forRetry: 0) == .seconds(1))
        let zero = ExponentialBackoff(initial: .zero, maximum: .seconds(1))
        #expect(zero.delay(forRetry: 0) == .zero)
        #expect(zero.delay(forRetry: Int.max) == .zero)
    }

    @Test("a negative retry number counts as the first retry")
    func negativeRetry() {
        let backoff = ExponentialBackoff(initial: .milliseconds(250), maximum: .seconds(10))
        #expect(backoff.delay(forRetry: -3) == .milliseconds(250))
    }

    @Test("without jitter the delay does not depend on the random source")
    func noJitterIgnoresRandomness() {
        let backoff = ExponentialBackoff(initial: .milliseconds(200), maximum: .seconds(5))
        var random = ScriptedRandom([.max, .max, .max])
        #expect(backoff.delay(forRetry: 2, using: &random) == .milliseconds(800))
        #expect(random.script.count == 3, "no random number is drawn")
    }

    @Test("jitter takes a random share, at most the jitter fraction, off the capped delay")
    func jitterBounds() {
        let backoff = ExponentialBackoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0.5)
        // Double.random(in: 0..<1) of 0 is 0: the full delay.
        var low = ScriptedRandom([0])
        #expect(backoff.delay(forRetry: 2, using: &low) == .seconds(4))
        // Of the largest UInt64 it is just under 1: half the delay, to within rounding.
        var high = ScriptedRandom([.max])
        let shortest = backoff.delay(forRetry: 5, using: &high)
        #expect(shortest >= .seconds(4) && shortest < .seconds(4) + .milliseconds(1))
    }

    @Test("jittered delays are reproducible with a seeded source and stay within their bounds")
    func jitterSeeded() {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("ExponentialBackoffTests.jitterSeeded seed: \(seed)")
        let backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 0.25)
        var first = ScriptedRandom(seed: seed)
        var second = ScriptedRandom(seed: seed)
        for retry in 0..<50 {
            let exact = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(2)).delay(forRetry: retry)
            let delay = backoff.delay(forRetry: retry, using: &first)
            #expect(delay == backoff.delay(forRetry: retry, using: &second), "seed \(seed), retry \(retry)")
            #expect(delay <= exact && delay >= exact * 0.75, "seed \(seed), retry \(retry): \(delay) against \(exact)")
        }
    }

    @Test("jitter outside 0...1 is clamped")
    func jitterClamped() {
        #expect(ExponentialBackoff(initial: .seconds(1), maximum: .seconds(2), jitter: 7).jitter == 1)
        #expect(ExponentialBackoff(initial: .seconds(1), maximum: .seconds(2), jitter: -1).jitter == 0)
    }
}
