import Consistency
import Foundation
import Hummingbird
import JSON

/// `GET {prefix}/table_consistency/{instrument}/{day_obs}` (the reference's JSON list of violations) and
/// `GET {prefix}/table_consistency`, the page operators open after a night or a backfill.
struct ConsistencyRoutes {
    let consistency: ConsistencyService
    let prefix: String

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.get("table_consistency") { request, _ in try await page(request) }
        group.get("table_consistency/:instrument/:day_obs") { _, context in
            let set = try ruleSet(try context.path("instrument"))
            let day = try dayObs(try context.path("day_obs"))
            let report = try await consistency.run(set, day: day)
            // The reference's list, unchanged; the page also shows the rules that were not checked.
            return JSONResponse.make(report.violationsJSON)
        }
    }

    func ruleSet(_ instrument: String) throws -> RuleSet {
        guard let set = consistency.rules[instrument.lowercased()] else {
            throw APIError.unknown("instrument", .string(instrument), valid: consistency.instruments)
        }
        return set
    }

    func dayObs(_ text: String) throws -> DayObs {
        guard let day = DayObs(text) else {
            throw APIError(.badRequest, "Invalid day_obs: give an observing day as YYYYMMDD", value: .string(text))
        }
        return day
    }

    /// The page: the form, and the check of the chosen (else the first) instrument and day (else the
    /// current observing night), rendered on the server: no script, no network beyond this server.
    private func page(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let instrumentText = query["instrument"].map { String($0).removingPercentEncoding ?? String($0) }
        let dayText = query["day_obs"].map { String($0).removingPercentEncoding ?? String($0) }
        let instrument = instrumentText.map { $0.lowercased() } ?? consistency.instruments.first ?? ""
        let dayValue = dayText ?? DayObs.containing(Date()).description
        var result: ConsistencyPage.Result
        var status: HTTPResponse.Status = .ok
        do {
            let set = try ruleSet(instrument)
            let day = try dayObs(dayValue)
            result = .report(try await consistency.run(set, day: day), set)
        } catch let error as APIError {
            result = .error(error.message + (error.value.map { ": \($0.serialized)" } ?? ""))
            status = error.status
        }
        let html = ConsistencyPage.render(
            instruments: consistency.instruments, instrument: instrument, dayObs: dayValue, result: result, action: base + "/table_consistency",
            jsonBase: base + "/table_consistency"
        )
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private var base: String { prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix }
}
