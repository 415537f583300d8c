@testable import Avro
import Testing

/// A registry fixture behind the injected transport: answers from a handler and records every request.
actor FakeRegistry {
    typealias Handler = @Sendable (RegistryRequest, Int) async throws -> (status: Int, body: [UInt8])

    private(set) var requests: [RegistryRequest] = []
    private let handler: Handler

    init(_ handler: @escaping Handler) { self.handler = handler }

    func handle(_ request: RegistryRequest) async throws -> (status: Int, body: [UInt8]) {
        requests.append(request)
        return try await handler(request, requests.count)
    }

    var urls: [String] { requests.map(\.url) }

    nonisolated var transport: RegistryTransport { { request in try await self.handle(request) } }

    /// A registry answer holding `schema`.
    static func schemaBody(_ schema: String, type: String? = nil) -> [UInt8] {
        var text = #"{"schema":"# + quoted(schema)
        if let type { text += #","schemaType":"\#(type)""# }
        return Array((text + "}").utf8)
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    static let notFound = Array(#"{"error_code":40403,"message":"Schema 9 not found"}"#.utf8)
}

/// Records the back-off delays instead of waiting.
actor SleepRecorder {
    private(set) var delays: [Duration] = []
    func sleep(_ delay: Duration) { delays.append(delay) }
    nonisolated var closure: @Sendable (Duration) async throws -> Void { { await self.sleep($0) } }
}

private struct TransportDown: Error {}

@Suite("Schema registry client: cache, shared fetches, retries, errors, auth")
struct SchemaRegistryClientTests {
    let configuration = SchemaRegistryConfiguration(url: "http://registry.test:8081/")

    func makeClient(
        _ fake: FakeRegistry, _ sleeper: SleepRecorder = SleepRecorder(),
        configuration: SchemaRegistryConfiguration? = nil
    ) -> SchemaRegistryClient {
        SchemaRegistryClient(configuration: configuration ?? self.configuration, transport: fake.transport, sleep: sleeper.closure)
    }

    @Test("decode fetches the schema once, then serves it from the cache")
    func caching() async throws {
        let fake = FakeRegistry { _, _ in (200, FakeRegistry.schemaBody(SALSchemas.largeFileObjectAvailable)) }
        let client = makeClient(fake)
        let lfa = try schema(SALSchemas.largeFileObjectAvailable)
        let message = try AvroEncoder().encodeFrame(SALSchemas.largeFileObjectAvailableValue, as: lfa, schemaID: 12)
        let first = try await client.decode(message)
        #expect(first.schemaID == 12)
        #expect(first.value == SALSchemas.largeFileObjectAvailableValue)
        let second = try await client.decode(message)
        #expect(second.value == first.value)
        #expect(await fake.urls == ["http://registry.test:8081/schemas/ids/12"])
        #expect(await client.cachedSchemaIDs == [12])
        let request = try #require(await fake.requests.first)
        #expect(request.header("accept")?.contains("application/vnd.schemaregistry.v1+json") == true)
        #expect(request.header("Authorization") == nil)
    }

    @Test("concurrent requests for one id share a single fetch")
    func sharedFetch() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let fake = FakeRegistry { _, _ in
            for await _ in gate { break }
            return (200, FakeRegistry.schemaBody(SALSchemas.encoder))
        }
        let client = makeClient(fake)
        try await withThrowingTaskGroup(of: AvroSchema.self) { group in
            for _ in 0..<8 { group.addTask { try await client.schema(id: 5) } }
            // Hold the one fetch until the other seven callers are waiting for it.
            await waitUntil {
                let fetches = await fake.requests.count
                let waiting = await client.callersWaitingForSharedFetch
                return fetches == 1 && waiting == 7
            }
            open.yield()
            var schemas: [AvroSchema] = []
            for try await fetched in group { schemas.append(fetched) }
            #expect(schemas.count == 8)
            #expect(Set(schemas.map { $0.rootRecord?.name.fullName }) == ["lsst.sal.MTMount.encoder"])
        }
        #expect(await fake.requests.count == 1)
        #expect(await client.callersWaitingForSharedFetch == 0)
    }

    @Test("transport failures and 5xx are retried with exponential back-off, then succeed")
    func retriesThenSuccess() async throws {
        let fake = FakeRegistry { _, call in
            switch call {
            case 1: throw TransportDown()
            case 2: return (503, Array(#"{"error_code":50003,"message":"busy"}"#.utf8))
            case 3: return (429, [])
            default: return (200, FakeRegistry.schemaBody(#""long""#))
            }
        }
        let sleeper = SleepRecorder()
        let client = makeClient(fake, sleeper)
        #expect(try await client.schema(id: 3).root == .long)
        #expect(await fake.requests.count == 4)
        #expect(await sleeper.delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
    }

    @Test("after the last retry the error says the registry is unavailable, and nothing is cached")
    func retryLimit() async throws {
        let fake = FakeRegistry { _, call in
            if call <= 4 { return (500, Array(#"{"error_code":50001,"message":"store down"}"#.utf8)) }
            return (200, FakeRegistry.schemaBody(#""int""#))
        }
        let sleeper = SleepRecorder()
        let client = makeClient(fake, sleeper)
        let error = await avroError { try await client.schema(id: 4) }
        #expect(error?.kind == .registryUnavailable)
        #expect(error?.message == #"GET /schemas/ids/4: HTTP 500: "store down" (after 4 attempts)"#)
        #expect(await fake.requests.count == 4)
        #expect(await sleeper.delays.count == 3)
        #expect(await client.cachedSchemaIDs == [])
        // The failure is not cached: the next request asks again.
        #expect(try await client.schema(id: 4).root == .int)
        let custom = makeClient(FakeRegistry { _, _ in throw TransportDown() }, SleepRecorder(),
                                configuration: SchemaRegistryConfiguration(url: "http://r", maximumRetries: 0))
        #expect(await avroError { try await custom.schema(id: 1) }?.kind == .registryUnavailable)
    }

    @Test("404 is an unknown schema id at once, without retries")
    func unknownSchemaID() async throws {
        let fake = FakeRegistry { _, _ in (404, FakeRegistry.notFound) }
        let sleeper = SleepRecorder()
        let client = makeClient(fake, sleeper)
        let message = ConfluentFrame.build(schemaID: 9, body: [0])
        let error = await avroError { try await client.decode(message) }
        #expect(error?.kind == .unknownSchemaID)
        #expect(error?.message.contains("Schema 9 not found") == true)
        #expect(await fake.requests.count == 1)
        #expect(await sleeper.delays.isEmpty)
        let other = makeClient(FakeRegistry { _, _ in (401, Array(#"{"error_code":401,"message":"Unauthorized"}"#.utf8)) })
        #expect(await avroError { try await other.schema(id: 1) }?.kind == .registryRejected)
    }

    @Test("basic auth sends an Authorization header")
    func basicAuth() async throws {
        let fake = FakeRegistry { _, _ in (200, FakeRegistry.schemaBody(#""string""#)) }
        let client = makeClient(fake, configuration: SchemaRegistryConfiguration(
            url: "https://registry.test/", username: "Aladdin", password: "open sesame"))
        _ = try await client.schema(id: 1)
        let request = try #require(await fake.requests.first)
        #expect(request.header("Authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        #expect(request.url == "https://registry.test/schemas/ids/1")
        #expect(request.description == "GET https://registry.test/schemas/ids/1")
        #expect(TextEncoding.base64([]) == "")
        #expect(TextEncoding.base64(Array("f".utf8)) == "Zg==")
        #expect(TextEncoding.base64(Array("fo".utf8)) == "Zm8=")
        #expect(TextEncoding.base64(Array("foobar".utf8)) == "Zm9vYmFy")
    }

    @Test("schema types other than AVRO, schema references and bad answers are rejected")
    func unsupported() async throws {
        let cases: [([UInt8], AvroError.Kind)] = [
            (FakeRegistry.schemaBody("syntax = \"proto3\";", type: "PROTOBUF"), .unsupportedSchemaType),
            (FakeRegistry.schemaBody("{}", type: "JSON"), .unsupportedSchemaType),
            (Array(#"{"schema":"\"int\"","references":[{"name":"x","subject":"s","version":1}]}"#.utf8), .unsupportedSchemaType),
            (Array("<html>".utf8), .invalidRegistryResponse),
            (Array(#"{"schemaType":"AVRO"}"#.utf8), .invalidRegistryResponse),
            (FakeRegistry.schemaBody(#"{"type":"nonsense"}"#, type: "AVRO"), .unknownType),
        ]
        for (body, kind) in cases {
            let client = makeClient(FakeRegistry { _, _ in (200, body) })
            let error = await avroError { try await client.schema(id: 2) }
            #expect(error?.kind == kind, "\(String(describing: error))")
        }
        let accepted = makeClient(FakeRegistry { _, _ in
            (200, Array(#"{"schema":"\"int\"","schemaType":"AVRO","references":[]}"#.utf8))
        })
        #expect(try await accepted.schema(id: 2).root == .int)
    }

    @Test("latestSchema asks for the subject's latest version, percent-encoding the subject")
    func latestSchema() async throws {
        let fake = FakeRegistry { request, _ in
            if request.url.hasSuffix("/subjects/lsst.sal.MTMount.encoder-value/versions/latest") {
                let body = #"{"subject":"lsst.sal.MTMount.encoder-value","version":3,"id":77,"schema":"# + FakeRegistry.quoted(SALSchemas.encoder) + "}"
                return (200, Array(body.utf8))
            }
            return (404, Array(#"{"error_code":40401,"message":"Subject not found"}"#.utf8))
        }
        let client = makeClient(fake)
        let latest = try await client.latestSchema(subject: "lsst.sal.MTMount.encoder-value")
        #expect(latest.id == 77)
        #expect(latest.version == 3)
        #expect(latest.subject == "lsst.sal.MTMount.encoder-value")
        #expect(latest.schema.rootRecord?.name.fullName == "lsst.sal.MTMount.encoder")
        #expect(await fake.urls == ["http://registry.test:8081/subjects/lsst.sal.MTMount.encoder-value/versions/latest"])
        // The schema joins the id cache.
        _ = try await client.schema(id: 77)
        #expect(await fake.requests.count == 1)
        let missing = await avroError { try await client.latestSchema(subject: "a b/c?") }
        #expect(missing?.kind == .unknownSubject)
        #expect(await fake.urls.last == "http://registry.test:8081/subjects/a%20b%2Fc%3F/versions/latest")
    }

    @Test("decoding errors name the schema id")
    func decodeErrors() async throws {
        let client = makeClient(FakeRegistry { _, _ in (200, FakeRegistry.schemaBody(#""long""#)) })
        let error = await avroError { try await client.decode(ConfluentFrame.build(schemaID: 1, body: [0x80])) }
        #expect(error?.kind == .truncated)
        #expect(error?.pathDescription == "schema id 1")
        #expect(await avroError { try await client.decode([1, 0, 0, 0, 1]) }?.kind == .invalidMagicByte)
        #expect(await avroError { try await client.decode([0, 0]) }?.kind == .frameTooShort)
    }
}
