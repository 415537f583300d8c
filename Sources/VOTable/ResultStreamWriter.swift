/// Writes a query result in one of the ``ResultFormat``s, batch by batch, so a result of any length
/// streams with memory bounded by one batch.
///
/// Rows are PostgreSQL text values (`nil` for NULL), one per field in order; a row with fewer values
/// than fields has NULLs for the rest, and extra values are ignored. A value that is not the text
/// PostgreSQL writes for the field's kind is written as NULL (see ``PostgresText``): a result being
/// streamed cannot be failed any more, and a NULL never shifts the columns after it.
///
/// Text is written as UTF-8 in every format: `char` carries UTF-8 bytes, as VOTable 1.5 defines it
/// (`unicodeChar` is deprecated there). In TABLEDATA this is plain XML; in BINARY2 the count of a `char`
/// value is its number of bytes. astropy 8 reads such BINARY2 text as ASCII only, so a client of ours
/// that uses astropy and may meet non-ASCII text should ask for TABLEDATA (the default VOTable).
///
/// CSV lines end with CRLF (RFC 4180); a NULL is an empty field and an empty string is `""`. TSV lines
/// end with LF; NULL and the empty string are both empty, and backslash, tab, LF and CR in values are
/// written `\\`, `\t`, `\n`, `\r`. Booleans are `T`/`F` in VOTable and `true`/`false` in CSV and TSV;
/// arrays and geometries are their values separated by spaces (the TABLEDATA form) in all text formats.
public struct ResultStreamWriter: Sendable {
    public let format: ResultFormat
    public let fields: [ResultField]
    public let infos: [ResultInfo]
    private let kinds: [ValueKind]
    /// Each field's TABLEDATA NULL: `<TD/>`, except for fixed-length arrays, whose empty cell VOTable
    /// readers (votlint) take for an array of the wrong length: those get NaN for every element.
    private let nullCells: [[UInt8]]
    private var base64 = Base64Stream()
    private var rowBytes: [UInt8] = []
    /// Rows written so far.
    public private(set) var rowCount = 0

    /// `fields` are declared as ``ResultField/consistentWithKind`` makes them: the FIELDs always describe
    /// the bytes written.
    public init(format: ResultFormat, fields: [ResultField], infos: [ResultInfo] = []) {
        self.format = format
        let fields = fields.map(\.consistentWithKind)
        self.fields = fields
        self.infos = infos
        self.kinds = fields.map(\.kind)
        self.nullCells = fields.map { field in
            let count: Int? = switch field.kind {
            case .point: 2
            case .circle: 3
            case .box: 4
            default: nil
            }
            guard let count else { return Self.tdNull }
            return Array(("<TD>" + Array(repeating: "NaN", count: count).joined(separator: " ") + "</TD>").utf8)
        }
    }

    /// The document head up to the first row: for VOTable the RESOURCE with `QUERY_STATUS` OK and the
    /// infos, the FIELDs and the opening of the data; for CSV and TSV the header line.
    public mutating func begin(into out: inout [UInt8]) {
        switch format {
        case .votableTableData, .votableBinary2:
            VOTableDocument.appendHead(status: "OK", message: nil, infos: infos, into: &out)
            out.append(contentsOf: "<TABLE>\n".utf8)
            for field in fields { VOTableDocument.appendField(field, into: &out) }
            if format == .votableTableData {
                out.append(contentsOf: "<DATA><TABLEDATA>\n".utf8)
            } else {
                out.append(contentsOf: "<DATA><BINARY2><STREAM encoding=\"base64\">\n".utf8)
            }
        case .csv, .tsv:
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(format == .csv ? UInt8(ascii: ",") : UInt8(ascii: "\t")) }
                var name = field.name
                name.withUTF8 {
                    if format == .csv { ValueEncoder.appendCSV($0, into: &out) } else { ValueEncoder.appendTSV($0, into: &out) }
                }
            }
            out.append(contentsOf: format == .csv ? Self.crlf : Self.lf)
        case .json:
            out.append(contentsOf: "{\"columns\":[".utf8)
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                var name = field.name
                name.withUTF8 { ValueEncoder.appendJSONString($0, into: &out) }
            }
            out.append(contentsOf: "],\"data\":[".utf8)
        }
    }

    /// Appends a batch of rows.
    public mutating func append(_ rows: [[String?]], into out: inout [UInt8]) {
        switch format {
        case .votableTableData: appendTableData(rows, into: &out)
        case .votableBinary2: appendBinary2(rows, into: &out)
        case .csv: appendDelimited(rows, separator: UInt8(ascii: ","), style: .csv, lineEnd: Self.crlf, into: &out)
        case .tsv: appendDelimited(rows, separator: UInt8(ascii: "\t"), style: .tsv, lineEnd: Self.lf, into: &out)
        case .json: appendJSON(rows, into: &out)
        }
        rowCount += rows.count
    }

    /// Ends the table and the document; `overflow` (the result was cut at MAXREC or a limit) adds an
    /// `INFO name="QUERY_STATUS" value="OVERFLOW"` after the table, as DALI allows when the head has
    /// already said OK. CSV and TSV have no way to say it.
    public mutating func finish(overflow: Bool, into out: inout [UInt8]) {
        switch format {
        case .votableTableData, .votableBinary2:
            if format == .votableTableData {
                out.append(contentsOf: "</TABLEDATA></DATA>\n".utf8)
            } else {
                base64.finish(into: &out)
                out.append(contentsOf: "</STREAM></BINARY2></DATA>\n".utf8)
            }
            out.append(contentsOf: "</TABLE>\n".utf8)
            if overflow { VOTableDocument.appendInfo(ResultInfo(name: "QUERY_STATUS", value: "OVERFLOW"), into: &out) }
            out.append(contentsOf: VOTableDocument.tail)
        case .csv, .tsv:
            break
        case .json:
            out.append(UInt8(ascii: "]"))
            if overflow {
                out.append(contentsOf: ",\"truncated\":true,\"message\":\"Result truncated at MAXREC\"".utf8)
            }
            out.append(contentsOf: "}\n".utf8)
        }
    }

    // MARK: Rows

    private func appendTableData(_ rows: [[String?]], into out: inout [UInt8]) {
        let kinds = self.kinds
        let fieldCount = kinds.count
        let nullCells = self.nullCells
        for row in rows {
            out.append(contentsOf: Self.trOpen)
            for index in 0..<fieldCount {
                guard index < row.count, var value = row[index] else {
                    out.append(contentsOf: nullCells[index])
                    continue
                }
                let mark = out.count
                out.append(contentsOf: Self.tdOpen)
                let written = value.withUTF8 { ValueEncoder.appendText(kinds[index], $0, style: .xml, into: &out) }
                if written {
                    out.append(contentsOf: Self.tdClose)
                } else {
                    out.removeSubrange(mark...)
                    out.append(contentsOf: nullCells[index])
                }
            }
            out.append(contentsOf: Self.trClose)
        }
    }

    private mutating func appendBinary2(_ rows: [[String?]], into out: inout [UInt8]) {
        let kinds = self.kinds
        let fieldCount = kinds.count
        let flagBytes = (fieldCount + 7) / 8
        rowBytes.removeAll(keepingCapacity: true)
        for row in rows {
            let flagsAt = rowBytes.count
            for _ in 0..<flagBytes { rowBytes.append(0) }
            for index in 0..<fieldCount {
                let kind = kinds[index]
                var isNull = true
                if index < row.count, var value = row[index] {
                    let mark = rowBytes.count
                    isNull = !value.withUTF8 { ValueEncoder.appendBinary(kind, $0, into: &rowBytes) }
                    if isNull { rowBytes.removeSubrange(mark...) }
                }
                if isNull {
                    // Most significant bit of the first byte flags the first field.
                    rowBytes[flagsAt + index / 8] |= 0x80 >> UInt8(index % 8)
                    ValueEncoder.appendBinaryNull(kind, into: &rowBytes)
                }
            }
            // Encode as we go so the raw bytes held stay small even for a large batch.
            if rowBytes.count >= 1 << 16 {
                base64.encode(rowBytes, into: &out)
                rowBytes.removeAll(keepingCapacity: true)
            }
        }
        base64.encode(rowBytes, into: &out)
        rowBytes.removeAll(keepingCapacity: true)
    }

    private func appendDelimited(
        _ rows: [[String?]], separator: UInt8, style: ValueEncoder.TextStyle, lineEnd: [UInt8], into out: inout [UInt8]
    ) {
        let kinds = self.kinds
        let fieldCount = kinds.count
        for row in rows {
            for index in 0..<fieldCount {
                if index > 0 { out.append(separator) }
                guard index < row.count, var value = row[index] else { continue }
                let mark = out.count
                let written = value.withUTF8 { ValueEncoder.appendText(kinds[index], $0, style: style, into: &out) }
                if !written { out.removeSubrange(mark...) }
            }
            out.append(contentsOf: lineEnd)
        }
    }

    private func appendJSON(_ rows: [[String?]], into out: inout [UInt8]) {
        let kinds = self.kinds
        let fieldCount = kinds.count
        for (rowIndex, row) in rows.enumerated() {
            if rowCount + rowIndex > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for index in 0..<fieldCount {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard index < row.count, var value = row[index] else {
                    out.append(contentsOf: ValueEncoder.jsonNull)
                    continue
                }
                let mark = out.count
                if !value.withUTF8({ ValueEncoder.appendJSON(kinds[index], $0, into: &out) }) {
                    out.removeSubrange(mark...)
                    out.append(contentsOf: ValueEncoder.jsonNull)
                }
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    private static let trOpen = Array("<TR>".utf8)
    private static let trClose = Array("</TR>\n".utf8)
    private static let tdOpen = Array("<TD>".utf8)
    private static let tdClose = Array("</TD>".utf8)
    private static let tdNull = Array("<TD/>".utf8)
    private static let crlf = Array("\r\n".utf8)
    private static let lf = Array("\n".utf8)
}
