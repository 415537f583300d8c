/// The statements one connection has prepared on its server session, by SQL text.
///
/// A connection owns one and touches it only on its serial queue. Names are never reused within a
/// session (`consdb_1`, `consdb_2`, ...), so a statement the cache forgot but the server still holds can
/// never be confused with a new one. The cache is bounded: when it is full the oldest statement is
/// dropped and its name queued for `DEALLOCATE`, which runs the next time the session can take it.
/// Besides the count, the cache bounds the SQL text it holds: the server's memory for a statement grows
/// with its text (a 1,000-row insert has 14,000 parameters), so a few large ones fill the budget.
struct PreparedStatements {
    /// Most statements kept per connection. The API prepares a few dozen shapes; the bound keeps a
    /// client that sends ever-new shapes (bulk inserts of varying column sets) from growing the session.
    let capacity: Int
    /// Most bytes of SQL text kept per connection; a longer text is never prepared.
    let textBudget: Int
    private var textBytes = 0
    private var names: [String: String] = [:]
    /// SQL texts in the order they were prepared, oldest first (for eviction).
    private var order: [String] = []
    private var counter = 0
    /// Names the server may still hold although the cache dropped them.
    private(set) var pendingDeallocation: [String] = []

    init(capacity: Int = 128, textBudget: Int = 1 << 20) {
        self.capacity = max(1, capacity)
        self.textBudget = max(1, textBudget)
    }

    /// True when `text` fits the budget at all; a longer statement runs unprepared.
    func admits(_ text: String) -> Bool {
        text.utf8.count <= textBudget
    }

    var count: Int { names.count }

    /// The name of the statement prepared for `text`, if any.
    func name(for text: String) -> String? {
        names[text]
    }

    /// A fresh name for a statement about to be prepared for `text`; evicts the oldest ones while the
    /// cache is full or `text` would not fit the text budget.
    mutating func reserveName(for text: String) -> String {
        let size = text.utf8.count
        while !order.isEmpty, names.count >= capacity || textBytes + size > textBudget {
            let oldest = order.removeFirst()
            textBytes -= oldest.utf8.count
            if let name = names.removeValue(forKey: oldest) { pendingDeallocation.append(name) }
        }
        counter += 1
        return "consdb_\(counter)"
    }

    /// Records that `name` now holds `text` on the server.
    mutating func insert(_ text: String, name: String) {
        names[text] = name
        order.append(text)
        textBytes += text.utf8.count
    }

    /// Forgets the statement for `text`; with `deallocate`, its name is queued for `DEALLOCATE` (the
    /// server still holds it, e.g. after "cached plan must not change result type").
    mutating func remove(_ text: String, deallocate: Bool) {
        guard let name = names.removeValue(forKey: text) else { return }
        order.removeAll { $0 == text }
        textBytes -= text.utf8.count
        if deallocate { pendingDeallocation.append(name) }
    }

    /// Forgets every statement, after the server dropped them all (`DISCARD ALL`, `DEALLOCATE ALL`).
    mutating func removeAll() {
        names.removeAll()
        order.removeAll()
        textBytes = 0
        pendingDeallocation.removeAll()
    }

    mutating func takePendingDeallocations() -> [String] {
        defer { pendingDeallocation.removeAll() }
        return pendingDeallocation
    }

    /// True when a simple-protocol text may have dropped the session's prepared statements (`DISCARD
    /// ALL`, `DEALLOCATE`). Errs on the side of yes (a mention inside a string literal counts): forgetting
    /// costs one re-prepare, while remembering a dropped statement costs a failed call.
    static func mayDropStatements(_ text: String) -> Bool {
        containsIgnoringASCIICase(text, "discard") || containsIgnoringASCIICase(text, "deallocate")
    }

    /// True when a command tag says the session's prepared statements were dropped.
    static func droppedStatements(commandTag: String) -> Bool {
        commandTag == "DISCARD ALL" || commandTag.hasPrefix("DEALLOCATE")
    }

    private static func containsIgnoringASCIICase(_ text: String, _ word: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        // Every needle byte is a lower-case letter, so `byte | 0x20` matches exactly its two cases.
        let found = text.utf8.withContiguousStorageIfAvailable { haystack -> Bool in
            guard haystack.count >= needle.count else { return false }
            outer: for start in 0...(haystack.count - needle.count) {
                for offset in 0..<needle.count where haystack[start + offset] | 0x20 != needle[offset] {
                    continue outer
                }
                return true
            }
            return false
        }
        return found ?? text.lowercased().contains(String(decoding: needle, as: UTF8.self))
    }
}
