import Foundation
import Logging

/// Writes one logfmt line per record to standard error:
/// `ts=2026-11-24T12:00:00.000Z level=info logger=consdb event=serve.start msg="..." key=value`.
struct LogfmtLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event record: LogEvent) {
        var line = "ts=\(Self.timestamp()) level=\(record.level.rawValue) logger=\(label)"
        var merged = metadata.merging(record.metadata ?? [:]) { _, new in new }
        if let error = record.error { merged["error"] = "\(error)" }
        if let event = merged["event"] { line += " event=\(Self.quote("\(event)"))" }
        line += " msg=\(Self.quote(record.message.description))"
        for key in merged.keys.sorted() where key != "event" {
            line += " \(key)=\(Self.quote("\(merged[key]!)"))"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
