import Foundation
import JSON
import Synchronization

/// The registry's state, shared by the HTTP handlers and the programmatic API. Handlers do little work
/// and never wait inside the lock, so a mutex serves better than an actor hop per request.
final class RegistryCore: Sendable {
    private struct State {
        var store = RegistryStore()
        var available = true
        var lastAuthorization: String?
        var requestCount = 0
    }

    private let state: Mutex<State>
    /// Where the content is saved after every change, when the registry keeps state across restarts.
    private let stateFile: URL?

    /// A registry with no content and no state file.
    init() {
        state = Mutex(State())
        stateFile = nil
    }

    /// A registry that starts with the content of `stateFile` (if it exists) and saves every change
    /// there before answering, so a registration that was answered is never forgotten by a restart.
    init(stateFile: URL) throws {
        var initial = State()
        if let snapshot = try RegistrySnapshot.load(from: stateFile) {
            do {
                initial.store = try RegistryStore(snapshot: snapshot)
            } catch {
                throw RegistryStateError("\(stateFile.path): \(error.message)")
            }
        }
        state = Mutex(initial)
        self.stateFile = stateFile
    }

    var available: Bool {
        get { state.withLock { $0.available } }
        set { state.withLock { $0.available = newValue } }
    }

    var lastAuthorization: String? { state.withLock { $0.lastAuthorization } }
    var requestCount: Int { state.withLock { $0.requestCount } }

    /// Registers under `subject`; with a state file, saves the new content first and fails (HTTP 500,
    /// nothing changed) when it cannot be saved, so the producer tries again.
    func register(_ submission: SchemaSubmission, subject: String) throws(SchemaRegistryError) -> UInt32 {
        let stateFile = self.stateFile
        return try state.withLock { state throws(SchemaRegistryError) in
            var store = state.store
            let (id, changed) = store.register(submission, subject: subject)
            if changed, let stateFile {
                // Saved inside the lock: two registrations must not save out of order.
                do { try store.snapshot.save(to: stateFile) } catch {
                    throw .http(500, "the registry cannot save its state: \(error.localizedDescription)")
                }
            }
            state.store = store
            return id
        }
    }

    /// Counts a request and remembers its Authorization header, then refuses it while the registry is
    /// switched off, so tests see what an outage looks like and what the client sent during it.
    func admit(authorization: String?) throws(SchemaRegistryError) {
        let available = state.withLock { state in
            state.requestCount += 1
            state.lastAuthorization = authorization
            return state.available
        }
        guard available else { throw .unavailable }
    }

    /// The JSON answer to `route`. `body` is the request body, already bounded in size.
    func answer(_ route: RegistryRoute, body: [UInt8]) throws(SchemaRegistryError) -> String {
        switch route {
        case .root:
            return "{}"
        case .register(let subject):
            // Parsed outside the lock: a large schema must not hold up other requests.
            let submission = try SchemaSubmission(requestBody: body)
            return JSONValue.object([("id", .int(try register(submission, subject: subject)))]).serialized
        case .schema(let id):
            return JSONValue.object([("schema", .string(try schemaText(id: id)))]).serialized
        case .rawSchema(let id):
            return try schemaText(id: id)
        case .subjects:
            return JSONValue.strings(state.withLock { $0.store.subjects }).serialized
        case .versions(let subject):
            return JSONValue.array(try read { store throws(SchemaRegistryError) in try store.versions(of: subject) }.map { .int($0) }).serialized
        case .version(let subject, let selector):
            let found = try read { store throws(SchemaRegistryError) in try store.version(selector, of: subject) }
            return JSONValue.object([
                ("subject", .string(subject)), ("version", .int(found.version)),
                ("id", .int(found.id)), ("schema", .string(found.text)),
            ]).serialized
        }
    }

    private func schemaText(id: UInt32) throws(SchemaRegistryError) -> String {
        guard let text = state.withLock({ $0.store.schemaText(id: id) }) else { throw .schemaNotFound }
        return text
    }

    private func read<T: Sendable>(_ body: (RegistryStore) throws(SchemaRegistryError) -> T) throws(SchemaRegistryError) -> T {
        try state.withLock { state throws(SchemaRegistryError) in try body(state.store) }
    }
}
