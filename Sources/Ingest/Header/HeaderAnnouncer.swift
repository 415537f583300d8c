import Avro
import Fetch
import JSON
import Kafka

/// Announces headers the way HeaderService does: a `logevent_largeFileObjectAvailable` event, Avro in the
/// Confluent wire format, on the instrument's HeaderService topic. For the demo and for tests; production
/// events come from HeaderService itself.
public struct HeaderAnnouncer: Sendable {
    public let instrument: Instrument
    public let producer: KafkaProducer
    public let schemaID: UInt32
    let schema: AvroSchema

    public init(instrument: Instrument, producer: KafkaProducer, schemaID: UInt32) throws {
        self.instrument = instrument
        self.producer = producer
        self.schemaID = schemaID
        self.schema = try AvroSchema(parsing: LargeFileAnnouncement.schemaText(component: instrument.headerService))
    }

    /// Registers the event schema under `<topic>-value` and returns its id.
    public static func registerSchema(for instrument: Instrument, registryURL: String, fetcher: Fetcher = Fetcher()) async throws -> UInt32 {
        try await SchemaRegistration.register(subject: instrument.eventTopic + "-value", schemaText: LargeFileAnnouncement.schemaText(component: instrument.headerService),
                                              registryURL: registryURL, fetcher: fetcher)
    }

    /// Sends one announcement; returns once the broker has it.
    public func announce(_ announcement: LargeFileAnnouncement, sequence: Int32 = 0) async throws {
        let value = announcement.avroValue(component: instrument.headerService, sequence: sequence)
        let frame = try AvroEncoder().encodeFrame(value, as: schema, schemaID: schemaID)
        let key = "{\"name\": \"\(instrument.headerService)\", \"topic\": \"logevent_largeFileObjectAvailable\"}"
        _ = try await producer.send([KafkaOutgoingMessage(topic: instrument.eventTopic, key: Array(key.utf8), value: frame)])
    }

}

/// Registers schemas with a Confluent registry (`POST /subjects/{subject}/versions`), as SAL producers do
/// at startup. For the demo and tests.
public enum SchemaRegistration {
    public static func register(subject: String, schemaText: String, registryURL: String, fetcher: Fetcher = Fetcher()) async throws -> UInt32 {
        var base = registryURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = FetchRequest(url: base + "/subjects/\(subject)/versions")
        request.method = .post
        request.headers = [("Content-Type", "application/vnd.schemaregistry.v1+json")]
        request.body = Array(JSONValue.object([("schema", .string(schemaText))]).serialized.utf8)
        let response = try await fetcher.perform(request, retry: fetcher.retry)
        // The answer is `{"id": N}`.
        guard let id = (try? JSONValue.parse(response.body))?["id"]?.numberText.flatMap({ UInt32($0) }) else {
            let text = String(decoding: response.body, as: UTF8.self)
            throw IngestSetupError("the registry answered the schema registration with \(text.prefix(200))")
        }
        return id
    }
}
