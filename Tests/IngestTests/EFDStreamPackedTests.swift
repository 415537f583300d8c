import Avro
import EFD
import Foundation
import Ingest
import Testing

/// packed_series columns in the stream: rows of N samples unpacked by cRIO_timestamp (TAI) as they arrive.
@Suite("EFD stream: packed series", .serialized)
struct EFDStreamPackedTests {
    static let topic = "lsst.sal.ATMCS.mount_AzEl_Encoders"
    static let config = EFDStreamHarness.config + """

        - name: az_mean
          tables: [exposure_efd]
          function: mean
          datatype: float
          packed_series: true
          topics: [{name: \(topic), fields: [{name: azimuthCalculatedAngle}]}]
        """
    static let schema = """
        {"type": "record", "name": "mount_AzEl_Encoders", "namespace": "lsst.sal.ATMCS", "fields": [
          {"name": "private_efdStamp", "type": "double"}, {"name": "cRIO_timestamp", "type": "double"},
          {"name": "azimuthCalculatedAngle", "type": {"type": "array", "items": "double"}}]}
        """

    @Test func unpacksRowsIntoSamplesSpacedByTheGapToTheNextRow() async throws {
        try await EFDStreamHarness.with(config: Self.config) { harness in
            let id = try harness.registry.register(subject: "\(Self.topic)-value", schemaText: Self.schema)
            let schema = try AvroSchema(parsing: Self.schema)
            let now = Date().timeIntervalSince1970.rounded()
            let begin = now - 40, end = now - 30
            try await harness.insertExposure(seq: 1, begin: begin, end: end)
            // One row a second from begin-5 to end+5, 4 samples each (dt = 0.25 s): sample i of the row at
            // begin + k is 10k + i, its first sample at the row's cRIO_timestamp (TAI).
            for k in -5...15 {
                let t = begin + Double(k)
                try await harness.send(.record([
                    ("private_efdStamp", .double(t + 0.01)), ("cRIO_timestamp", .double(EFDStreamHarness.tai(t))),
                    ("azimuthCalculatedAngle", .array((0..<4).map { .double(Double(10 * k + $0)) })),
                ]), schema, id: id, topic: Self.topic)
            }
            let (worker, consumer) = try harness.worker(group: "efd-stream-packed")
            let run = Task { try await worker.run() }
            do {
                try await harness.waitUntil("the exposure row") {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE az_mean IS NOT NULL") == 1
                }
                // In [begin, end]: rows k = 0…9 whole (Σ 40k + 6 = 1,860) and row 10's first sample (100):
                // 1,960 over 41 samples (47.804878…; the column is a 4-byte float).
                let mean = try await harness.value("SELECT az_mean FROM efd_latiss.exposure_efd WHERE seq_num = 1").flatMap(Double.init)
                #expect(mean.map { abs($0 - 1960.0 / 41) < 1e-5 } == true, "az_mean \(String(describing: mean))")
            } catch {
                worker.stop()
                _ = try? await run.value
                await consumer.close()
                throw error
            }
            worker.stop()
            try await run.value
            await consumer.close()
        }
    }
}
