/// The serializations a TAP result can be written in.
public enum ResultFormat: Sendable, Hashable, CaseIterable {
    /// VOTable with the rows as XML `TR`/`TD` elements.
    case votableTableData
    /// VOTable with the rows as a base64 `BINARY2` stream (null flags per row).
    case votableBinary2
    /// RFC 4180 comma-separated values with a header line.
    case csv
    /// Tab-separated values with a header line.
    case tsv
    /// JSON shaped as `POST /consdb/query` answers: `{"columns": [...], "data": [[...]]}`.
    case json

    /// The format a TAP `RESPONSEFORMAT` (or `FORMAT`) value asks for, or `nil` when it names none of
    /// ours. Accepts the short names (`votable`, `votable/td`, `votable/b2`, `csv`, `tsv`) and the MIME
    /// types, with a `serialization` parameter for VOTable; names, parameter keys and values are
    /// case-insensitive and spaces around `;` and `=` are ignored. A plain VOTable request gets
    /// TABLEDATA, which every client reads (astropy included, for non-ASCII text too).
    public init?(responseFormat: String) {
        var parts = responseFormat.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmingSpaces.lowercased()
        }
        guard let type = parts.first, !type.isEmpty else { return nil }
        parts.removeFirst()
        var serialization: String?
        var header: String?
        for parameter in parts {
            guard let equals = parameter.firstIndex(of: "=") else { return nil }
            let key = parameter[..<equals].trimmingSpaces
            var value = String(parameter[parameter.index(after: equals)...].trimmingSpaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            switch key {
            case "serialization": serialization = value
            case "header": header = value
            case "charset": guard value == "utf-8" || value == "utf8" else { return nil }
            default: return nil
            }
        }
        switch type {
        case "votable", "application/x-votable+xml", "application/votable+xml", "text/xml":
            switch serialization {
            case nil, "tabledata": self = .votableTableData
            case "binary2": self = .votableBinary2
            default: return nil
            }
        case "votable/td", "votable/tabledata":
            guard serialization == nil else { return nil }
            self = .votableTableData
        case "votable/b2", "votable/binary2":
            guard serialization == nil else { return nil }
            self = .votableBinary2
        case "csv", "text/csv":
            guard serialization == nil, header == nil || header == "present" else { return nil }
            self = .csv
        case "tsv", "text/tab-separated-values":
            guard serialization == nil, header == nil || header == "present" else { return nil }
            self = .tsv
        case "json", "application/json":
            guard serialization == nil, header == nil else { return nil }
            self = .json
        default:
            return nil
        }
        if header != nil, self == .votableTableData || self == .votableBinary2 { return nil }
    }

    /// The `Content-Type` of a response in this format.
    public var mimeType: String {
        switch self {
        case .votableTableData: "application/x-votable+xml"
        case .votableBinary2: "application/x-votable+xml;serialization=BINARY2"
        case .csv: "text/csv;header=present"
        case .tsv: "text/tab-separated-values"
        case .json: "application/json"
        }
    }

    /// The short name a capabilities document can list next to the MIME type.
    public var shortName: String {
        switch self {
        case .votableTableData: "votable"
        case .votableBinary2: "votable/b2"
        case .csv: "csv"
        case .tsv: "tsv"
        case .json: "json"
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
