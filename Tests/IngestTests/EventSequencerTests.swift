@testable import Ingest
import Testing

/// Events of one key run in arrival order; events of other keys do not wait.
@Suite("event sequencer")
struct EventSequencerTests {
    /// Waits for `body`, failing the test when it takes longer than `seconds` (a deadline, not a pause).
    private func within(_ seconds: Int, _ what: Comment, _ body: @escaping @Sendable () async -> Void) async {
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await body(); return true }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, what)
    }

    @Test func theFirstTicketOfAKeyWaitsForNothing() async {
        let sequencer = EventSequencer()
        let first = sequencer.ticket(for: "a")
        #expect(first.predecessor == nil)
        await within(10, "a first ticket waits for nothing") { await first.waitForPredecessor() }
    }

    @Test func aTicketWaitsForThePreviousOneOfItsKeyOnly() async {
        let sequencer = EventSequencer()
        let first = sequencer.ticket(for: "a")
        let second = sequencer.ticket(for: "a")
        let other = sequencer.ticket(for: "b")
        #expect(second.predecessor === first.done)
        #expect(other.predecessor == nil)
        #expect(sequencer.pendingKeys == 2)
        // Nothing has finished: the second cannot go on yet.
        #expect(!first.done.isFired)
        await within(10, "another key does not wait") { await other.waitForPredecessor() }
        first.finish()
        await within(10, "the second ticket goes on once the first finished") { await second.waitForPredecessor() }
        // The first is no longer its key's latest: the key stays until the second finishes.
        #expect(sequencer.pendingKeys == 2)
        second.finish()
        other.finish()
        #expect(sequencer.pendingKeys == 0)
    }

    @Test func aWaitingTicketStartsOnlyAfterItsPredecessorFinished() async {
        let sequencer = EventSequencer()
        let first = sequencer.ticket(for: "exposure 7")
        let second = sequencer.ticket(for: "exposure 7")
        let started = StopSignal()
        let waiter = Task {
            await second.waitForPredecessor()
            // Seen as it goes on: the first must have finished by then.
            let order = first.done.isFired
            started.fire()
            return order
        }
        first.finish()
        await within(10, "the waiting ticket goes on") { await started.wait() }
        #expect(await waiter.value)
        second.finish()
        #expect(sequencer.pendingKeys == 0)
    }

    @Test func finishingTwiceOrOutOfOrderLeavesTheLatestTicket() {
        let sequencer = EventSequencer()
        let first = sequencer.ticket(for: "a")
        let second = sequencer.ticket(for: "a")
        second.finish()
        // The second was the latest: the key is released although the first still runs.
        #expect(sequencer.pendingKeys == 0)
        let third = sequencer.ticket(for: "a")
        #expect(third.predecessor == nil)
        first.finish()
        #expect(sequencer.pendingKeys == 1)
        third.finish()
        third.finish()
        #expect(sequencer.pendingKeys == 0)
    }
}
