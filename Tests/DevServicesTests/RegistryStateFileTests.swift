import DevServices
import Foundation
import Testing

/// `consdb dev registry --state-file`: a registry restarted on its state file (as the chaos night does,
/// after killing it) serves every schema under the id producers were given, so messages framed before
/// the restart still decode.
@Suite("Dev schema registry state file")
struct RegistryStateFileTests {
    private func temporaryFile() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("registry.json")
    }

    @Test func aRegistryRestartedOnItsStateFileKeepsSubjectsVersionsAndIds() async throws {
        let file = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        #expect(!FileManager.default.fileExists(atPath: file.path))

        // First life: registrations over HTTP, as producers make them; the file appears with the first.
        let first = try SchemaRegistryServer(stateFile: file, logger: quietLogger())
        let firstPort = try await first.start()
        let other = #"{"type": "record", "name": "other", "fields": [{"name": "x", "type": "double"}]}"#
        #expect(try await RawHTTP.post(port: firstPort, "/subjects/other-value/versions", json: try registration(other)).text == #"{"id":1}"#)
        #expect(try await RawHTTP.post(port: firstPort, "/subjects/\(largeFileSubject)/versions", json: try registration(largeFileSchema)).text == #"{"id":2}"#)
        #expect(try await RawHTTP.post(port: firstPort, "/subjects/\(largeFileSubject)/versions", json: try registration(largeFileSchemaV2)).text == #"{"id":3}"#)
        #expect(FileManager.default.fileExists(atPath: file.path))
        let before = try await RawHTTP.get(port: firstPort, "/subjects/\(largeFileSubject)/versions/1").text
        await first.stop()

        // Second life, a new object (a new process in the chaos night) on the same file.
        let second = try SchemaRegistryServer(stateFile: file, logger: quietLogger())
        let port = try await second.start()
        #expect(try await RawHTTP.get(port: port, "/subjects").text == #"["\#(largeFileSubject)","other-value"]"#)
        #expect(try await RawHTTP.get(port: port, "/subjects/\(largeFileSubject)/versions").text == "[1,2]")
        #expect(try await RawHTTP.get(port: port, "/subjects/\(largeFileSubject)/versions/1").text == before)
        #expect(try await RawHTTP.get(port: port, "/schemas/ids/3/schema").text == largeFileSchemaV2)
        #expect(try await RawHTTP.get(port: port, "/schemas/ids/1/schema").text == other)
        // The same schema again (reformatted) keeps its id; a new one gets the next id, and is saved too.
        #expect(try await RawHTTP.post(port: port, "/subjects/\(largeFileSubject)/versions", json: try registration(largeFileSchemaReformatted)).text == #"{"id":2}"#)
        let third = #"{"type": "record", "name": "third", "fields": [{"name": "y", "type": "long"}]}"#
        #expect(try second.register(subject: "third-value", schemaText: third) == 4)
        await second.stop()

        let reloaded = try SchemaRegistryServer(stateFile: file, logger: quietLogger())
        let reloadedPort = try await reloaded.start()
        #expect(try await RawHTTP.get(port: reloadedPort, "/subjects/third-value/versions/latest").status == 200)
        #expect(try await RawHTTP.get(port: reloadedPort, "/schemas/ids/4/schema").text == third)
        #expect(try await RawHTTP.get(port: reloadedPort, "/schemas/ids/5").status == 404)
        await reloaded.stop()
    }

    @Test func aRegistryWithoutStateFileForgetsEverything() async throws {
        let first = SchemaRegistryServer(logger: quietLogger())
        try first.register(subject: largeFileSubject, schemaText: largeFileSchema)
        let second = SchemaRegistryServer(logger: quietLogger())
        let port = try await second.start()
        #expect(try await RawHTTP.get(port: port, "/schemas/ids/1").status == 404)
        await second.stop()
    }

    @Test(arguments: [
        "not json at all",
        #"{"schemas": ["{\"type\": \"nonsense\"}"], "subjects": {}}"#,
        #"{"schemas": [], "subjects": {"a-value": [1]}}"#,
        #"{"schemas": ["\"string\""], "subjects": {"a-value": [1, 1]}}"#,
        #"{"subjects": {}}"#,
    ])
    func aDamagedStateFileIsRefused(content: String) throws {
        let file = try temporaryFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data(content.utf8).write(to: file)
        #expect(throws: RegistryStateError.self) { try SchemaRegistryServer(stateFile: file, logger: quietLogger()) }
        // Refused, not overwritten: the operator can still look at it.
        #expect(try String(contentsOf: file, encoding: .utf8) == content)
    }

    @Test func aStateFileThatCannotBeSavedFailsTheRegistrationAndChangesNothing() async throws {
        let file = try temporaryFile()
        let folder = file.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try SchemaRegistryServer(stateFile: file, logger: quietLogger())
        try FileManager.default.removeItem(at: folder)  // nowhere to save
        #expect(throws: SchemaRegistryError.self) { try server.register(subject: largeFileSubject, schemaText: largeFileSchema) }
        let port = try await server.start()
        #expect(try await RawHTTP.post(port: port, "/subjects/\(largeFileSubject)/versions", json: try registration(largeFileSchema)).status == 500)
        #expect(try await RawHTTP.get(port: port, "/subjects").text == "[]")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(try server.register(subject: largeFileSubject, schemaText: largeFileSchema) == 1)
        await server.stop()
    }
}
