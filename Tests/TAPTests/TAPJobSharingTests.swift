import FelisCatalog
import Logging
import ServiceLifecycle
import Foundation
import Postgres
import TAP
import TestSupport
import Testing

/// Jobs kept in PostgreSQL: they survive a restart, are shared by several servers, and stay private.
@Suite struct TAPJobSharingTests {
    @Test func aCompletedJobIsServedByAFreshServerAfterARestart() async throws {
        try await withJobDatabase { url, directory in
            let first = UWSServer(databaseURL: url, directory: directory, name: "first")
            let id = try await first.serving { client in
                let id = try await client.create("SELECT id FROM public.obs WHERE id <= 3 ORDER BY id", run: true)
                try await first.waitForPhase(id, [.completed])
                return id
            }
            await first.shutdown()
            let second = UWSServer(databaseURL: url, directory: directory, name: "second")
            defer { Task { await second.shutdown() } }
            try await second.serve { (client: UWSClient) async throws in
                #expect(try await client.get(UWSServer.base + "/async/\(id)/phase").text == "COMPLETED")
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text == "id\n1\n2\n3\n")
            }
        }
    }

    @Test func aQueuedJobLeftByAStoppedServerIsRunByTheNext() async throws {
        try await withJobDatabase { url, directory in
            // Queued while no runner runs (a server that stopped before taking it).
            let first = UWSServer(databaseURL: url, directory: directory, name: "first")
            let id = try await first.serving(runRunner: false) { client in try await client.create("SELECT 7 AS seven", run: true) }
            await first.shutdown()
            #expect(files(in: directory).isEmpty)
            let second = UWSServer(databaseURL: url, directory: directory, name: "second")
            defer { Task { await second.shutdown() } }
            try await second.serve { client in
                try await second.waitForPhase(id, [.completed])
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text == "seven\n7\n")
            }
        }
    }

    @Test func aJobExecutingWhenItsServerStopsIsQueuedAgainAndRunByTheNext() async throws {
        try await withJobDatabase { url, directory in
            let query = "-- block\nSELECT 8 AS eight"
            let first = UWSServer(databaseURL: url, directory: directory, name: "first")
            let id = try await first.serving { client in
                let id = try await client.create(query, run: true)
                try await first.waitForPhase(id, [.executing])
                try await waitUntil("the query to start") { first.executor.blocked == 1 }
                return id
            }
            // `serve` cancelled the runner: the job went back to the queue, its partial file removed.
            #expect(try await first.store.phase(id) == .queued)
            #expect(files(in: directory).isEmpty)
            await first.shutdown()
            let second = UWSServer(databaseURL: url, directory: directory, blocking: false, name: "second")
            defer { Task { await second.shutdown() } }
            try await second.serve { client in
                try await second.waitForPhase(id, [.completed])
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text == "eight\n8\n")
            }
            #expect(second.executor.runs[query] == 1)
        }
    }

    @Test func twoServersSharingTheTableRunEachJobExactlyOnce() async throws {
        try await withJobDatabase { url, directory in
            let a = UWSServer(databaseURL: url, directory: directory, maxExecutingJobs: 2, name: "a")
            let b = UWSServer(databaseURL: url, directory: directory, maxExecutingJobs: 2, name: "b")
            defer { Task { await a.shutdown(); await b.shutdown() } }
            try await a.serve { clientA in
                try await b.serve { clientB in
                    var ids: [String] = []
                    for index in 0..<24 {
                        let client = index % 2 == 0 ? clientA : clientB
                        ids.append(try await client.create("SELECT \(index) AS n, pg_sleep(0.01)::text AS s", run: true))
                    }
                    for id in ids { try await a.waitForPhase(id, [.completed]) }
                    // Each job's result is served by either server, whichever created it.
                    for (index, id) in ids.enumerated() {
                        let client = index % 2 == 0 ? clientB : clientA
                        #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text == "n,s\n\(index),\n")
                    }
                }
            }
            var total: [String: Int] = [:]
            for (query, count) in a.executor.runs { total[query, default: 0] += count }
            for (query, count) in b.executor.runs { total[query, default: 0] += count }
            #expect(total.count == 24)
            #expect(total.values.allSatisfy { $0 == 1 }, "\(total)")
            // Both servers took part (each may run two at once, and the jobs are not instant).
            #expect(!a.executor.runs.isEmpty && !b.executor.runs.isEmpty, "a: \(a.executor.runs.count) b: \(b.executor.runs.count)")
        }
    }

    @Test func aJobCreatedThroughOneServerIsAbortedThroughTheOther() async throws {
        try await withJobDatabase { url, directory in
            let a = UWSServer(databaseURL: url, directory: directory, name: "a")
            // The second server runs no runner: the job can only execute on the first.
            let b = UWSServer(databaseURL: url, directory: directory, name: "b")
            defer { Task { await a.shutdown(); await b.shutdown() } }
            try await a.serve { clientA in
                try await b.serve(runRunner: false) { clientB in
                    let id = try await clientA.create("-- block\nSELECT 1", run: true)
                    try await a.waitForPhase(id, [.executing])
                    #expect(try await clientB.get(UWSServer.base + "/async/\(id)/phase").text == "EXECUTING")
                    #expect(try await clientB.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "ABORT")]).status == 303)
                    try await waitUntil("server a to stop the job aborted through b") { a.runner.executingJobs.isEmpty }
                    #expect(a.executor.cancelled == 1)
                    #expect(try await clientA.get(UWSServer.base + "/async/\(id)/phase").text == "ABORTED")
                    #expect(files(in: directory).isEmpty)
                }
            }
        }
    }

    @Test func aJobWhoseServerDiedGoesToError() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.store.prepare()
            let job = try await server.store.create(parameters: [("LANG", "ADQL"), ("QUERY", "SELECT 1")], runID: nil,
                                                    executionDuration: 60, destruction: Date().addingTimeInterval(3600), run: true)
            // A server that took the job and then vanished: its lease is long expired.
            #expect(try await server.store.claim(server: "vanished")?.id == job.id)
            try await server.pool.query("UPDATE consdb_ingest.tap_job SET heartbeat = now() - interval '1 hour' WHERE id = \(job.id)")
            try await server.serve { client in
                try await server.waitForPhase(job.id, [.error])
                let document = try await client.get(UWSServer.base + "/async/\(job.id)/error")
                #expect(document.text.contains(TAPJobStore.serverStoppedMessage))
            }
            #expect(server.executor.runs.isEmpty)
        }
    }

    @Test func theQueryReaderRoleCannotReadTheJobTable() async throws {
        try await TestRoles.withReaderNames { group, login in
            try await TestDatabase.withFreshDatabase { url in
                let admin = try await Connection.connect(url)
                try await admin.execute("CREATE SCHEMA cdb_demo; CREATE TABLE cdb_demo.exposure (id int)")
                let store = TAPJobStore(pool: ConnectionPool(configuration: .init(conninfo: url)))
                try await store.prepare()
                _ = try await store.create(parameters: [("QUERY", "SELECT 1")], runID: nil, executionDuration: 60, destruction: Date().addingTimeInterval(60))
                let reader = try ReaderRole(group)
                try await admin.withTransaction { connection in
                    try await reader.grant(on: try await ReaderRole.publishedSchemas(on: connection), connection: connection)
                    try await reader.ensureLogin(login, password: nil, connection: connection)
                }
                let asReader = try await Connection.connect(TestRoles.url(url, user: login))
                #expect(try await asReader.query("SELECT count(*) FROM cdb_demo.exposure").rows.first?.first == "0")
                do {
                    _ = try await asReader.query("SELECT * FROM consdb_ingest.tap_job")
                    Issue.record("the reader role read the job table")
                } catch let error as PostgresError {
                    #expect(error.sqlState == PostgresError.State.insufficientPrivilege, "\(error)")
                }
                await store.pool.shutdown()
                try await admin.execute("DROP SCHEMA cdb_demo CASCADE")
            }
        }
    }
}

/// The runner's own limits and its shutdown inside a service group.
@Suite struct TAPJobRunnerTests {
    @Test func noMoreThanMaxExecutingJobsRunAtOnce() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory, maxExecutingJobs: 2)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                var ids: [String] = []
                for index in 0..<5 { ids.append(try await client.create("-- block \(index)\nSELECT \(index)", run: true)) }
                try await waitUntil("two jobs to execute") { server.executor.blocked == 2 }
                // Each abort frees a slot, which the next queued job takes; never more than two run.
                var aborted = Set<String>()
                while aborted.count < ids.count {
                    let done = aborted
                    try await waitUntil("a job not yet aborted to execute") {
                        try await server.store.list(phases: [.executing]).contains { !done.contains($0.id) }
                    }
                    for job in try await server.store.list(phases: [.executing]) where !aborted.contains(job.id) {
                        #expect(try await client.post(UWSServer.base + "/async/\(job.id)/phase", [("PHASE", "ABORT")]).status == 303)
                        aborted.insert(job.id)
                    }
                }
                #expect(server.executor.mostBlocked == 2)
                #expect(server.executor.runs.count == 5)
            }
        }
    }

    @Test func aGracefulShutdownPutsRunningJobsBackInTheQueue() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.store.prepare()
            let job = try await server.store.create(parameters: [("LANG", "ADQL"), ("QUERY", "-- block\nSELECT 1")], runID: nil,
                                                    executionDuration: 600, destruction: Date().addingTimeInterval(3600), run: true)
            let group = ServiceGroup(configuration: .init(services: [.init(service: server.runner)], logger: Logger(label: "test.tap.group")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await server.waitForPhase(job.id, [.executing])
                try await waitUntil("the query to start") { server.executor.blocked == 1 }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await server.store.phase(job.id) == .queued)
            #expect(server.executor.cancelled == 1)
            #expect(files(in: directory).isEmpty)
        }
    }
}
