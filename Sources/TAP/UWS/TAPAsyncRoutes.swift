import Foundation
import Hummingbird
import Logging

/// The UWS 1.1 job list of the TAP service (`{base}/async`, TAP 1.1 §2.3.2), over ``TAPJobStore``.
///
/// Every client error gets its own plain-text answer (400, 404, 413), never a thrown error, so the API's
/// JSON error middleware only ever sees database failures. Redirects name absolute URLs built from the
/// request's `Host` (and `X-Forwarded-Proto`) and the configured base path.
public struct TAPAsyncRoutes: Sendable {
    let store: TAPJobStore
    let executor: any TAPQueryExecuting
    let configuration: TAPConfiguration
    /// This server's runner, woken when a job is queued or aborted here; nil when another process runs jobs.
    let runner: TAPJobRunner?
    /// How often a `WAIT` looks at the job's phase.
    let waitPollInterval: Duration
    /// The largest request body (form parameters) accepted.
    let maxBodyBytes: Int

    public init(
        store: TAPJobStore, executor: any TAPQueryExecuting, configuration: TAPConfiguration, runner: TAPJobRunner? = nil,
        waitPollInterval: Duration = .milliseconds(200), maxBodyBytes: Int = 1 << 20
    ) {
        self.store = store
        self.executor = executor
        self.configuration = configuration
        self.runner = runner
        self.waitPollInterval = waitPollInterval
        self.maxBodyBytes = maxBodyBytes
    }

    /// Adds the routes under `group`, which must be the TAP base path (``TAPConfiguration/basePath``).
    public func register(on group: RouterGroup<BasicRequestContext>) {
        group.get("async") { request, _ in try await list(request) }
        group.post("async") { request, _ in try await create(request) }
        group.get("async/:id") { request, context in try await show(request, context) }
        group.post("async/:id") { request, context in try await postJob(request, context) }
        group.delete("async/:id") { request, context in try await deleteJob(request, context) }
        group.get("async/:id/phase") { _, context in try await attribute(context) { .text($0.phase.rawValue) } }
        group.post("async/:id/phase") { request, context in try await postPhase(request, context) }
        group.get("async/:id/executionduration") { _, context in try await attribute(context) { .text(String($0.executionDuration)) } }
        group.post("async/:id/executionduration") { request, context in try await postExecutionDuration(request, context) }
        group.get("async/:id/destruction") { _, context in try await attribute(context) { .text(UWSTime.format($0.destruction)) } }
        group.post("async/:id/destruction") { request, context in try await postDestruction(request, context) }
        group.get("async/:id/quote") { _, context in
            try await attribute(context) { .text(UWSDocument.quote($0, now: Date()).map(UWSTime.format) ?? "") }
        }
        group.get("async/:id/owner") { _, context in try await attribute(context) { .text($0.owner ?? "") } }
        group.get("async/:id/runId") { _, context in try await attribute(context) { .text($0.runID ?? "") } }
        group.get("async/:id/parameters") { _, context in
            try await attribute(context) { .xml(UWSDocument.parameters($0.parameters, standalone: true)) }
        }
        group.post("async/:id/parameters") { request, context in try await postParameters(request, context) }
        group.get("async/:id/results") { request, context in
            guard let base = jobsURL(request) else { return badHost() }
            return try await attribute(context) { job in .xml(UWSDocument.results(job, jobURL: base + "/" + job.id, standalone: true)) }
        }
        group.get("async/:id/results/result") { _, context in try await result(context) }
        group.get("async/:id/error") { _, context in try await errorDocument(context) }
    }

    // MARK: The job list

    private func list(_ request: Request) async throws -> Response {
        guard let base = jobsURL(request) else { return badHost() }
        let parameters: TAPParameters
        do { parameters = TAPParameters(try TAPParameters.parseForm(Substring(request.uri.query ?? ""))) } catch { return text(.badRequest, error.message) }
        var phases: [UWSPhase] = []
        for name in parameters.all("PHASE") {
            guard let phase = UWSPhase(name: name) else { return badPhase(name) }
            phases.append(phase)
        }
        var after: Date?
        if let text = parameters["AFTER"] {
            guard let date = UWSTime.parse(text) else { return self.text(.badRequest, "AFTER must be an ISO 8601 time such as 2026-01-31T12:00:00Z, not '\(text.prefix(100))'") }
            after = date
        }
        var last: Int?
        if let text = parameters["LAST"] {
            guard let count = Int(text), count > 0 else { return self.text(.badRequest, "LAST must be an integer greater than 0, not '\(text.prefix(100))'") }
            last = count
        }
        let jobs = try await store.list(phases: phases, after: after, last: last)
        return xml(UWSDocument.jobList(jobs, listURL: base))
    }

    private func create(_ request: Request) async throws -> Response {
        guard let base = jobsURL(request) else { return badHost() }
        let pairs: [(String, String)]
        switch await form(request) {
        case .success(let read): pairs = read
        case .failure(let refusal): return refusal.response
        }
        var tapParameters: [(name: String, value: String)] = []
        var runID: String?
        var run = false
        for (name, value) in pairs {
            switch name.uppercased() {
            case "PHASE":
                guard value.uppercased() == "RUN" else { return text(.badRequest, "PHASE=\(value.prefix(100)) cannot be given when creating a job; only PHASE=RUN") }
                run = true
            case "RUNID": runID = runID ?? value
            default: tapParameters.append((name.uppercased(), value))
            }
        }
        let parameters = TAPParameters(tapParameters.map { ($0.name, $0.value) })
        // TAP 1.1 §5.1: a job may be created empty and filled through /parameters, so what is missing is
        // only an error when the job is to run at once; what is present and wrong is refused now.
        if let refusal = check(parameters, toRun: run) { return refusal }
        let job = try await store.create(
            parameters: tapParameters, runID: runID, executionDuration: Int(configuration.syncTimeoutSeconds.rounded(.up)).clamped(1, maxExecutionSeconds),
            destruction: Date().addingTimeInterval(configuration.defaultDestructionSeconds), run: run
        )
        if run { runner?.wakeUp() }
        return redirect(base + "/" + job.id)
    }

    private var maxExecutionSeconds: Int { max(1, Int(configuration.maxExecutionSeconds.rounded(.down))) }

    /// Checks the parameters that can be checked without running anything. An unsupported `LANG` is not
    /// one of them: the job is created and ends in ERROR saying so, as TAP clients and taplint expect of
    /// a query the service cannot run.
    private func check(_ parameters: TAPParameters, toRun: Bool) -> Response? {
        if let maxrec = parameters["MAXREC"], Int(maxrec).map({ $0 >= 0 }) != true {
            return text(.badRequest, "MAXREC must be a non-negative integer, not '\(maxrec.prefix(100))'")
        }
        do {
            _ = try executor.contentType(for: parameters)
            if toRun { try TAPJobRunner.checkHasQuery(parameters) }
        } catch {
            return text(.badRequest, error.message)
        }
        return nil
    }

    // MARK: One job

    private func show(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let base = jobsURL(request) else { return badHost() }
        guard let id = jobID(context) else { return noSuchJob(context) }
        let query: TAPParameters
        do { query = TAPParameters(try TAPParameters.parseForm(Substring(request.uri.query ?? ""))) } catch { return text(.badRequest, error.message) }
        guard var job = try await store.job(id) else { return noSuchJob(context) }
        if let waitText = query["WAIT"] {
            guard let wait = Int(waitText), wait >= -1 else { return text(.badRequest, "WAIT must be an integer number of seconds (-1 to wait as long as the server allows), not '\(waitText.prefix(100))'") }
            var expected: UWSPhase?
            if let phaseText = query["PHASE"] {
                guard let phase = UWSPhase(name: phaseText) else { return badPhase(phaseText) }
                expected = phase
            }
            let seconds = wait < 0 ? configuration.maxWaitSeconds : min(Double(wait), configuration.maxWaitSeconds)
            if job.phase.isActive, expected.map({ $0 == job.phase }) ?? true, seconds > 0 {
                let initial = job.phase
                let deadline = ContinuousClock.now + .seconds(seconds)
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: min(waitPollInterval, deadline - .now))
                    guard let phase = try await store.phase(id) else { return noSuchJob(context) }
                    if phase != initial { break }
                }
                guard let latest = try await store.job(id) else { return noSuchJob(context) }
                job = latest
            }
        }
        return xml(UWSDocument.job(job, jobURL: base + "/" + job.id))
    }

    private func postJob(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context) else { return noSuchJob(context) }
        let pairs: [(String, String)]
        switch await form(request) {
        case .success(let read): pairs = read
        case .failure(let refusal): return refusal.response
        }
        let parameters = TAPParameters(pairs)
        guard let action = parameters["ACTION"] else {
            return text(.badRequest, "A POST to a job needs ACTION=DELETE (its parameters are changed at \(id)/parameters)")
        }
        guard action.uppercased() == "DELETE" else { return text(.badRequest, "ACTION=\(action.prefix(100)) is not supported; only ACTION=DELETE") }
        return try await destroy(id, request, context)
    }

    private func deleteJob(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context) else { return noSuchJob(context) }
        return try await destroy(id, request, context)
    }

    private func destroy(_ id: String, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let base = jobsURL(request) else { return badHost() }
        let (found, file) = try await store.delete(id)
        guard found else { return noSuchJob(context) }
        if let file, let directory = configuration.resultsDirectory { TAPResultFile.remove(file, in: directory) }
        runner?.wakeUp()
        return redirect(base)
    }

    private func postPhase(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context) else { return noSuchJob(context) }
        let pairs: [(String, String)]
        switch await form(request) {
        case .success(let read): pairs = read
        case .failure(let refusal): return refusal.response
        }
        guard let value = TAPParameters(pairs)["PHASE"] else { return text(.badRequest, "The request needs PHASE=RUN or PHASE=ABORT") }
        let change: TAPJobStore.Change
        switch value.uppercased() {
        case "RUN":
            if let job = try await store.job(id), job.phase == .pending, let refusal = check(job.parameters, toRun: true) { return refusal }
            change = try await store.run(id)
        case "ABORT":
            change = try await store.abort(id)
        default:
            return text(.badRequest, "PHASE=\(value.prefix(100)) is not a phase request; use PHASE=RUN or PHASE=ABORT")
        }
        switch change {
        case .changed:
            runner?.wakeUp()
            return redirectToJob(id, request)
        case .unchanged: return redirectToJob(id, request)
        case .notFound: return noSuchJob(context)
        case .refused(let phase):
            return text(.badRequest, "The job is \(phase.rawValue): PHASE=\(value.uppercased()) is not allowed in that phase")
        }
    }

    private func postExecutionDuration(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context) else { return noSuchJob(context) }
        let pairs: [(String, String)]
        switch await form(request) {
        case .success(let read): pairs = read
        case .failure(let refusal): return refusal.response
        }
        guard let value = TAPParameters(pairs)["EXECUTIONDURATION"] else { return text(.badRequest, "The request needs EXECUTIONDURATION=<seconds>") }
        guard let seconds = Int(value) else {
            return text(.badRequest, "EXECUTIONDURATION must be an integer number of seconds, not '\(value.prefix(100))'")
        }
        // 0 (or less) means "unlimited" in UWS; the service substitutes its maximum, as it may.
        let granted = seconds <= 0 ? maxExecutionSeconds : min(seconds, maxExecutionSeconds)
        return answer(try await store.setExecutionDuration(id, seconds: granted), id, request, context,
                                refused: "the execution duration can only be changed before the job starts")
    }

    private func postDestruction(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context) else { return noSuchJob(context) }
        let pairs: [(String, String)]
        switch await form(request) {
        case .success(let read): pairs = read
        case .failure(let refusal): return refusal.response
        }
        guard let value = TAPParameters(pairs)["DESTRUCTION"] else { return text(.badRequest, "The request needs DESTRUCTION=<ISO 8601 time>") }
        guard let requested = UWSTime.parse(value) else {
            return text(.badRequest, "DESTRUCTION must be an ISO 8601 time such as 2026-01-31T12:00:00Z, not '\(value.prefix(100))'")
        }
        let now = Date()
        let latest = now.addingTimeInterval(configuration.maxDestructionSeconds)
        let granted = min(max(requested, now), latest)
        return answer(try await store.setDestruction(id, granted), id, request, context, refused: "")
    }

    private func postParameters(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context) else { return noSuchJob(context) }
        let pairs: [(String, String)]
        switch await form(request) {
        case .success(let read): pairs = read
        case .failure(let refusal): return refusal.response
        }
        var added: [(name: String, value: String)] = []
        var runID: String?
        for (name, value) in pairs {
            if name.uppercased() == "RUNID" { runID = value } else if name.uppercased() != "PHASE" { added.append((name.uppercased(), value)) }
        }
        if let refusal = check(TAPParameters(added.map { ($0.name, $0.value) }), toRun: false) { return refusal }
        let refusedText = "parameters can only be changed while the job is PENDING"
        if let runID {
            let change = try await store.setRunID(id, runID)
            if change != .changed { return answer(change, id, request, context, refused: refusedText) }
        }
        if added.isEmpty, runID != nil { return redirectToJob(id, request) }
        return answer(try await store.addParameters(id, added), id, request, context, refused: refusedText)
    }

    private func answer(_ change: TAPJobStore.Change, _ id: String, _ request: Request, _ context: BasicRequestContext, refused: String) -> Response {
        switch change {
        case .changed, .unchanged: return redirectToJob(id, request)
        case .notFound: return noSuchJob(context)
        case .refused(let phase): return text(.badRequest, "The job is \(phase.rawValue): \(refused)")
        }
    }

    private enum Attribute {
        case text(String)
        case xml(String)
    }

    private func attribute(_ context: BasicRequestContext, _ render: (TAPJob) -> Attribute) async throws -> Response {
        guard let id = jobID(context), let job = try await store.job(id) else { return noSuchJob(context) }
        switch render(job) {
        case .text(let value): return text(.ok, value)
        case .xml(let value): return xml(value)
        }
    }

    private func result(_ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context), let job = try await store.job(id) else { return noSuchJob(context) }
        guard job.phase == .completed, let result = job.result, let directory = configuration.resultsDirectory else {
            return text(.notFound, "The job has no result: it is \(job.phase.rawValue)")
        }
        let path = directory + "/" + result.fileName
        guard !result.fileName.contains("/"), FileManager.default.fileExists(atPath: path) else {
            return text(.notFound, "The job's result file is missing from this server's results directory")
        }
        let body: ResponseBody
        do {
            body = try await FileIO().loadFile(path: path, context: context)
        } catch {
            return text(.notFound, "The job's result file cannot be read")
        }
        return Response(status: .ok, headers: [.contentType: result.contentType], body: body)
    }

    private func errorDocument(_ context: BasicRequestContext) async throws -> Response {
        guard let id = jobID(context), let job = try await store.job(id) else { return noSuchJob(context) }
        guard job.phase == .error else { return text(.notFound, "The job has no error: it is \(job.phase.rawValue)") }
        let body = TAPErrorDocument.votable(job.errorMessage ?? "The job failed")
        return Response(status: .ok, headers: [.contentType: "application/x-votable+xml"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    // MARK: Reading requests

    private struct Refusal: Error {
        var response: Response
    }

    /// The parameters of a POST: its query string, then its form-encoded body.
    private func form(_ request: Request) async -> Result<[(String, String)], Refusal> {
        var request = request
        do {
            var pairs = try TAPParameters.parseForm(Substring(request.uri.query ?? ""))
            let type = request.headers[.contentType]?.lowercased() ?? ""
            if type.hasPrefix("multipart/") {
                return .failure(Refusal(response: text(.badRequest, "multipart/form-data requests are not supported (this service offers no UPLOAD); send the parameters form-encoded")))
            }
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: maxBodyBytes)
            } catch {
                return .failure(Refusal(response: text(.contentTooLarge, "The request body is larger than \(maxBodyBytes) bytes")))
            }
            if body.readableBytes > 0 {
                pairs += try TAPParameters.parseForm(Substring(String(decoding: body.readableBytesView, as: UTF8.self)))
            }
            if let bad = pairs.first(where: { $0.0.contains("\0") || $0.1.contains("\0") }) {
                return .failure(Refusal(response: text(.badRequest, "Parameter \(bad.0.prefix(100)) holds a NUL character")))
            }
            return .success(pairs)
        } catch {
            return .failure(Refusal(response: text(.badRequest, error.message)))
        }
    }

    private func jobID(_ context: BasicRequestContext) -> String? {
        guard let id = context.parameters.get("id"), TAPJob.isWellFormedID(id) else { return nil }
        return id
    }

    /// `scheme://host/base/async`, or nil when the Host header is not a host name.
    private func jobsURL(_ request: Request) -> String? {
        guard let host = request.head.authority ?? request.headers[.init("Host")!], !host.isEmpty, host.utf8.count <= 255,
              host.utf8.allSatisfy({ byte in
                  (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || ".-:[]_".utf8.contains(byte)
              }) else { return nil }
        let forwarded = request.headers[.init("X-Forwarded-Proto")!]?.lowercased()
        let scheme = forwarded == "https" || forwarded == "http" ? forwarded! : "http"
        let base = configuration.basePath.hasSuffix("/") ? String(configuration.basePath.dropLast()) : configuration.basePath
        return scheme + "://" + host + base + "/async"
    }

    // MARK: Answers

    private func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: message.isEmpty || status == .ok ? message : message + "\n")))
    }

    private func xml(_ document: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: document)))
    }

    private func redirect(_ url: String) -> Response {
        Response(status: .seeOther, headers: [.location: url, .contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "See \(url)\n")))
    }

    private func redirectToJob(_ id: String, _ request: Request) -> Response {
        guard let base = jobsURL(request) else { return badHost() }
        return redirect(base + "/" + id)
    }

    private func noSuchJob(_ context: BasicRequestContext) -> Response {
        text(.notFound, "No such job: \(String((context.parameters.get("id") ?? "").prefix(100)))")
    }

    private func badPhase(_ value: String) -> Response {
        text(.badRequest, "'\(value.prefix(100))' is not a UWS phase; use one of \(UWSPhase.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    private func badHost() -> Response {
        text(.badRequest, "The request's Host header is missing or not a host name")
    }
}

extension Int {
    func clamped(_ low: Int, _ high: Int) -> Int { Swift.min(Swift.max(self, low), high) }
}
