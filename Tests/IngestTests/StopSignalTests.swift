import Ingest
import Testing

@Suite("stop signal")
struct StopSignalTests {
    @Test func aWaitWithALimitEndsAtOnceWhenFiredAlready() async {
        let signal = StopSignal()
        signal.fire()
        let started = ContinuousClock.now
        #expect(await signal.wait(atMost: .seconds(60)))
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func aWaitWithALimitEndsWhenFired() async {
        let signal = StopSignal()
        let started = ContinuousClock.now
        async let fired = signal.wait(atMost: .seconds(60))
        signal.fire()
        #expect(await fired)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func aWaitWithALimitEndsAtTheLimitUnfired() async {
        let signal = StopSignal()
        #expect(await signal.wait(atMost: .milliseconds(20)) == false)
        #expect(!signal.isFired)
    }
}
