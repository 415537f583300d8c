import FelisCatalog
import Foundation
@testable import Ingest
import Postgres
import Testing
import TestSupport

/// Replication driven from the command line, as operators do: `consdb replicas` (seed, drain, parked
/// rows and their errors, requeue, forget, exit codes) and `consdb serve --replica-url` (the API's own
/// writes reach the replica). Runs the built binary on two real PostgreSQL servers.
@Suite("Replication from the command line", .serialized)
struct ReplicaCommandTests {
    /// Runs `consdb` with `arguments` against `primary`; returns the exit status and standard output.
    func consdb(_ arguments: [String], primary: String) async throws -> (status: Int32, text: String) {
        let result = try await ChildProcess.run(DeliveryTests.binary, arguments, environment: [
            "CONSDB_DATABASE_URL": primary, "CONSDB_LOG_LEVEL": "error", "CONSDB_REPLICA_URLS": "",
        ])
        return (result.status, result.text + result.errorText)
    }

    @Test func seedDrainParkRequeueAndForgetFromTheCommandLine() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        try await ReplicationTests().withPair { primaryURL, replica, _ in
            let primary = try await Connection.connect(primaryURL)
            try await ReplicaOutbox.prepare(replicas: [], schemas: ["night"], on: primary)
            try await primary.execute("INSERT INTO night.exposure (day_obs, seq_num, value) SELECT 1, g, g FROM generate_series(1, 300) g")
            let url = replica.conninfo

            let seed = try await consdb(["replicas", "--replica-url", url, "--seed", "--schema", "night"], primary: primaryURL)
            #expect(seed.status == 0, "\(seed.text)")
            #expect(seed.text.contains("night.exposure 300 rows copied"), "\(seed.text)")
            #expect(try await ReplicationTests().rows("night.exposure", url) == ReplicationTests().rows("night.exposure", primaryURL))

            // The replica refuses one row: --drain applies the rest, parks it, and exits 1 with its error.
            try await Connection.connect(url).execute("ALTER TABLE night.exposure ADD CONSTRAINT no_negative CHECK (value >= 0)")
            try await primary.execute("UPDATE night.exposure SET value = -1 WHERE seq_num = 7")
            try await primary.execute("UPDATE night.exposure SET value = 1000 WHERE seq_num = 8")
            let drain = try await consdb(["replicas", "--replica-url", url, "--drain"], primary: primaryURL)
            #expect(drain.status == 1, "\(drain.text)")
            #expect(drain.text.contains("parked 1") && drain.text.contains("no_negative"), "\(drain.text)")
            #expect(try await Connection.connect(url).query("SELECT value FROM night.exposure WHERE seq_num = 8").rows.first?.first == "1000")

            // Fixed on the replica, the parked row goes over with --requeue --drain, and the status is clean.
            try await Connection.connect(url).execute("ALTER TABLE night.exposure DROP CONSTRAINT no_negative")
            let requeue = try await consdb(["replicas", "--replica-url", url, "--requeue", "--drain"], primary: primaryURL)
            #expect(requeue.status == 0, "\(requeue.text)")
            #expect(requeue.text.contains("1 parked rows requeued") && requeue.text.contains("pending 0, parked 0"), "\(requeue.text)")
            #expect(try await ReplicationTests().rows("night.exposure", url) == ReplicationTests().rows("night.exposure", primaryURL))

            let forget = try await consdb(["replicas", "--forget", replica.name], primary: primaryURL)
            #expect(forget.status == 0 && forget.text.contains("forgot \(replica.name)"), "\(forget.text)")
            #expect(try await primary.query("SELECT count(*) FROM consdb_ingest.replica_outbox").rows.first?.first == "0")

            let refused = try await consdb(["replicas", "--drain"], primary: primaryURL)
            #expect(refused.status != 0 && refused.text.contains("CONSDB_REPLICA_URLS"), "\(refused.text)")
        }
    }

    @Test func theAPIsWritesReachTheReplica() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DeliveryTests.binary), "build consdb first (scripts/test does)")
        let felis = TestFiles.package("config/demo/cdb_demo.yaml")
        try await ReplicationTests().withPair { primaryURL, replica, _ in
            for url in [primaryURL, replica.conninfo] {
                try await SchemaApplier.apply(felisFile: felis, on: try await Connection.connect(url))
            }
            let port = try RefusingPort().port  // released at once: a free port for the server
            let server = try WorkerProcess.launch(["serve", "--host", "127.0.0.1", "--port", "\(port)", "--replica-url", replica.conninfo], environment: [
                "CONSDB_DATABASE_URL": primaryURL, "CONSDB_ALLOW_PRIVILEGED_QUERY_ROLE": "true", "CONSDB_TAP": "false",
                "CONSDB_REPLICA_POLL_SECONDS": "0.1",
            ])
            defer { WorkerProcess.killIfRunning(server) }
            let api = "http://127.0.0.1:\(port)/consdb"
            func post(_ path: String, _ body: String) async throws -> String {
                let result = try await ChildProcess.run("curl", ["-sS", "--retry", "50", "--retry-connrefused", "--retry-delay", "0",
                                                                 "-X", "POST", "-H", "Content-Type: application/json", "-d", body, api + path])
                return result.text
            }
            let exposure = 2025010100042
            _ = try await post("/insert/demo/exposure/obs/\(exposure)",
                               #"{"values": {"exposure_name": "DM_O_20250101_000042", "controller": "O", "day_obs": 20250101, "seq_num": 42}}"#)
            _ = try await post("/flex/demo/exposure/addkey", #"{"key": "seeing", "dtype": "float", "doc": "seeing"}"#)
            let answer = try await post("/flex/demo/exposure/obs/\(exposure)", #"{"values": {"seeing": 0.75}}"#)
            #expect(!answer.contains("message") || answer.contains("added") || answer.contains("inserted"), "\(answer)")
            let replicaDB = try await Connection.connect(replica.conninfo)
            try await IngestTests.waitUntil("the API's writes on the replica", timeout: .seconds(60)) {
                try await replicaDB.query("SELECT value FROM cdb_demo.exposure_flexdata WHERE obs_id = \(exposure) AND key = 'seeing'").rows.first?.first == "0.75"
            }
            for table in ["cdb_demo.exposure", "cdb_demo.exposure_flexdata", "cdb_demo.exposure_flexdata_schema"] {
                #expect(try await ReplicationTests().rows(table, replica.conninfo) == ReplicationTests().rows(table, primaryURL), "\(table)")
            }
            let metrics = try await ChildProcess.run("curl", ["-sS", "http://127.0.0.1:\(port)/metrics"]).text
            #expect(metrics.contains("consdb_replica_lag_rows"), "\(metrics.prefix(2000))")
        }
    }
}
