/// Fetches Avro schemas from a Confluent schema registry by id, and keeps them.
///
/// Successful schemas are cached for the client's lifetime (a schema id never changes meaning); callers
/// asking for an id that is being fetched wait for that fetch instead of starting another. Transport
/// failures, 5xx and 429 answers are retried with exponential back-off; a 404 is answered at once with
/// ``AvroError/Kind/unknownSchemaID`` (or ``AvroError/Kind/unknownSubject``). Failures are not cached, so
/// the next request for the id tries again.
///
/// The HTTP transport is injected, so this module stays free of network code; the clock is injected too,
/// so tests of back-off do not wait.
public actor SchemaRegistryClient {
    public nonisolated let configuration: SchemaRegistryConfiguration
    /// Decodes message bodies in ``decode(_:)``.
    public nonisolated let decoder: AvroDecoder
    private let transport: RegistryTransport
    private let sleep: @Sendable (Duration) async throws -> Void

    private enum Entry {
        case ready(AvroSchema)
        case loading(Task<AvroSchema, any Error>)
    }

    private var entries: [UInt32: Entry] = [:]
    /// Callers now waiting for a fetch another caller started (lets tests make fetches overlap).
    private(set) var callersWaitingForSharedFetch = 0

    /// - Parameters:
    ///   - transport: performs one GET.
    ///   - sleep: waits between retries; `Task.sleep` by default.
    public init(
        configuration: SchemaRegistryConfiguration, decoder: AvroDecoder = AvroDecoder(),
        transport: @escaping RegistryTransport,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.decoder = decoder
        self.transport = transport
        self.sleep = sleep
    }

    /// The schema with this id, from the cache or the registry (`GET /schemas/ids/{id}`).
    public func schema(id: UInt32) async throws(AvroError) -> AvroSchema {
        switch entries[id] {
        case .ready(let schema)?:
            return schema
        case .loading(let task)?:
            callersWaitingForSharedFetch += 1
            defer { callersWaitingForSharedFetch -= 1 }
            return try await Self.outcome(of: task, id: id)
        case nil:
            // The fetch runs in its own task and records its own outcome, so it completes and fills the
            // cache even if the caller that started it is cancelled.
            let task = Task {
                do {
                    let schema = try await self.fetchSchema(id: id)
                    self.entries[id] = .ready(schema)
                    return schema
                } catch {
                    self.entries[id] = nil
                    throw error
                }
            }
            entries[id] = .loading(task)
            return try await Self.outcome(of: task, id: id)
        }
    }

    private static func outcome(of task: Task<AvroSchema, any Error>, id: UInt32) async throws(AvroError) -> AvroSchema {
        do {
            return try await task.value
        } catch let error as AvroError {
            throw error
        } catch {
            throw AvroError(.registryUnavailable, "schema id \(id): \(error)")
        }
    }

    /// The latest version registered under `subject` (`GET /subjects/{subject}/versions/latest`). Not cached,
    /// since a newer version may be registered at any time; its schema joins the id cache.
    public func latestSchema(subject: String) async throws(AvroError) -> RegisteredSchema {
        let path = "/subjects/\(TextEncoding.percentEncodedPathSegment(subject))/versions/latest"
        let body = try await get(path, notFound: .unknownSubject)
        let answer = try RegistryResponse.subjectVersion(body)
        let schema: AvroSchema
        if case .ready(let cached)? = entries[answer.id] {
            schema = cached
        } else {
            do { schema = try AvroSchema(parsing: answer.schema) } catch { throw error.within("schema id \(answer.id)") }
            if entries[answer.id] == nil { entries[answer.id] = .ready(schema) }
        }
        return RegisteredSchema(subject: answer.subject, id: answer.id, version: answer.version, schema: schema)
    }

    /// Decodes a Confluent-framed message with the schema its header names. Decoding runs outside the actor,
    /// so messages decode in parallel; only the schema lookup is serialized.
    public nonisolated func decode(_ message: [UInt8]) async throws(AvroError) -> (schemaID: UInt32, value: AvroValue) {
        let (schemaID, body) = try ConfluentFrame.parse(message)
        let schema = try await schema(id: schemaID)
        do {
            return (schemaID, try decoder.decode(body, as: schema))
        } catch {
            throw error.within("schema id \(schemaID)")
        }
    }

    /// The ids whose schemas are cached.
    public var cachedSchemaIDs: [UInt32] {
        entries.compactMap { id, entry in
            if case .ready = entry { return id }
            return nil
        }.sorted()
    }

    // MARK: Fetching

    private func fetchSchema(id: UInt32) async throws(AvroError) -> AvroSchema {
        let body = try await get("/schemas/ids/\(id)", notFound: .unknownSchemaID)
        do {
            return try AvroSchema(parsing: RegistryResponse.schemaText(body))
        } catch {
            throw error.within("schema id \(id)")
        }
    }

    private enum Outcome {
        case success([UInt8])
        case retry(String)
        case failure(AvroError)
    }

    /// GETs `path`, retrying what may be transient. Messages name the path, never the base URL, which may
    /// carry credentials.
    private func get(_ path: String, notFound: AvroError.Kind) async throws(AvroError) -> [UInt8] {
        let request = RegistryRequest(url: configuration.url(path), headers: configuration.headers)
        var retry = 0
        while true {
            switch await attempt(request, path: path, notFound: notFound) {
            case .success(let body):
                return body
            case .failure(let error):
                throw error
            case .retry(let reason):
                guard retry < configuration.maximumRetries else {
                    throw AvroError(.registryUnavailable, "GET \(path): \(reason) (after \(retry + 1) attempts)")
                }
                guard !Task.isCancelled else { throw AvroError(.cancelled, "GET \(path) cancelled while retrying") }
                do { try await sleep(configuration.retryBackoff.delay(forRetry: retry)) } catch {
                    throw AvroError(.cancelled, "GET \(path) cancelled while waiting to retry")
                }
                retry += 1
            }
        }
    }

    private func attempt(_ request: RegistryRequest, path: String, notFound: AvroError.Kind) async -> Outcome {
        let response: (status: Int, body: [UInt8])
        do {
            response = try await transport(request)
        } catch {
            return .retry("no answer: \(error)")
        }
        let status = response.status
        if (200..<300).contains(status) { return .success(response.body) }
        let detail = RegistryResponse.errorDetail(response.body)
        let said = detail.message.map { ": " + AvroError.quoted($0, limit: 200) } ?? ""
        switch status {
        case 404:
            let kind: AvroError.Kind
            switch detail.code {
            case 40403: kind = .unknownSchemaID
            case 40401, 40402: kind = .unknownSubject
            default: kind = notFound
            }
            return .failure(AvroError(kind, "GET \(path): HTTP 404\(said)"))
        case 429, 500...599:
            return .retry("HTTP \(status)\(said)")
        default:
            return .failure(AvroError(.registryRejected, "GET \(path): HTTP \(status)\(said)"))
        }
    }
}
