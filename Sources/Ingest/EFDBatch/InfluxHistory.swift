import EFD
import InfluxDB

/// EFD history from the EFD's InfluxDB (`EFD_URL`): one query per topic and task, selecting only the fields
/// the engine reads, streamed chunk by chunk into the buffer.
public struct InfluxHistory: TelemetryHistory {
    public let client: InfluxClient

    public init(client: InfluxClient) {
        self.client = client
    }

    public func read(topic: String, from: Double, through: Double, into buffer: inout TopicBuffer) async throws -> HistoryReadStats {
        // Fields the buffer holds but no column reads (none today) would cost nothing: InfluxDB answers null.
        guard !buffer.fieldNames.isEmpty else {
            // A topic read only for packed fields it does not have: nothing to ask.
            return HistoryReadStats()
        }
        let stats = try await client.read(topic: topic, fields: buffer.fieldNames, from: from, through: through, into: &buffer)
        return HistoryReadStats(rows: stats.rows, bytes: stats.bytes, waiting: stats.waiting, parsing: stats.parsing)
    }

    public func fieldNames(topic: String) async throws -> Set<String>? {
        Set(try await client.fieldKeys(topic: topic).map(\.name))
    }
}
