import Avro

/// Decodes telemetry messages straight into the numbers the engine needs: per writer schema, a record
/// reader for the EFD time (`private_efdStamp`, UTC unix seconds) and the topic's fields, in buffer order.
struct TelemetryDecoder {
    static let timeField = "private_efdStamp"

    let registry: SchemaRegistryClient
    /// Field names per topic, in buffer column order.
    let topicFields: [String: [String]]
    private var readers: [ReaderKey: AvroRecordReader] = [:]
    private var values: [Double] = []

    struct ReaderKey: Hashable {
        var topic: String
        var schemaID: UInt32
    }

    init(registry: SchemaRegistryClient, topicFields: [String: [String]]) {
        self.registry = registry
        self.topicFields = topicFields
    }

    /// Why a message cannot be used (it goes to the dead-letter table).
    struct Rejected: Error, CustomStringConvertible {
        var description: String
    }

    /// The message's EFD time and field values (NaN where the message lacks a field). Throws `Rejected`
    /// for a bad message, and the registry's `AvroError` (`.registryUnavailable`) when the schema cannot be
    /// fetched now.
    mutating func decode(topic: String, message: [UInt8], into output: inout [Double]) async throws -> Double {
        guard let fields = topicFields[topic] else { throw Rejected(description: "topic \(topic) is not in the config") }
        let frame: (schemaID: UInt32, body: ArraySlice<UInt8>)
        do { frame = try ConfluentFrame.parse(message) } catch { throw Rejected(description: error.description) }
        let key = ReaderKey(topic: topic, schemaID: frame.schemaID)
        if readers[key] == nil {
            let schema: AvroSchema
            do { schema = try await registry.schema(id: frame.schemaID) } catch {
                if error.kind == .registryUnavailable || error.kind == .cancelled { throw error }
                throw Rejected(description: error.description)
            }
            do { readers[key] = try AvroRecordReader(schema: schema, columns: [Self.timeField] + fields) } catch {
                throw Rejected(description: "schema id \(frame.schemaID): \(error.description)")
            }
        }
        do { try readers[key]!.read(frame.body, into: &values) } catch { throw Rejected(description: error.description) }
        let time = values[0]
        guard time.isFinite, time > 0 else { throw Rejected(description: "the message has no usable \(Self.timeField) (\(time))") }
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: values[1...])
        return time
    }
}
