import DevServices
import Testing

@Suite("Dev schema registry start and stop")
struct RegistryLifecycleTests {
    @Test func startReportsThePortAndStopClosesIt() async throws {
        let server = SchemaRegistryServer(logger: quietLogger())
        #expect(server.port == nil)
        let port = try await server.start()
        #expect(port > 0)
        #expect(server.port == port)
        #expect(server.baseURL == "http://127.0.0.1:\(port)")
        #expect(RawHTTP.accepts(port: port))
        await server.stop()
        #expect(server.port == nil)
        #expect(!RawHTTP.accepts(port: port))
        await server.stop()  // harmless
    }

    @Test func startingTwiceIsRefused() async throws {
        let server = SchemaRegistryServer(logger: quietLogger())
        try await server.start()
        await #expect(throws: SchemaRegistryServerError.alreadyRunning) { try await server.start() }
        await server.stop()
    }

    @Test func aTakenPortFailsToStart() async throws {
        let first = SchemaRegistryServer(logger: quietLogger())
        let port = try await first.start()
        let second = SchemaRegistryServer(port: port, logger: quietLogger())
        await #expect(throws: (any Error).self) { try await second.start() }
        #expect(second.port == nil)
        await first.stop()
    }

    @Test func contentsSurviveARestart() async throws {
        let server = SchemaRegistryServer(logger: quietLogger())
        try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
        try await server.start()
        await server.stop()
        let port = try await server.start()
        #expect(try await RawHTTP.get(port: port, "/schemas/ids/1").status == 200)
        await server.stop()
    }
}
