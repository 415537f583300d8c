import ArgumentParser
import Foundation
import Ingest
import Logging
import Postgres

struct ReplicasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas",
        abstract: "Show the replicas' backlogs in the primary's outbox; requeue parked rows; seed or drain a replica.",
        discussion: """
            Without options, prints per replica: rows pending, rows parked (refused by the replica, with their \
            errors), the oldest pending row's age, and whether the replica answers. --requeue sends the parked \
            rows again (after fixing the replica, e.g. consdb schema apply against it). --seed copies every row \
            of the replicated tables to a new replica (run consdb schema apply against it first). --drain applies \
            the backlog now. --forget drops a replica and its backlog.

            Environment: CONSDB_DATABASE_URL (the primary); CONSDB_REPLICA_URLS.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var replicaOptions: ReplicaOptions

    @Flag(name: .long, help: "Send the configured replicas' parked rows again.")
    var requeue = false

    @Flag(name: .long, help: "Copy every row of the replicated tables from the primary to the configured replicas.")
    var seed = false

    @Option(name: .long, help: "With --seed: first capture the keyed tables of this schema (repeatable), e.g. before any writer ran with replicas.")
    var schema: [String] = []

    @Flag(name: .long, help: "Apply the configured replicas' backlogs now.")
    var drain = false

    @Option(name: .long, help: "Drop this replica (host:port/dbname) from the registry, with its backlog.")
    var forget: String?

    func run() async throws {
        try await runReportingSettingErrors {
            let settings = try common.settings()
            let logger = try common.bootstrapLogging(settings)
            let url = try settings.databaseURL(flag: common.databaseURL)
            let replicas = try ReplicaSetup.targets(replicaOptions, settings)
            if (requeue || seed || drain) && replicas.isEmpty {
                throw SettingError("CONSDB_REPLICA_URLS", "is not set (nor --replica-url): --requeue, --seed and --drain act on the configured replicas")
            }
            let primary = try await Connection.connect(url, logger: logger)
            try await ReplicaOutbox.install(on: primary)
            if let forget {
                let rows = try await ReplicaOperations.forget(forget, on: primary)
                print("forgot \(forget): \(rows) backlog rows dropped")
            }
            if requeue {
                for replica in replicas {
                    print("\(replica.name): \(try await ReplicaOperations.requeue(replica.name, on: primary)) parked rows requeued")
                }
            }
            if seed {
                // Registered before the capture: no write between the two is missed.
                try await ReplicaOutbox.register(replicas, on: primary)
                if !schema.isEmpty { try await ReplicaOutbox.capture(schemas: schema, on: primary) }
                for replica in replicas {
                    for (table, rows) in try await ReplicaOperations.seed(replica, primary: primary, logger: logger) {
                        print("\(replica.name): \(table) \(rows) rows copied")
                    }
                }
            }
            if drain {
                let drainer = ReplicaDrainer(primary: url, replicas: replicas, metrics: ReplicaMetrics(replicas: replicas), logger: logger)
                for replica in replicas {
                    print("\(replica.name): \(await drainer.drainOnce(replica))")
                }
            }
            var lagging = false
            for status in try await ReplicaOperations.status(configured: replicas, on: primary) {
                let reach = status.reachable.map { $0 ? "reachable" : "UNREACHABLE" } ?? "not configured here"
                print("\(status.backlog.replica): pending \(status.backlog.pending), parked \(status.backlog.parked), "
                      + "oldest pending \(String(format: "%.0f", status.backlog.oldestPendingSeconds)) s, \(reach)")
                for (error, rows) in status.parkedErrors { print("  parked \(rows): \(error)") }
                if status.backlog.parked > 0 || status.reachable == false { lagging = true }
            }
            if lagging { throw ExitCode(1) }
        }
    }
}
