import Foundation
import Hummingbird
import Logging
// Comes with Hummingbird; DevServices uses it only to stop the server gracefully.
import ServiceLifecycle
import Synchronization

/// An in-memory, Confluent-compatible schema registry served over HTTP on 127.0.0.1, for tests and the
/// quick-start demo (`consdb dev registry`).
///
/// It answers the endpoints the ingest path and salobj-style producers use, in the registry's JSON shapes
/// and error codes (content type `application/vnd.schemaregistry.v1+json`):
/// - `POST /subjects/{subject}/versions` with `{"schema": "...", "schemaType"?: "AVRO"}` → `{"id": N}`;
///   the schema must parse as Avro (else 422, error code 42201). Ids are global and start at 1. The same
///   schema (same JSON once whitespace and member order are ignored) keeps its id, also under another
///   subject, and registering it again under a subject that has it adds no version.
/// - `GET /schemas/ids/{id}` → `{"schema": "..."}`; `GET /schemas/ids/{id}/schema` → the schema text
///   (404, error code 40403, for an unknown id).
/// - `GET /subjects` → names; `GET /subjects/{subject}/versions` → `[1, 2, ...]`;
///   `GET /subjects/{subject}/versions/{n|latest}` → `{"subject", "version", "id", "schema"}` (404 with
///   40401 for an unknown subject, 40402 for an unknown version).
///
/// Bodies over ``maximumBodyBytes`` get 413 and malformed JSON 400, both with an error body. Path segments
/// are percent-decoded, so subjects such as `lsst.sal.ATHeaderService.logevent_largeFileObjectAvailable-value`
/// or even ones containing `/` work. Contents live as long as the object and survive `stop()`/`start()`.
///
/// Call ``start()`` and ``stop()`` from one task; they are not meant to race each other.
public final class SchemaRegistryServer: Sendable {
    /// The address the server listens on: loopback only, since it has no authentication.
    public static let host = "127.0.0.1"
    /// Largest request body read; Confluent's own limit is larger, but schemas are a few kilobytes.
    public static let maximumBodyBytes = 1 << 20

    private let requestedPort: Int
    private let logger: Logger
    private let core: RegistryCore

    private struct Running {
        var group: ServiceGroup
        var task: Task<Void, Never>
        var port: Int?
    }

    private let running = Mutex<Running?>(nil)

    /// - Parameters:
    ///   - port: the port to listen on; 0 (the default) picks a free one at each ``start()``.
    ///   - logger: receives Hummingbird's server messages.
    public init(port: Int = 0, logger: Logger = Logger(label: "consdb.dev.registry")) {
        self.requestedPort = port
        self.logger = logger
        self.core = RegistryCore()
    }

    /// A registry whose content lives in `stateFile` as well as in memory: it starts with the file's
    /// schemas, subjects and ids (none when the file does not exist yet) and saves every registration
    /// there (atomically) before answering it, so a registry stopped or killed and started again on the
    /// same file gives every schema the id it had.
    ///
    /// - Throws: ``RegistryStateError`` when the file exists but is not a registry's state, or the error
    ///   reading it.
    public init(port: Int = 0, stateFile: URL, logger: Logger = Logger(label: "consdb.dev.registry")) throws {
        self.requestedPort = port
        self.logger = logger
        self.core = try RegistryCore(stateFile: stateFile)
    }

    deinit {
        // A test that forgets stop() must not leave a server accepting connections for the rest of the run.
        running.withLock { $0?.task.cancel() }
    }

    // MARK: Serving

    /// Starts listening and returns the bound port once connections are accepted.
    ///
    /// - Throws: ``SchemaRegistryServerError/alreadyRunning``, or the bind error (port in use, ...).
    @discardableResult
    public func start() async throws -> Int {
        let (ports, portSink) = AsyncThrowingStream<Int, any Error>.makeStream()
        let responder = RegistryResponder(core: core, maximumBodyBytes: Self.maximumBodyBytes)
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await responder.respond(to: request) },
            configuration: .init(address: .hostname(Self.host, port: requestedPort), serverName: "consdb-dev-registry"),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { portSink.yield(port) }
                portSink.finish()
            },
            logger: logger
        )
        // A graceful stop lets requests in flight finish; a client that never finishes its request is cut
        // off after a few seconds rather than holding stop() forever.
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(3)
        let group = ServiceGroup(configuration: configuration)
        // Claimed before the task starts, so a second start() cannot bind a second socket.
        let claimed = running.withLock { running in
            guard running == nil else { return nil as Task<Void, Never>? }
            let task = Task(executorPreference: ServerThreadExecutor.shared) {
                do {
                    try await group.run()
                    portSink.finish(throwing: SchemaRegistryServerError.stoppedBeforeListening)
                } catch {
                    portSink.finish(throwing: error)
                }
            }
            running = Running(group: group, task: task, port: nil)
            return task
        }
        guard let task = claimed else { throw SchemaRegistryServerError.alreadyRunning }
        do {
            for try await port in ports {
                running.withLock { $0?.port = port }
                return port
            }
            throw SchemaRegistryServerError.stoppedBeforeListening
        } catch {
            task.cancel()
            await task.value
            running.withLock { $0 = nil }
            throw error
        }
    }

    /// Stops listening, lets requests in flight finish (for at most 3 s), and returns once the socket is
    /// closed and every connection has ended. Does nothing when the server is not running.
    public func stop() async {
        guard let stopping = running.withLock({ running -> Running? in
            defer { running = nil }
            return running
        }) else { return }
        await stopping.group.triggerGracefulShutdown()
        await stopping.task.value
    }

    /// The bound port while running, else `nil`.
    public var port: Int? { running.withLock { $0?.port } }

    /// `http://127.0.0.1:PORT` while running, else `nil`.
    public var baseURL: String? { port.map { "http://\(Self.host):\($0)" } }

    // MARK: Test controls

    /// When `false`, every request is answered 503 with error code 50003, as a registry that is down
    /// behind a load balancer would be; set it back to `true` to recover. Contents are kept.
    public var available: Bool {
        get { core.available }
        set { core.available = newValue }
    }

    /// The Authorization header of the most recent request (`nil` when it had none), so tests can see
    /// what credentials a client sent.
    public var lastAuthorization: String? { core.lastAuthorization }

    /// Requests received so far, including refused ones, so tests can count a client's retries.
    public var requestCount: Int { core.requestCount }

    /// Registers `schemaText` under `subject` as `POST /subjects/{subject}/versions` would, without HTTP
    /// and regardless of ``available``.
    ///
    /// - Returns: the schema's id (the existing one when the schema is already registered).
    /// - Throws: ``SchemaRegistryError`` with error code 42201 when the text is not a valid Avro schema.
    @discardableResult
    public func register(subject: String, schemaText: String) throws(SchemaRegistryError) -> UInt32 {
        try core.register(try SchemaSubmission(text: schemaText), subject: subject)
    }
}

/// Why ``SchemaRegistryServer/start()`` failed apart from a bind error.
public enum SchemaRegistryServerError: Error, Sendable, Equatable {
    /// `start()` was called while the server was running.
    case alreadyRunning
    /// The server ended (or the caller was cancelled) before it accepted connections.
    case stoppedBeforeListening
}
