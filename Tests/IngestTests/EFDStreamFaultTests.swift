import Avro
import EFD
import Foundation
import Ingest
import Kafka
import Postgres
import Testing
import TestSupport

/// The EFD stream with hostile telemetry, a topic that disappears, two replicas sharing the topics, and a
/// ConsDB it cannot read windows from.
@Suite("EFD stream: faults and replicas", .serialized)
struct EFDStreamFaultTests {
    /// Temperature messages whose writer schema lacks the array (both items missing), or lacks salIndex.
    static let withoutItems = """
        {"type": "record", "name": "temperature", "namespace": "lsst.sal.ESS", "fields": [
          {"name": "salIndex", "type": "int"}, {"name": "private_efdStamp", "type": "double"}]}
        """
    static let withoutIndex = """
        {"type": "record", "name": "temperature", "namespace": "lsst.sal.ESS", "fields": [
          {"name": "private_efdStamp", "type": "double"}, {"name": "temperatureItem", "type": {"type": "array", "items": "float"}}]}
        """

    @Test func hostileMessagesAndAVanishingTopic() async throws {
        try await EFDStreamHarness.with { harness in
            let now = Date().timeIntervalSince1970.rounded()
            let begin = now - 100, end = now - 90
            try await harness.insertExposure(seq: 1, begin: begin, end: end)
            // Good samples at k = 0...10 (item0 = k, item1 = 10 k, salIndex 110), then, inside the window,
            // messages written with schemas that lack fields: NaN where a field is missing, so they count
            // nowhere (no items), or only where no subset applies (no salIndex).
            for k in 0...10 {
                try await harness.sendTemperature(at: begin + Double(k), salIndex: 110, items: [Float(k), Float(10 * k)])
            }
            let noItems = try harness.registry.register(subject: "\(EFDStreamHarness.temperatureTopic)-value", schemaText: Self.withoutItems)
            let noIndex = try harness.registry.register(subject: "\(EFDStreamHarness.temperatureTopic)-value", schemaText: Self.withoutIndex)
            try await harness.send(.record([("salIndex", .int(110)), ("private_efdStamp", .double(begin + 4.5))]),
                                   try AvroSchema(parsing: Self.withoutItems), id: noItems, topic: EFDStreamHarness.temperatureTopic)
            try await harness.send(.record([("private_efdStamp", .double(begin + 5.5)), ("temperatureItem", .array([.float(1000), .float(2000)]))]),
                                   try AvroSchema(parsing: Self.withoutIndex), id: noIndex, topic: EFDStreamHarness.temperatureTopic)
            // A frame naming a schema id the registry does not know, and one cut short.
            try await harness.producer.send(topic: EFDStreamHarness.temperatureTopic, value: [0, 0, 0, 0x7f, 0x3a] + Array(repeating: 1, count: 12))
            var frame = try AvroEncoder().encodeFrame(.record([
                ("salIndex", .int(110)), ("private_sndStamp", .double(0)), ("private_efdStamp", .double(begin + 6.5)),
                ("temperatureItem", .array([.float(1), .float(2)])),
            ]), as: harness.temperature, schemaID: harness.temperatureID)
            frame.removeLast(6)
            try await harness.producer.send(topic: EFDStreamHarness.temperatureTopic, value: frame)
            try await harness.sendTemperature(at: end + 5, salIndex: 111, items: [0, 0])
            try await harness.sendHexapod(at: begin - 60, u: 1.5)
            try await harness.sendHexapod(at: end + 5, u: 2.5)

            let metrics = EFDStreamMetrics(instrument: "LATISS")
            let (worker, consumer) = try harness.worker(group: "efd-faults", metrics: metrics)
            let run = Task { try await worker.run() }
            do {
                try await harness.waitUntil("the first exposure's row") {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE temp_mean IS NOT NULL") == 1
                }
                let row = try await harness.pool.query("SELECT temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 1").rows
                // Mean of k = 0...10 = 5 (the message without items adds NaN, ignored; the one without salIndex
                // fails the subset filter); max of item1 includes the un-indexed message's 2000.
                #expect(row == [["5", "2000", "1.5"]])
                let rejected = try await harness.pool.query("""
                    SELECT error FROM consdb_ingest.rejected WHERE worker = 'efd stream LATISS' ORDER BY "offset"
                    """).rows.compactMap { $0.first ?? nil }
                #expect(rejected.count == 2)
                #expect(rejected.first?.contains("schema") == true, "\(rejected)")

                // The hexapod topic disappears from the cluster: the stream goes on with the rest, and
                // leaves the hexapod's columns of later exposures alone (NULL) rather than guessing.
                try await harness.cluster.setTopicError(EFDStreamHarness.hexapodTopic, .unknownTopicOrPartition)
                try await harness.waitUntil("the hexapod topic to be dropped") { metrics.reading("consdb_efd_owned_topics") == 1 }
                // The data first: a window long past its end closes as soon as the stream has caught up.
                let later = now - 40
                for k in 0...15 {
                    try await harness.sendTemperature(at: later + Double(k), salIndex: 110, items: [Float(100 + k), 0])
                }
                try await harness.insertExposure(seq: 2, begin: later, end: later + 10)
                try await harness.waitUntil("the second exposure's row") {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE seq_num = 2") == 1
                }
                let second = try await harness.pool.query("SELECT temp_mean, hexapod_u FROM efd_latiss.exposure_efd WHERE seq_num = 2").rows
                #expect(second == [["105", nil]])
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

    @Test func twoReplicasSplitTheTopicsAndWriteTheirOwnColumns() async throws {
        try await EFDStreamHarness.with { harness in
            let firstMetrics = EFDStreamMetrics(instrument: "LATISS")
            let secondMetrics = EFDStreamMetrics(instrument: "LATISS")
            let (first, firstConsumer) = try harness.worker(group: "efd-replicas", strategy: .cooperativeSticky, metrics: firstMetrics)
            let (second, secondConsumer) = try harness.worker(group: "efd-replicas", strategy: .cooperativeSticky, metrics: secondMetrics)
            let firstRun = Task { try await first.run() }
            var secondRun: Task<Void, Error>?
            do {
                try await harness.waitUntil("the first replica to own both topics") { firstMetrics.reading("consdb_efd_owned_topics") == 2 }
                secondRun = Task { try await second.run() }
                try await harness.waitUntil("the replicas to split the topics") {
                    firstMetrics.reading("consdb_efd_owned_topics") == 1 && secondMetrics.reading("consdb_efd_owned_topics") == 1
                }
                let now = Date().timeIntervalSince1970.rounded()
                // Temperature item0 = k every second from now-90; the hexapod at 3.25 an hour-look-back before.
                // The data first: a window long past its end closes as soon as the stream has caught up.
                for k in 0...75 {
                    try await harness.sendTemperature(at: now - 90 + Double(k), salIndex: 110, items: [Float(k), Float(2 * k)])
                }
                try await harness.sendHexapod(at: now - 1000, u: 3.25)
                try await harness.sendHexapod(at: now - 5, u: 4)
                for seq in 1...3 {
                    let begin = now - 100 + Double(seq) * 20
                    try await harness.insertExposure(seq: seq, begin: begin, end: begin + 10)
                }
                try await harness.waitUntil("three complete rows") {
                    try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd WHERE temp_mean IS NOT NULL AND hexapod_u IS NOT NULL") == 3
                }
                let rows = try await harness.pool.query("SELECT seq_num, temp_mean, temp_max, hexapod_u FROM efd_latiss.exposure_efd ORDER BY seq_num").rows
                // Exposure seq covers k = 20 seq - 10 ... 20 seq: mean 20 seq - 5, max of item1 40 seq.
                #expect(rows == (1...3).map { seq in ["\(seq)", "\(20 * seq - 5)", "\(40 * seq)", "3.25"] })
                let unpivoted = try await harness.count("SELECT count(*) FROM efd_latiss.exposure_efd_unpivoted")
                #expect(unpivoted == 6)
                // Each replica wrote rows (its own columns) and neither rejected anything.
                #expect((firstMetrics.reading("consdb_efd_rows_written_total") ?? 0) > 0)
                #expect((secondMetrics.reading("consdb_efd_rows_written_total") ?? 0) > 0)
                #expect(try await harness.count("SELECT count(*) FROM consdb_ingest.rejected") == 0)
            } catch {
                first.stop()
                second.stop()
                _ = try? await firstRun.value
                _ = try? await secondRun?.value
                await firstConsumer.close()
                await secondConsumer.close()
                throw error
            }
            first.stop()
            second.stop()
            try await firstRun.value
            try await secondRun?.value
            await firstConsumer.close()
            await secondConsumer.close()
        }
    }

    @Test func refusesAVisitFilterColumnThatIsNotThere() async throws {
        try await EFDStreamHarness.with { harness in
            for (column, message) in [("no_such_column", "is not a column of cdb_latiss.visit1"), ("exposure_name", "is character varying, not boolean")] {
                let consumer = try KafkaConsumer.make(configuration: harness.consumerConfiguration(group: "efd-filter"), logger: ingestTestLogger)
                let worker = EFDStreamWorker(
                    consumer: consumer,
                    registry: SchemaRegistryClient.overHTTP(configuration: SchemaRegistryConfiguration(url: harness.registry.baseURL!)),
                    engine: SummaryEngine(config: harness.config), pool: harness.pool, listenURL: harness.url, instrument: "LATISS",
                    cdbSchema: "cdb_latiss", efdSchema: "efd_latiss", visitFilterColumn: column, metrics: EFDStreamMetrics(instrument: "LATISS"),
                    logger: ingestTestLogger
                )
                await #expect { try await worker.run() } throws: { error in
                    (error as? WindowSourceError)?.message.contains(message) == true
                }
                await consumer.close()
            }
        }
    }
}
