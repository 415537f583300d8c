import CLibPQ
import Logging

/// Routes the server's notices and warnings (`NOTICE: relation ... already exists, skipping`, `RAISE
/// WARNING`) into the connection's logger instead of libpq's default, which prints them raw to stderr.
///
/// libpq calls the receiver on the thread running the statement (the connection's queue); the message is
/// copied into Swift strings there, before the result is freed by libpq.
final class NoticeLog: Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Installs the receiver on `handle`. The connection keeps `self` alive for as long as `handle` lives.
    func install(on handle: OpaquePointer) {
        PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result else { return }
            Unmanaged<NoticeLog>.fromOpaque(context).takeUnretainedValue().receive(result)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func receive(_ result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        // The non-localized severity (PG_DIAG_SEVERITY_NONLOCALIZED, 'V') stays English whatever lc_messages says.
        let severity = field("V") ?? field("S") ?? "NOTICE"
        let message = field("M") ?? "(no message)"
        var metadata: Logger.Metadata = ["event": "postgres.notice", "severity": "\(severity)"]
        if let state = field("C") { metadata["sqlstate"] = "\(state)" }
        if let detail = field("D") { metadata["detail"] = "\(detail)" }
        // Notices are routine (IF NOT EXISTS, implicit sequences); a WARNING asks for attention.
        logger.log(level: severity == "WARNING" ? .warning : .debug, "\(message)", metadata: metadata)
    }
}
