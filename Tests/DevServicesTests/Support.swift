import Avro
import Foundation
import DevServices
import Ingest
import Logging

/// Hummingbird's per-server messages would drown the test output.
func quietLogger() -> Logger {
    var logger = Logger(label: "test.registry")
    logger.logLevel = .warning
    return logger
}

/// Runs `body` with a started registry and stops it afterwards, also when `body` throws.
func withRegistry(_ body: (SchemaRegistryServer, Int) async throws -> Void) async throws {
    let server = SchemaRegistryServer(logger: quietLogger())
    let port = try await server.start()
    do {
        try await body(server, port)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// A client over real HTTP (libcurl) with retry delays short enough for tests.
func httpClient(port: Int, retries: Int = 0, username: String? = nil, password: String? = nil) -> SchemaRegistryClient {
    .overHTTP(configuration: SchemaRegistryConfiguration(
        url: "http://127.0.0.1:\(port)/", username: username, password: password, maximumRetries: retries,
        retryBaseDelay: .milliseconds(1), maximumRetryDelay: .milliseconds(5)
    ))
}

/// The subject of a real SAL topic: its dots must survive the path.
let largeFileSubject = "lsst.sal.ATHeaderService.logevent_largeFileObjectAvailable-value"

/// A cut-down version of that topic's schema.
let largeFileSchema = """
    {"type": "record", "name": "logevent_largeFileObjectAvailable", "namespace": "lsst.sal.ATHeaderService",
     "fields": [{"name": "salIndex", "type": "long"}, {"name": "url", "type": "string"},
                {"name": "generator", "type": "string"}, {"name": "version", "type": "double"}]}
    """

/// The same schema reformatted and with members reordered: the registry must treat it as the same one.
let largeFileSchemaReformatted = """
    {"namespace":"lsst.sal.ATHeaderService","name":"logevent_largeFileObjectAvailable","type":"record","fields":[{"type":"long","name":"salIndex"},{"name":"url","type":"string"},{"name":"generator","type":"string"},{"name":"version","type":"double"}]}
    """

/// A second version: one more field.
let largeFileSchemaV2 = """
    {"type": "record", "name": "logevent_largeFileObjectAvailable", "namespace": "lsst.sal.ATHeaderService",
     "fields": [{"name": "salIndex", "type": "long"}, {"name": "url", "type": "string"},
                {"name": "generator", "type": "string"}, {"name": "version", "type": "double"},
                {"name": "id", "type": "string", "default": ""}]}
    """

/// The JSON request body that registers `schema`, built by Foundation so it is independent of the
/// server's own JSON writer.
func registration(_ schema: String) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: ["schema": schema]), as: UTF8.self)
}
