import Synchronization

/// Keeps events about the same thing in the order they arrived while unrelated events run side by side:
/// each event takes a ticket for its key in arrival order, and waits for the previous ticket of that key
/// to finish before doing work whose order matters (an `--update` of one exposure by two announcements).
final class EventSequencer: Sendable {
    final class Ticket: Sendable {
        let predecessor: StopSignal?
        let done = StopSignal()
        fileprivate let key: String
        fileprivate weak let sequencer: EventSequencer?

        fileprivate init(key: String, predecessor: StopSignal?, sequencer: EventSequencer) {
            self.key = key
            self.predecessor = predecessor
            self.sequencer = sequencer
        }

        /// Waits until the previous event of the same key has finished (or the task is cancelled).
        func waitForPredecessor() async {
            await predecessor?.wait()
        }

        /// Lets the next event of the key go on; call exactly once, whatever became of this event.
        func finish() {
            done.fire()
            sequencer?.release(self)
        }
    }

    private let last = Mutex<[String: Ticket]>([:])

    /// A ticket for `key`, behind every earlier ticket of the same key. Call in arrival order.
    func ticket(for key: String) -> Ticket {
        last.withLock { last in
            let ticket = Ticket(key: key, predecessor: last[key]?.done, sequencer: self)
            last[key] = ticket
            return ticket
        }
    }

    /// Forgets a finished ticket that is still its key's latest, so the table does not grow.
    private func release(_ ticket: Ticket) {
        last.withLock { last in
            if last[ticket.key] === ticket { last[ticket.key] = nil }
        }
    }

    var pendingKeys: Int { last.withLock { $0.count } }
}
