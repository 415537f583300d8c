// Against a real influxd (scripts/influx-throwaway, CONSDB_TEST_INFLUX_URL): synthetic telemetry
// written with line protocol, read back into TopicBuffers and compared value by value.

import EFD
import Fetch
import Foundation
@testable import InfluxDB
import Ingest  // TopicBuffer as an InfluxRowTarget
import Testing
import TestSupport

private let topic = "lsst.sal.MTMount.azimuth"
private let base: Int64 = 1_700_000_000_000_000_000

/// One line of line protocol; `fields` values are written as given (`1.5`, `3i`, `true`, `"text"`).
private func line(_ measurement: String, _ fields: [(String, String)], _ time: Int64) -> String {
    func escapeKey(_ key: String) -> String {
        key.replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "=", with: "\\=").replacingOccurrences(of: " ", with: "\\ ")
    }
    return measurement + " " + fields.map { escapeKey($0.0) + "=" + $0.1 }.joined(separator: ",") + " \(time)\n"
}

/// Shortest text that round-trips (Swift's description), which InfluxDB parses back exactly.
private func float(_ value: Double) -> String { "\(value)" }

@Suite("InfluxDB client against influxd")
struct InfluxServerTests {
    @Test func roundTripsTimesAndValuesExactly() async throws {
        try await TestInflux.withFreshDatabase { client in
            var random = SeededGenerator(seed: 3)
            var times: [Int64] = []
            var values: [[Double]] = []
            var text = ""
            var time = base + 123_456_789
            let specials: [Double] = [0, -0.0, 0.1, 1.0 / 3, -2.5e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 123456789.123456789, 1e21, 1e-7]
            for i in 0..<600 {
                time += Int64.random(in: 1...50_000_000, using: &random)
                let a = i < specials.count ? specials[i] : Double(Float.random(in: -400...400, using: &random))
                var b = Double(bitPattern: random.next())
                if !b.isFinite { b = 42 }
                times.append(time)
                values.append([a, b])
                text += line(topic, [("actualPosition", float(a)), ("raw", float(b))], time)
            }
            try await client.write(lineProtocol: text)
            var buffer = TopicBuffer(fields: ["actualPosition", "raw"])
            let stats = try await client.read(topic: topic, fields: ["actualPosition", "raw"], from: 1.6e9, through: 1.8e9, into: &buffer)
            #expect(stats.rows == 600)
            #expect(buffer.count == 600)
            #expect(buffer.times == times.map(InfluxTime.seconds(nanoseconds:)))
            #expect(sameBits(buffer.values(field: 0), values.map { $0[0] }))
            #expect(sameBits(buffer.values(field: 1), values.map { $0[1] }))
            #expect(stats.bytes > 0 && stats.chunks >= 1)
        }
    }

    @Test func boundsAreInclusive() async throws {
        try await TestInflux.withFreshDatabase { client in
            // Samples a second apart, plus one just a microsecond either side of the 3 s sample.
            var text = ""
            for second in 0..<6 { text += line(topic, [("v", float(Double(second)))], base + Int64(second) * 1_000_000_000) }
            text += line(topic, [("v", "-1")], base + 3_000_000_000 - 1_000)
            text += line(topic, [("v", "-2")], base + 3_000_000_000 + 1_000)
            try await client.write(lineProtocol: text)
            func read(_ from: Int64, _ through: Int64) async throws -> [Double] {
                var buffer = TopicBuffer(fields: ["v"])
                _ = try await client.read(topic: topic, fields: ["v"], fromNanoseconds: from, throughNanoseconds: through, into: &buffer)
                return buffer.values(field: 0)
            }
            #expect(try await read(base + 1_000_000_000, base + 3_000_000_000) == [1, 2, -1, 3])
            #expect(try await read(base + 1_000_000_001, base + 2_999_999_999) == [2, -1])
            #expect(try await read(base + 3_000_000_000, base + 3_000_000_000) == [3])
            #expect(try await read(base + 3_000_000_000, base + 2_000_000_000) == [])
            // Double bounds: a sample whose time equals `from` or `through` is included, as in TopicBuffer.range.
            var buffer = TopicBuffer(fields: ["v"])
            let from = InfluxTime.seconds(nanoseconds: base + 1_000_000_000)
            let through = InfluxTime.seconds(nanoseconds: base + 3_000_000_000)
            _ = try await client.read(topic: topic, fields: ["v"], from: from, through: through, into: &buffer)
            #expect(buffer.values(field: 0) == [1, 2, -1, 3])
            #expect(buffer.times.first == from && buffer.times.last == through)
            // Just past the samples' Doubles: they drop out.
            buffer.removeAll()
            _ = try await client.read(topic: topic, fields: ["v"], from: from.nextUp, through: through.nextDown, into: &buffer)
            #expect(buffer.values(field: 0) == [2, -1])
        }
    }

    @Test func missingFieldsAndSparseRowsAreNaN() async throws {
        try await TestInflux.withFreshDatabase { client in
            try await client.write(lineProtocol:
                line(topic, [("a", "1"), ("b", "10")], base)
                + line(topic, [("a", "2")], base + 1_000)
                + line(topic, [("b", "30")], base + 2_000))
            var buffer = TopicBuffer(fields: ["b", "ghost", "a"])
            _ = try await client.read(topic: topic, fields: ["a", "b", "ghost"], from: 0, through: 2e9, into: &buffer)
            #expect(buffer.count == 3)
            #expect(sameBits(buffer.values(field: 2), [1, 2, .nan]))
            #expect(sameBits(buffer.values(field: 0), [10, .nan, 30]))
            #expect(allNaN(buffer.values(field: 1)))
            // A field the buffer has but the read does not ask for stays NaN too.
            var partial = TopicBuffer(fields: ["a", "b"])
            _ = try await client.read(topic: topic, fields: ["a"], from: 0, through: 2e9, into: &partial)
            #expect(allNaN(partial.values(field: 1)))
            #expect(partial.count == 2)  // the row with only b has no "a": InfluxDB leaves it out
        }
    }

    @Test func emptyAnswersAreNotErrors() async throws {
        try await TestInflux.withFreshDatabase { client in
            try await client.write(lineProtocol: line(topic, [("a", "1")], base))
            var buffer = TopicBuffer(fields: ["a"])
            let none = try await client.read(topic: "lsst.sal.Nothing.here", fields: ["a"], from: 0, through: 2e9, into: &buffer)
            #expect(none.rows == 0 && buffer.isEmpty)
            let before = try await client.read(topic: topic, fields: ["a"], from: 0, through: 1.6e9, into: &buffer)
            #expect(before.rows == 0 && buffer.isEmpty)
            let unknownField = try await client.read(topic: topic, fields: ["a"], from: 1.8e9, through: 1.9e9, into: &buffer)
            #expect(unknownField.rows == 0)
            #expect(try await client.fieldKeys(topic: "lsst.sal.Nothing.here").isEmpty)
        }
    }

    @Test func answersSpanningManyChunks() async throws {
        try await TestInflux.withFreshDatabase(chunkSize: 7) { client in
            var text = ""
            for i in 0..<1000 { text += line(topic, [("i", "\(i)i"), ("x", float(Double(i) * 0.001))], base + Int64(i) * 100_000_000) }
            try await client.write(lineProtocol: text)
            var buffer = TopicBuffer(fields: ["i", "x"])
            let stats = try await client.read(topic: topic, fields: ["i", "x"], from: 0, through: 2e9, into: &buffer)
            #expect(stats.rows == 1000)
            #expect(stats.chunks >= 1000 / 7)
            #expect(buffer.values(field: 0) == (0..<1000).map(Double.init))
            #expect(buffer.values(field: 1) == (0..<1000).map { Double($0) * 0.001 })
            #expect(buffer.times == (0..<1000).map { InfluxTime.seconds(nanoseconds: base + Int64($0) * 100_000_000) })
        }
    }

    @Test func integerBooleanAndStringFields() async throws {
        try await TestInflux.withFreshDatabase { client in
            try await client.write(lineProtocol:
                line(topic, [("n", "9007199254740993i"), ("flag", "true"), ("s", "\"text, with \\\"quotes\\\"\""), ("neg", "-9223372036854775807i")], base)
                + line(topic, [("n", "-3i"), ("flag", "false"), ("s", "\"\""), ("neg", "0i")], base + 1))
            var buffer = TopicBuffer(fields: ["n", "flag", "s", "neg"])
            _ = try await client.read(topic: topic, fields: ["n", "flag", "s", "neg"], from: 0, through: 2e9, into: &buffer)
            #expect(buffer.values(field: 0) == [9007199254740992, -3])  // the nearest double to 2⁵³ + 1
            #expect(buffer.values(field: 1) == [1, 0])
            #expect(allNaN(buffer.values(field: 2)))
            #expect(buffer.values(field: 3) == [Double(-Int64.max), 0])  // the nearest double, -2⁶³
            #expect(buffer.times == [InfluxTime.seconds(nanoseconds: base), InfluxTime.seconds(nanoseconds: base + 1)])
            let keys = try await client.fieldKeys(topic: topic)
            #expect(Set(keys) == [InfluxFieldKey(name: "n", type: "integer"), InfluxFieldKey(name: "flag", type: "boolean"),
                                  InfluxFieldKey(name: "s", type: "string"), InfluxFieldKey(name: "neg", type: "integer")])
            #expect(try await client.measurements() == [topic])
        }
    }

    @Test func aggregatesInEpochAlignedBuckets() async throws {
        try await TestInflux.withFreshDatabase { client in
            // Four samples per second over 0–2.75 s, then a gap, then 10 s.
            var text = ""
            var samples: [(Int64, Double)] = []
            for i in 0..<12 { samples.append((base + Int64(i) * 250_000_000, Double(i * i))) }
            samples.append((base + 10_000_000_000, -5))
            for (time, value) in samples { text += line(topic, [("v", float(value)), ("w", float(-value))], time) }
            try await client.write(lineProtocol: text)
            for statistic in InfluxStatistic.allCases {
                var buffer = TopicBuffer(fields: ["v", "w"])
                _ = try await client.read(topic: topic, fields: ["v", "w"], from: 1.7e9, through: 1.7e9 + 11,
                                          groupBy: .seconds(1), statistic: statistic, into: &buffer)
                let bucketTimes: [Double] = [1.7e9, 1.7e9 + 1, 1.7e9 + 2, 1.7e9 + 10]
                #expect(buffer.times == bucketTimes)  // empty buckets skipped
                let buckets: [[Double]] = [[0, 1, 4, 9], [16, 25, 36, 49], [64, 81, 100, 121], [-5]]
                let expected = buckets.map { values -> Double in
                    switch statistic {
                    case .mean: return values.reduce(0, +) / Double(values.count)
                    case .min: return values.min()!
                    case .max: return values.max()!
                    }
                }
                // w = -v, so its min is -max(v) and its max is -min(v).
                let expectedW: [Double] = buckets.map { values -> Double in
                    switch statistic {
                    case .mean: return -(values.reduce(0, +) / Double(values.count))
                    case .min: return -values.max()!
                    case .max: return -values.min()!
                    }
                }
                #expect(buffer.values(field: 0) == expected, "\(statistic)")
                #expect(buffer.values(field: 1) == expectedW, "\(statistic)")
            }
            // Bounds cut inside a bucket: only the samples in range count.
            var buffer = TopicBuffer(fields: ["v"])
            _ = try await client.read(topic: topic, fields: ["v"], from: 1.7e9 + 0.5, through: 1.7e9 + 1.25, groupBy: .seconds(1), statistic: .mean, into: &buffer)
            let cutTimes: [Double] = [1.7e9, 1.7e9 + 1]
            let cutMeans: [Double] = [(4 + 9) / 2, (16 + 25) / 2]
            #expect(buffer.times == cutTimes)
            #expect(buffer.values(field: 0) == cutMeans)
        }
    }

    @Test func quotesFieldNamesAndRefusesOddTopics() async throws {
        try await TestInflux.withFreshDatabase { client in
            try await client.write(lineProtocol:
                line(topic, [(#"we"ird"#, "1.5"), (#"back\slash"#, "2.5"), ("sp ace", "3.5"), ("plain", "4.5")], base)
                + line("other", [("secret", "99")], base))
            let odd = [#"we"ird"#, #"back\slash"#, "sp ace"]
            var buffer = TopicBuffer(fields: odd)
            _ = try await client.read(topic: topic, fields: odd, from: 0, through: 2e9, into: &buffer)
            #expect(buffer.values(field: 0) == [1.5])
            #expect(buffer.values(field: 1) == [2.5])
            #expect(buffer.values(field: 2) == [3.5])
            // A field name that tries to close the quote and read another measurement stays a field name.
            let hostile = #"plain" FROM "other" --"#
            var injected = TopicBuffer(fields: [hostile, "plain"])
            let stats = try await client.read(topic: topic, fields: [hostile, "plain"], from: 0, through: 2e9, into: &injected)
            #expect(stats.rows == 1)
            #expect(allNaN(injected.values(field: 0)))
            #expect(injected.values(field: 1) == [4.5])
            // Topics are not quoted-and-hoped-for: anything but a plain name is refused before sending.
            for badTopic in [#"other" WHERE 1=1 --"#, "lsst.sal.X\"", "a b", ""] {
                var any = TopicBuffer(fields: ["plain"])
                let error = await #expect(throws: InfluxError.self) {
                    try await client.read(topic: badTopic, fields: ["plain"], from: 0, through: 2e9, into: &any)
                }
                #expect(error?.kind == .invalidRequest)
                #expect(error?.isTransient == false)
            }
        }
    }

    @Test func serverDownIsTransient() async throws {
        let closed = try RefusingPort()
        defer { withExtendedLifetime(closed) {} }
        let client = try InfluxClient(settings: InfluxSettings(url: "http://127.0.0.1:\(closed.port)", connectTimeout: .seconds(2), timeout: .seconds(5)))
        var buffer = TopicBuffer(fields: ["a"])
        let error = await #expect(throws: InfluxError.self) {
            try await client.read(topic: topic, fields: ["a"], from: 0, through: 2e9, into: &buffer)
        }
        guard case .connection? = error?.kind else {
            Issue.record("expected .connection, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
        #expect(error?.query?.contains("SELECT") == true)
        await #expect(throws: InfluxError.self) { try await client.ping() }
    }

    @Test func serverErrorsAreSurfaced() async throws {
        try await TestInflux.withFreshDatabase { client in
            try await client.ping()
            // A database that does not exist: an "error" inside a 200 answer.
            var settings = client.settings
            settings.database = "no_such_database_\(UInt32.random(in: 0...UInt32.max))"
            let missing = try InfluxClient(settings: settings)
            var buffer = TopicBuffer(fields: ["a"])
            let notFound = await #expect(throws: InfluxError.self) {
                try await missing.read(topic: topic, fields: ["a"], from: 0, through: 2e9, into: &buffer)
            }
            #expect(notFound?.kind == .server)
            #expect(notFound?.message.contains("database not found") == true)
            #expect(notFound?.isTransient == false)
            // A statement InfluxDB refuses while running it: MEAN of a string field.
            try await client.write(lineProtocol: line(topic, [("s", "\"x\"")], base))
            var strings = TopicBuffer(fields: ["s"])
            let refused = await #expect(throws: InfluxError.self) {
                try await client.read(topic: topic, fields: ["s"], from: 0, through: 2e9, groupBy: .seconds(1), statistic: .mean, into: &strings)
            }
            #expect(refused?.kind == .server)
            #expect(refused?.message.isEmpty == false)
            // Malformed line protocol: HTTP 400 with InfluxDB's message.
            let badWrite = await #expect(throws: InfluxError.self) { try await client.write(lineProtocol: "this is not line protocol\n") }
            #expect(badWrite?.kind == .httpStatus(400))
            #expect(badWrite?.message.contains("unable to parse") == true)
            #expect(badWrite?.isTransient == false)
            // Writing to a database that does not exist: 404 with its message.
            let lost = await #expect(throws: InfluxError.self) { try await missing.write(lineProtocol: line(topic, [("a", "1")], base)) }
            #expect(lost?.kind == .httpStatus(404))
            #expect(lost?.message.contains("database not found") == true)
        }
    }

    @Test func refusesFieldsTheBufferDoesNotHave() async throws {
        try await TestInflux.withFreshDatabase { client in
            var buffer = TopicBuffer(fields: ["a"])
            let error = await #expect(throws: InfluxError.self) {
                try await client.read(topic: topic, fields: ["a", "b"], from: 0, through: 2e9, into: &buffer)
            }
            #expect(error?.kind == .invalidRequest)
            let nan = await #expect(throws: InfluxError.self) {
                try await client.read(topic: topic, fields: ["a"], from: .nan, through: 2e9, into: &buffer)
            }
            #expect(nan?.kind == .invalidRequest)
        }
    }
}
