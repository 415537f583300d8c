import Foundation
import Postgres
import TAP
import TestSupport
import Testing

/// The async job lifecycle through the routes, with a runner executing over a real PostgreSQL.
@Suite struct TAPAsyncJobTests {
    static let query = "SELECT id, val, name FROM public.obs ORDER BY id"

    /// The CSV the test executor writes for `query`, computed from the rows PostgreSQL returns directly.
    static func expectedCSV(_ query: String, url: String) async throws -> String {
        let connection = try await Connection.connect(url)
        let result = try await connection.query(SQL(unsafeSQL: query))
        var text = result.columns.map(\.name).joined(separator: ",") + "\n"
        for row in result.rows { text += row.map { $0.map(TestExecutor.field) ?? "" }.joined(separator: ",") + "\n" }
        return text
    }

    @Test func aJobRunsFromPendingToCompletedAndServesItsResult() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            let expected = try await Self.expectedCSV(Self.query, url: url)
            try await server.serve { client in
                let created = try await client.post(UWSServer.base + "/async", [("lang", "ADQL"), ("Query", Self.query), ("RUNID", "my run")])
                #expect(created.status == 303, "\(created)")
                let id = try #require(created.jobID)
                #expect(created.location == "http://localhost/consdb/tap/async/\(id)")
                #expect(TAPJob.isWellFormedID(id))

                let pending = try await client.get(UWSServer.base + "/async/\(id)")
                #expect(pending.status == 200)
                #expect(pending.text.contains("<uws:phase>PENDING</uws:phase>"))
                #expect(pending.text.contains("<uws:runId>my run</uws:runId>"))
                #expect(pending.text.contains("version=\"1.1\""))
                #expect(pending.text.contains("<uws:parameter id=\"query\">\(Self.query)</uws:parameter>"))
                #expect(try await client.get(UWSServer.base + "/async/\(id)/phase").text == "PENDING")
                #expect(try await client.get(UWSServer.base + "/async/\(id)/runId").text == "my run")
                #expect(try await client.get(UWSServer.base + "/async/\(id)/owner").text == "")
                #expect(try await client.get(UWSServer.base + "/async/\(id)/quote").text.hasSuffix("Z"))

                let run = try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")])
                #expect(run.status == 303 && run.location == "http://localhost/consdb/tap/async/\(id)", "\(run)")
                #expect(try await server.waitForPhase(id, [.completed, .error]) == .completed)

                let result = try await client.get(UWSServer.base + "/async/\(id)/results/result")
                #expect(result.status == 200)
                #expect(result.headers[.contentType] == "text/csv")
                #expect(result.text == expected)
                let results = try await client.get(UWSServer.base + "/async/\(id)/results")
                #expect(results.text.contains("xlink:href=\"http://localhost/consdb/tap/async/\(id)/results/result\""))
                #expect(results.text.contains("size=\"\(expected.utf8.count)\""))
                let job = try await client.get(UWSServer.base + "/async/\(id)")
                #expect(job.text.contains("<uws:phase>COMPLETED</uws:phase>") && job.text.contains("<uws:startTime>") && job.text.contains("<uws:endTime>"))
                #expect(files(in: directory) == ["\(id).csv"])
                // Nothing of the job remains to run: the phase is final and RUN is refused.
                let again = try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")])
                #expect(again.status == 400 && again.text.contains("COMPLETED"), "\(again)")
            }
            #expect(server.executor.runs[Self.query] == 1)
        }
    }

    @Test func phaseRunInTheCreationStartsTheJobAtOnce() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let id = try await client.create("SELECT count(*) AS n FROM public.obs", run: true, extra: [("MAXREC", "10")])
                #expect(try await server.waitForPhase(id, [.completed, .error]) == .completed)
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text == "n\n2500\n")
            }
        }
    }

    @Test func maxrecCutsTheResultAndTheJobRecordsTheOverflow() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let id = try await client.create(Self.query, run: true, extra: [("MAXREC", "3")])
                try await server.waitForPhase(id, [.completed])
                let job = try #require(try await server.store.job(id))
                #expect(job.result?.rows == 3 && job.result?.overflow == true)
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text.split(separator: "\n").count == 4)
            }
        }
    }

    @Test func waitReturnsAsSoonAsThePhaseChanges() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(runRunner: false) { client in
                let id = try await client.create("SELECT 1 AS one")
                // The wait (up to 30 s) must end with the change, far sooner than its own limit.
                let reply = try await withDeadline(20, "WAIT to return on the phase change") {
                    try await withThrowingTaskGroup(of: Reply?.self) { group in
                        group.addTask { try await client.get(UWSServer.base + "/async/\(id)?WAIT=30&PHASE=PENDING") }
                        group.addTask {
                            _ = try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")])
                            return nil
                        }
                        var waited: Reply?
                        for try await reply in group { if let reply { waited = reply } }
                        return try #require(waited)
                    }
                }
                #expect(reply.status == 200)
                #expect(reply.text.contains("<uws:phase>QUEUED</uws:phase>"), "\(reply)")
                // PHASE names another phase than the job's: no blocking at all.
                let immediate = try await withDeadline(20, "WAIT with another PHASE") {
                    try await client.get(UWSServer.base + "/async/\(id)?WAIT=30&PHASE=EXECUTING")
                }
                #expect(immediate.text.contains("<uws:phase>QUEUED</uws:phase>"))
                #expect(try await client.get(UWSServer.base + "/async/\(id)?WAIT=soon").status == 400)
                #expect(try await client.get(UWSServer.base + "/async/\(id)?WAIT=1&PHASE=RUNNING").status == 400)
            }
        }
    }

    @Test func abortWhileExecutingCancelsTheQueryAndKeepsNoResult() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let id = try await client.create("-- block\nSELECT 1", run: true)
                try await server.waitForPhase(id, [.executing])
                try await waitUntil("the query to start") { server.executor.blocked == 1 }
                let abort = try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "ABORT")])
                #expect(abort.status == 303, "\(abort)")
                try await waitUntil("the runner to drop the aborted job") { server.runner.executingJobs.isEmpty }
                #expect(server.executor.cancelled == 1)
                #expect(try await server.store.phase(id) == .aborted)
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").status == 404)
                #expect(!(try await client.get(UWSServer.base + "/async/\(id)/results").text.contains("uws:result ")))
                #expect(files(in: directory).isEmpty)
                // Aborting again changes nothing; running an aborted job is refused.
                #expect(try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "ABORT")]).status == 303)
                #expect(try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")]).status == 400)
            }
        }
    }

    @Test func aJobRunningPastItsExecutionDurationEndsInError() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let id = try await client.create("-- block\nSELECT 1")
                let set = try await client.post(UWSServer.base + "/async/\(id)/executionduration", [("EXECUTIONDURATION", "1")])
                #expect(set.status == 303, "\(set)")
                #expect(try await client.get(UWSServer.base + "/async/\(id)/executionduration").text == "1")
                _ = try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")])
                #expect(try await server.waitForPhase(id, [.error, .completed, .aborted]) == .error)
                let error = try await client.get(UWSServer.base + "/async/\(id)/error")
                #expect(error.status == 200)
                #expect(error.text.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">The query ran longer than the job's execution duration (1 s)"))
                #expect(server.executor.cancelled == 1)
                #expect(files(in: directory).isEmpty)
                // Once started, the duration cannot change.
                #expect(try await client.post(UWSServer.base + "/async/\(id)/executionduration", [("EXECUTIONDURATION", "5")]).status == 400)
            }
        }
    }

    @Test func anExecutorErrorPutsTheJobInErrorWithAnErrorDocument() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let failing = try await client.create("-- fail Column <nope> & friends do not exist\nSELECT 1", run: true)
                let badSQL = try await client.create("SELECT nothing FROM public.obs", run: true)
                #expect(try await server.waitForPhase(failing, [.error, .completed]) == .error)
                #expect(try await server.waitForPhase(badSQL, [.error, .completed]) == .error)
                let job = try await client.get(UWSServer.base + "/async/\(failing)")
                #expect(job.text.contains("<uws:errorSummary type=\"fatal\" hasDetail=\"true\">"))
                #expect(job.text.contains("<uws:message>Column &lt;nope&gt; &amp; friends do not exist</uws:message>"))
                let document = try await client.get(UWSServer.base + "/async/\(failing)/error")
                #expect(document.status == 200 && document.headers[.contentType] == "application/x-votable+xml")
                #expect(document.text.contains("value=\"ERROR\">Column &lt;nope&gt; &amp; friends do not exist</INFO>"))
                #expect(try await client.get(UWSServer.base + "/async/\(badSQL)/error").text.contains("column \"nothing\" does not exist"))
                #expect(try await client.get(UWSServer.base + "/async/\(failing)/results/result").status == 404)
                // A language the service does not speak: the job is created, and fails saying so.
                let language = try await client.post(UWSServer.base + "/async", [("LANG", "PQL"), ("QUERY", "SELECT 1"), ("PHASE", "RUN")])
                #expect(language.status == 303, "\(language)")
                let wrongLanguage = try #require(language.jobID)
                #expect(try await server.waitForPhase(wrongLanguage, [.error, .completed]) == .error)
                #expect(try await client.get(UWSServer.base + "/async/\(wrongLanguage)/error").text.contains("LANG"))
                #expect(files(in: directory).isEmpty)
            }
        }
    }

    @Test func aJobPastItsDestructionTimeIsDeletedWithItsResult() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let id = try await client.create("SELECT 1 AS one", run: true)
                let keep = try await client.create("SELECT 2 AS two", run: true)
                try await server.waitForPhase(id, [.completed])
                try await server.waitForPhase(keep, [.completed])
                #expect(files(in: directory) == ["\(id).csv", "\(keep).csv"].sorted())
                let later = try await client.post(UWSServer.base + "/async/\(keep)/destruction", [("DESTRUCTION", "2099-01-01T00:00:00Z")])
                #expect(later.status == 303)
                // The service caps the destruction time at its maximum.
                let granted = try #require(UWSTime.parse(try await client.get(UWSServer.base + "/async/\(keep)/destruction").text))
                #expect(granted <= Date().addingTimeInterval(server.configuration.maxDestructionSeconds + 1))
                // A time in the past means "now": the sweeper deletes the job and its file.
                let set = try await client.post(UWSServer.base + "/async/\(id)/destruction", [("DESTRUCTION", "2000-01-01T00:00:00Z")])
                #expect(set.status == 303, "\(set)")
                try await waitUntil("the job to be destroyed") { try await server.store.phase(id) == nil }
                #expect(try await client.get(UWSServer.base + "/async/\(id)").status == 404)
                #expect(files(in: directory) == ["\(keep).csv"])
            }
        }
    }

    @Test func theJobListFiltersByPhaseAfterAndLast() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve(runRunner: false) { client in
                let january = try await client.create("SELECT 1")
                let february = try await client.create("SELECT 2")
                let march = try await client.create("SELECT 3")
                _ = try await client.post(UWSServer.base + "/async/\(february)/phase", [("PHASE", "ABORT")])
                _ = try await client.post(UWSServer.base + "/async/\(march)/phase", [("PHASE", "RUN")])
                let connection = try await Connection.connect(url)
                for (id, month) in [(january, "01"), (february, "02"), (march, "03")] {
                    try await connection.query("UPDATE consdb_ingest.tap_job SET creation_time = \("2026-\(month)-01T00:00:00Z")::timestamptz WHERE id = \(id)")
                }
                func listed(_ query: String) async throws -> [String] {
                    let reply = try await client.get(UWSServer.base + "/async" + query)
                    #expect(reply.status == 200, "\(reply)")
                    return reply.text.split(separator: "\n").compactMap { line in
                        guard let start = line.range(of: "<uws:jobref id=\"") else { return nil }
                        return String(line[start.upperBound...].prefix(32))
                    }
                }
                #expect(try await listed("") == [march, february, january])
                #expect(try await listed("?PHASE=PENDING") == [january])
                #expect(try await listed("?PHASE=PENDING&PHASE=QUEUED") == [march, january])
                #expect(try await listed("?AFTER=2026-01-15T00:00:00Z") == [march, february])
                #expect(try await listed("?LAST=1") == [march])
                #expect(try await listed("?LAST=2&PHASE=PENDING&PHASE=ABORTED") == [february, january])
                #expect(try await listed("?AFTER=2026-02-15T00:00:00.000Z&PHASE=ABORTED").isEmpty)
                #expect(try await listed("?PHASE=ARCHIVED").isEmpty)
                let list = try await client.get(UWSServer.base + "/async")
                #expect(list.text.contains("<uws:jobs version=\"1.1\""))
                #expect(list.text.contains("xlink:href=\"http://localhost/consdb/tap/async/\(march)\""))
                for bad in ["?PHASE=DONE", "?AFTER=yesterday", "?AFTER=2026-02-30T00:00:00Z", "?LAST=0", "?LAST=-3", "?LAST=many"] {
                    let reply = try await client.get(UWSServer.base + "/async" + bad)
                    #expect(reply.status == 400, "\(bad): \(reply)")
                }
            }
        }
    }

    @Test func deleteAndActionDeleteDestroyTheJobAndRedirectToTheList() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                let completed = try await client.create("SELECT 1 AS one", run: true)
                let pending = try await client.create("SELECT 2")
                try await server.waitForPhase(completed, [.completed])
                #expect(files(in: directory) == ["\(completed).csv"])
                let deleted = try await client.delete(UWSServer.base + "/async/\(completed)")
                #expect(deleted.status == 303 && deleted.location == "http://localhost/consdb/tap/async", "\(deleted)")
                #expect(files(in: directory).isEmpty)
                #expect(try await client.get(UWSServer.base + "/async/\(completed)").status == 404)
                #expect(try await client.post(UWSServer.base + "/async/\(pending)", [("ACTION", "BOOM")]).status == 400)
                #expect(try await client.post(UWSServer.base + "/async/\(pending)", []).status == 400)
                let action = try await client.post(UWSServer.base + "/async/\(pending)", [("action", "DELETE")])
                #expect(action.status == 303 && action.location == "http://localhost/consdb/tap/async", "\(action)")
                #expect(try await server.store.phase(pending) == nil)
                #expect(try await client.delete(UWSServer.base + "/async/\(pending)").status == 404)
            }
        }
    }

    @Test func parametersAccumulateWhilePendingOnly() async throws {
        try await withJobDatabase { url, directory in
            let server = UWSServer(databaseURL: url, directory: directory)
            defer { Task { await server.shutdown() } }
            try await server.serve { client in
                // TAP 1.1 §5.1: a job may be created without its query and given it later.
                let created = try await client.post(UWSServer.base + "/async", [("LANG", "ADQL")])
                #expect(created.status == 303, "\(created)")
                let id = try #require(created.jobID)
                let added = try await client.post(UWSServer.base + "/async/\(id)/parameters", [("QUERY", "SELECT 42 AS answer"), ("RUNID", "later")])
                #expect(added.status == 303, "\(added)")
                let parameters = try await client.get(UWSServer.base + "/async/\(id)/parameters")
                #expect(parameters.text.contains("<uws:parameter id=\"lang\">ADQL</uws:parameter>"))
                #expect(parameters.text.contains("<uws:parameter id=\"query\">SELECT 42 AS answer</uws:parameter>"))
                #expect(try await client.get(UWSServer.base + "/async/\(id)/runId").text == "later")
                _ = try await client.post(UWSServer.base + "/async/\(id)/phase", [("PHASE", "RUN")])
                try await server.waitForPhase(id, [.completed])
                #expect(try await client.get(UWSServer.base + "/async/\(id)/results/result").text == "answer\n42\n")
                let late = try await client.post(UWSServer.base + "/async/\(id)/parameters", [("MAXREC", "1")])
                #expect(late.status == 400 && late.text.contains("PENDING"), "\(late)")
            }
        }
    }
}
