import Foundation

/// One async TAP job as the job table holds it.
public struct TAPJob: Sendable, Equatable {
    /// 32 lower-case hex digits (16 random bytes): unguessable, and safe as a path segment and file name.
    public var id: String
    public var phase: UWSPhase
    /// The client's own label for the job (`RUNID`).
    public var runID: String?
    /// The authenticated creator; nil while the service has no user authentication.
    public var owner: String?
    /// The TAP parameters (`LANG`, `QUERY`, ...), job-control ones (`PHASE`, `RUNID`, ...) excluded.
    public var parameters: TAPParameters
    public var creationTime: Date
    public var startTime: Date?
    public var endTime: Date?
    /// Seconds the query may run (never 0 here: "unlimited" is replaced by the service's maximum).
    public var executionDuration: Int
    /// When the job and its result are deleted.
    public var destruction: Date
    /// Why the job is in ERROR.
    public var errorMessage: String?
    public var result: TAPJobResult?
    /// The server executing the job (while EXECUTING).
    public var server: String?

    /// Whether `text` has the shape of a job id; anything else is refused before it reaches the
    /// database or the file system.
    public static func isWellFormedID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    /// A new id from the system's cryptographic random source.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(32)
        for _ in 0..<16 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return text
    }
}

/// The result document of a completed job.
public struct TAPJobResult: Sendable, Equatable {
    public var rows: Int
    /// Whether the result was cut at MAXREC.
    public var overflow: Bool
    /// The MIME type the executor declared.
    public var contentType: String
    /// The file's name inside the results directory (`<id>.<ext>`).
    public var fileName: String
    public var size: Int

    public init(rows: Int, overflow: Bool, contentType: String, fileName: String, size: Int) {
        self.rows = rows
        self.overflow = overflow
        self.contentType = contentType
        self.fileName = fileName
        self.size = size
    }

    /// The file extension for a MIME type (its parameters ignored).
    public static func fileExtension(for contentType: String) -> String {
        let base = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch base {
        case "application/x-votable+xml", "text/xml", "application/xml": return "xml"
        case "text/csv": return "csv"
        case "text/tab-separated-values": return "tsv"
        case "application/json": return "json"
        case "text/plain": return "txt"
        default: return "dat"
        }
    }
}
