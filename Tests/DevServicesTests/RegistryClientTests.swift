import Avro
import DevServices
import Fetch
import Ingest
import Testing

/// The registry client against the dev registry over real HTTP, through the libcurl transport: proves
/// the server's answers, the transport and the client together.
@Suite("Schema registry client over HTTP against the dev registry")
struct RegistryClientTests {
    @Test func fetchesARegisteredSchemaByID() async throws {
        try await withRegistry { server, port in
            let id = try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            #expect(id == 1)
            let schema = try await httpClient(port: port).schema(id: id)
            #expect(schema == (try AvroSchema(parsing: largeFileSchema)))
            #expect(schema.rootRecord?.name.fullName == "lsst.sal.ATHeaderService.logevent_largeFileObjectAvailable")
        }
    }

    @Test func latestVersionOfADottedSubject() async throws {
        try await withRegistry { server, port in
            try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let second = try server.register(subject: largeFileSubject, schemaText: largeFileSchemaV2)
            let latest = try await httpClient(port: port).latestSchema(subject: largeFileSubject)
            #expect(latest.subject == largeFileSubject)
            #expect(latest.id == second)
            #expect(latest.version == 2)
            #expect(latest.schema == (try AvroSchema(parsing: largeFileSchemaV2)))
        }
    }

    @Test func decodesAFramedMessage() async throws {
        try await withRegistry { server, port in
            let id = try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let value = AvroValue.record([
                ("salIndex", .long(0)), ("url", .string("s3://rubinobs-lfa-cp/ATHeaderService/header/2024/01/01/AT_O_20240101_000001.yaml")),
                ("generator", .string("ATHeaderService")), ("version", .double(1.0)),
            ])
            let message = try AvroEncoder().encodeFrame(value, as: AvroSchema(parsing: largeFileSchema), schemaID: id)
            let decoded = try await httpClient(port: port).decode(message)
            #expect(decoded.schemaID == id)
            #expect(decoded.value == value)
        }
    }

    @Test func unknownIDIsUnknownSchemaID() async throws {
        try await withRegistry { server, port in
            try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let error = await #expect(throws: AvroError.self) { try await httpClient(port: port, retries: 2).schema(id: 99) }
            #expect(error?.kind == .unknownSchemaID)
            #expect(server.requestCount == 1, "a 404 must not be retried")
        }
    }

    @Test func unknownSubjectIsUnknownSubject() async throws {
        try await withRegistry { _, port in
            let error = await #expect(throws: AvroError.self) { try await httpClient(port: port).latestSchema(subject: "lsst.sal.Nope.logevent_nothing-value") }
            #expect(error?.kind == .unknownSubject)
        }
    }

    @Test func sameSchemaKeepsItsID() async throws {
        try await withRegistry { server, port in
            let first = try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let again = try server.register(subject: largeFileSubject, schemaText: largeFileSchemaReformatted)
            let elsewhere = try server.register(subject: "lsst.sal.LATISS.logevent_largeFileObjectAvailable-value", schemaText: largeFileSchema)
            let other = try server.register(subject: largeFileSubject, schemaText: largeFileSchemaV2)
            #expect([first, again, elsewhere, other] == [1, 1, 1, 2])
            let latest = try await httpClient(port: port).latestSchema(subject: largeFileSubject)
            #expect(latest.version == 2, "re-registering must not add a version")
        }
    }

    @Test func outageIsReportedAfterRetriesThenRecovers() async throws {
        try await withRegistry { server, port in
            let id = try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let client = httpClient(port: port, retries: 2)
            server.available = false
            let error = await #expect(throws: AvroError.self) { try await client.schema(id: id) }
            #expect(error?.kind == .registryUnavailable)
            #expect(server.requestCount == 3, "one attempt and two retries")
            server.available = true
            #expect(try await client.schema(id: id) == (try AvroSchema(parsing: largeFileSchema)))
        }
    }

    @Test func basicAuthIsForwarded() async throws {
        try await withRegistry { server, port in
            let id = try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            _ = try await httpClient(port: port, username: "consdb", password: "s3cret:x").schema(id: id)
            // base64("consdb:s3cret:x")
            #expect(server.lastAuthorization == "Basic Y29uc2RiOnMzY3JldDp4")
            _ = try await httpClient(port: port).latestSchema(subject: largeFileSubject)
            #expect(server.lastAuthorization == nil)
        }
    }
}

/// The libcurl transport on its own: answers are returned, only their absence is thrown.
@Suite("Registry transport over libcurl")
struct RegistryTransportTests {
    @Test func errorAnswersAreReturnedNotThrown() async throws {
        try await withRegistry { server, port in
            let transport = registryTransport()
            let missing = try await transport(RegistryRequest(url: "http://127.0.0.1:\(port)/schemas/ids/7"))
            #expect(missing.status == 404)
            server.available = false
            let down = try await transport(RegistryRequest(url: "http://127.0.0.1:\(port)/subjects"))
            #expect(down.status == 503)
            #expect(server.requestCount == 2, "no Fetch-level retries")
        }
    }

    @Test func successBodiesArrive() async throws {
        try await withRegistry { server, port in
            try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let answer = try await registryTransport()(RegistryRequest(url: "http://127.0.0.1:\(port)/subjects"))
            #expect(answer.status == 200)
            #expect(String(decoding: answer.body, as: UTF8.self) == "[\"\(largeFileSubject)\"]")
        }
    }

    @Test func noAnswerIsThrown() async throws {
        let server = SchemaRegistryServer(logger: quietLogger())
        let port = try await server.start()
        await server.stop()
        let error = await #expect(throws: FetchError.self) {
            try await registryTransport()(RegistryRequest(url: "http://127.0.0.1:\(port)/schemas/ids/1"))
        }
        guard case .transport? = error?.kind else { Issue.record("expected a transport error, got \(String(describing: error))"); return }
        let clientError = await #expect(throws: AvroError.self) { try await httpClient(port: port, retries: 1).schema(id: 1) }
        #expect(clientError?.kind == .registryUnavailable)
    }

    @Test func onlyHTTPURLsAreFetched() async throws {
        let error = await #expect(throws: FetchError.self) {
            try await registryTransport()(RegistryRequest(url: "file:///etc/hostname"))
        }
        #expect(error?.kind == .unsupportedURL)
    }
}
