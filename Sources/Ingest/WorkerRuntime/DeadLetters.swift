import Foundation
import Postgres

/// One input a worker could not turn into rows, with why. Kept in `consdb_ingest.rejected` so nothing is
/// lost: the payload is there to inspect and replay once the cause is fixed.
public struct Rejection: Sendable {
    /// Which worker rejected it, e.g. `hinfo LATISS`.
    public var worker: String
    /// Where it came from: a Kafka message's coordinates, and/or a URL or file path.
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?
    public var source: String?
    public var error: String
    /// The message as received (or the file's bytes), capped at ``DeadLetters/maximumPayloadBytes``.
    public var payload: [UInt8]?

    public init(worker: String, topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil, source: String? = nil, error: String, payload: [UInt8]? = nil) {
        self.worker = worker
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.source = source
        self.error = error
        self.payload = payload
    }
}

/// The dead-letter table, `consdb_ingest.rejected`. A message rejected again (re-delivered after a
/// restart) updates its row instead of adding one, so the table holds each bad input once.
public enum DeadLetters {
    public static let schema = "consdb_ingest"
    public static let table = "rejected"
    /// Payloads above this are cut (the row says so): a dead letter must not fail for being large.
    public static let maximumPayloadBytes = 8 << 20

    /// Creates the schema and table if they do not exist. Safe to run from many workers at once.
    public static func create(on connection: Connection) async throws {
        try await connection.withTransaction { connection in
            // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog; serialize them.
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Int64(0x636f_6e73_6462_646c)))")
            _ = try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(SQL.quoteIdentifier(schema))")
            _ = try await connection.execute("""
                CREATE TABLE IF NOT EXISTS \(qualifiedName) (
                    id bigserial PRIMARY KEY,
                    rejected_at timestamptz NOT NULL DEFAULT now(),
                    worker text NOT NULL,
                    topic text NOT NULL DEFAULT '',
                    "partition" integer NOT NULL DEFAULT -1,
                    "offset" bigint NOT NULL DEFAULT -1,
                    source text NOT NULL DEFAULT '',
                    error text NOT NULL,
                    payload bytea,
                    payload_truncated boolean NOT NULL DEFAULT false,
                    attempts integer NOT NULL DEFAULT 1,
                    UNIQUE (worker, topic, "partition", "offset", source)
                )
                """)
            _ = try await connection.execute("""
                COMMENT ON TABLE \(qualifiedName) IS 'Inputs consdb workers could not ingest, with the error; one row per input (a repeat rejection bumps attempts).'
                """)
        }
    }

    static var qualifiedName: String { SQL.quoteIdentifier(schema) + "." + SQL.quoteIdentifier(table) }

    /// Records a rejection (or refreshes the row of the same input).
    public static func record(_ rejection: Rejection, on connection: Connection) async throws {
        var payload = rejection.payload
        var truncated = false
        if let bytes = payload, bytes.count > maximumPayloadBytes {
            payload = Array(bytes.prefix(maximumPayloadBytes))
            truncated = true
        }
        let payloadText = payload.map(Self.byteaHex)
        // PostgreSQL text cannot hold NUL, and messages may quote hostile input.
        func clean(_ text: String) -> String { text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "\\0") : text }
        let partition = rejection.partition.map(Int64.init) ?? -1
        let offset = rejection.offset ?? -1
        _ = try await connection.query("""
            INSERT INTO \(unsafeRaw: qualifiedName) (worker, topic, "partition", "offset", source, error, payload, payload_truncated)
            VALUES (\(clean(rejection.worker)), \(clean(rejection.topic ?? "")), \(partition), \(offset), \(clean(rejection.source ?? "")), \(clean(rejection.error)), \(text: payloadText)::bytea, \(truncated))
            ON CONFLICT (worker, topic, "partition", "offset", source) DO UPDATE
            SET error = EXCLUDED.error, rejected_at = now(), attempts = \(unsafeRaw: qualifiedName).attempts + 1,
                payload = EXCLUDED.payload, payload_truncated = EXCLUDED.payload_truncated
            """)
    }

    /// bytea's hex input form.
    static func byteaHex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        text[0] = UInt8(ascii: "\\")
        text[1] = UInt8(ascii: "x")
        for (index, byte) in bytes.enumerated() {
            text[2 + index * 2] = digits[Int(byte >> 4)]
            text[3 + index * 2] = digits[Int(byte & 0xf)]
        }
        return String(decoding: text, as: UTF8.self)
    }
}
