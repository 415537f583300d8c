import Foundation
import VOTable

/// The UWS 1.1 XML documents (namespace `http://www.ivoa.net/xml/UWS/v1.0`, `version="1.1"`): the job,
/// the job list, the results and the parameters, with links as absolute URLs.
enum UWSDocument {
    static let namespaces = """
        xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0" xmlns:xlink="http://www.w3.org/1999/xlink" \
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        """
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

    /// `/{jobs}/{job-id}`.
    static func job(_ job: TAPJob, jobURL: String, now: Date = Date()) -> String {
        var out = declaration + "<uws:job version=\"1.1\" \(namespaces)>\n"
        out += "  <uws:jobId>\(XMLText.escape(job.id))</uws:jobId>\n"
        if let runID = job.runID { out += "  <uws:runId>\(XMLText.escape(runID))</uws:runId>\n" }
        out += element("ownerId", job.owner)
        out += "  <uws:phase>\(job.phase.rawValue)</uws:phase>\n"
        out += element("quote", quote(job, now: now).map(UWSTime.format))
        out += "  <uws:creationTime>\(UWSTime.format(job.creationTime))</uws:creationTime>\n"
        out += element("startTime", job.startTime.map(UWSTime.format))
        out += element("endTime", job.endTime.map(UWSTime.format))
        out += "  <uws:executionDuration>\(job.executionDuration)</uws:executionDuration>\n"
        out += "  <uws:destruction>\(UWSTime.format(job.destruction))</uws:destruction>\n"
        out += parameters(job.parameters, indent: "  ")
        out += results(job, jobURL: jobURL, indent: "  ")
        if job.phase == .error {
            out += "  <uws:errorSummary type=\"fatal\" hasDetail=\"true\">\n"
            out += "    <uws:message>\(XMLText.escape(job.errorMessage ?? "The job failed"))</uws:message>\n"
            out += "  </uws:errorSummary>\n"
        }
        out += "</uws:job>\n"
        return out
    }

    /// `/{jobs}`.
    static func jobList(_ jobs: [TAPJob], listURL: String) -> String {
        var out = declaration + "<uws:jobs version=\"1.1\" \(namespaces)>\n"
        for job in jobs {
            out += "  <uws:jobref id=\"\(XMLText.escape(job.id))\" xlink:href=\"\(XMLText.escape(listURL + "/" + job.id))\">\n"
            out += "    <uws:phase>\(job.phase.rawValue)</uws:phase>\n"
            if let runID = job.runID { out += "    <uws:runId>\(XMLText.escape(runID))</uws:runId>\n" }
            out += "  " + element("ownerId", job.owner)
            out += "    <uws:creationTime>\(UWSTime.format(job.creationTime))</uws:creationTime>\n"
            out += "  </uws:jobref>\n"
        }
        out += "</uws:jobs>\n"
        return out
    }

    /// `/{jobs}/{job-id}/results` (standalone) or the job's `results` element.
    static func results(_ job: TAPJob, jobURL: String, indent: String = "", standalone: Bool = false) -> String {
        var out = standalone ? declaration + "<uws:results \(namespaces)>\n" : indent + "<uws:results>\n"
        if job.phase == .completed, let result = job.result {
            out += indent + "  <uws:result id=\"result\" xlink:type=\"simple\" xlink:href=\"\(XMLText.escape(jobURL + "/results/result"))\""
            out += " size=\"\(result.size)\" mime-type=\"\(XMLText.escape(result.contentType))\"/>\n"
        }
        out += indent + "</uws:results>\n"
        return out
    }

    /// `/{jobs}/{job-id}/parameters` (standalone) or the job's `parameters` element. Ids are the TAP
    /// names in lower case (names are case-insensitive; clients such as pyvo look them up so).
    static func parameters(_ parameters: TAPParameters, indent: String = "", standalone: Bool = false) -> String {
        var out = standalone ? declaration + "<uws:parameters \(namespaces)>\n" : indent + "<uws:parameters>\n"
        for entry in parameters.entries {
            out += indent + "  <uws:parameter id=\"\(XMLText.escape(entry.name.lowercased()))\">\(XMLText.escape(entry.value))</uws:parameter>\n"
        }
        out += indent + "</uws:parameters>\n"
        return out
    }

    /// TAP 1.1 recommends "now plus the longest the query may run" for a job that has not finished.
    static func quote(_ job: TAPJob, now: Date) -> Date? {
        switch job.phase {
        case .pending, .queued, .held: return now.addingTimeInterval(Double(job.executionDuration))
        case .executing: return (job.startTime ?? now).addingTimeInterval(Double(job.executionDuration))
        default: return nil
        }
    }

    private static func element(_ name: String, _ value: String?) -> String {
        guard let value else { return "  <uws:\(name) xsi:nil=\"true\"/>\n" }
        return "  <uws:\(name)>\(XMLText.escape(value))</uws:\(name)>\n"
    }
}

/// The document at `/{jobs}/{job-id}/error`: a VOTable whose `QUERY_STATUS` is `ERROR` with the
/// message (TAP 1.1 §5.3, DALI), served with status 200; the same document a failed sync query gets.
enum TAPErrorDocument {
    static func votable(_ message: String) -> String {
        String(decoding: VOTableErrorDocument.render(message), as: UTF8.self)
    }
}
