import Foundation  // memchr

// The shape of an InfluxDB 1.x query answer, read chunk by chunk.
//
// With `chunked=true` the body is a sequence of JSON documents, one per line:
//   {"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","a"],"values":[[t,1.5],...],
//     "partial":true}],"partial":true}]}
// A result without "series" has no data. Errors are an "error" member at the top level (the statement
// was refused) or in a result (it failed). "partial": true says more chunks follow, so an answer whose
// last document is still partial was cut short.

/// Receives the series of an answer. `row` reads one values row (the scanner is at its `[`).
protocol SeriesSink {
    mutating func beginSeries(name: String?, columns: [String]) throws(ResponseFailure)
    mutating func row(_ scanner: inout JSONScanner) throws(ResponseFailure)
}

/// Splits a streamed body into documents at newlines and reads each into `sink`; keeps only the
/// unfinished document in memory.
struct ChunkedResponseReader<Sink: SeriesSink> {
    var sink: Sink
    /// Largest document accepted (one chunk of `chunk_size` rows).
    let maximumChunkBytes: Int
    /// Documents read.
    private(set) var chunks = 0
    /// Body bytes received.
    private(set) var bytes = 0
    private var pending: [UInt8] = []
    private var lastWasPartial = false

    init(sink: Sink, maximumChunkBytes: Int) {
        self.sink = sink
        self.maximumChunkBytes = maximumChunkBytes
    }

    /// Takes the next piece of the body.
    mutating func feed(_ piece: UnsafeRawBufferPointer) throws(ResponseFailure) {
        guard let start = piece.baseAddress, piece.count > 0 else { return }
        bytes += piece.count
        let bytes = start.assumingMemoryBound(to: UInt8.self)
        var offset = 0
        while offset < piece.count {
            let remaining = piece.count - offset
            guard let newline = memchr(bytes + offset, 0x0A, remaining) else {
                try keep(UnsafeBufferPointer(start: bytes + offset, count: remaining))
                return
            }
            let lineEnd = UnsafePointer(newline.assumingMemoryBound(to: UInt8.self)) - bytes
            if pending.isEmpty {
                guard lineEnd - offset <= maximumChunkBytes else { throw tooLarge() }
                try document(UnsafeBufferPointer(start: bytes + offset, count: lineEnd - offset))
            } else {
                try keep(UnsafeBufferPointer(start: bytes + offset, count: lineEnd - offset))
                let line = pending
                pending.removeAll(keepingCapacity: true)
                try line.withUnsafeBufferPointer { (buffer) throws(ResponseFailure) in try document(buffer) }
            }
            offset = lineEnd + 1
        }
    }

    /// Ends the body: reads a last document without a newline, and refuses an answer that is empty
    /// or stops while still partial.
    mutating func finish() throws(ResponseFailure) {
        if !pending.isEmpty {
            let line = pending
            pending = []
            do throws(ResponseFailure) {
                try line.withUnsafeBufferPointer { (buffer) throws(ResponseFailure) in try document(buffer) }
            } catch where error.kind == .malformed && error.atEnd {
                throw ResponseFailure(kind: .truncated, message: "the answer ends inside a chunk (\(error.message))")
            }
        }
        guard chunks > 0 else { throw ResponseFailure(kind: .truncated, message: "the answer is empty") }
        guard !lastWasPartial else {
            throw ResponseFailure(kind: .truncated, message: "the answer ends after chunk \(chunks), which says more follow (connection cut, or the server's max-row-limit)")
        }
    }

    private mutating func keep(_ part: UnsafeBufferPointer<UInt8>) throws(ResponseFailure) {
        guard pending.count + part.count <= maximumChunkBytes else { throw tooLarge() }
        pending.append(contentsOf: part)
    }

    private func tooLarge() -> ResponseFailure {
        ResponseFailure(kind: .tooLarge, message: "chunk \(chunks + 1) is larger than \(maximumChunkBytes) bytes")
    }

    private mutating func document(_ line: UnsafeBufferPointer<UInt8>) throws(ResponseFailure) {
        guard let base = line.baseAddress else { return }
        var scanner = JSONScanner(base: base, count: line.count)
        scanner.skipWhitespace()
        if scanner.isAtEnd { return }  // a blank line between documents
        do throws(ResponseFailure) {
            lastWasPartial = try ResponseDocument.read(&scanner, into: &sink)
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw scanner.failure("expected the end of the chunk") }
        } catch where error.kind == .malformed {
            throw ResponseFailure(kind: .malformed, message: "chunk \(chunks + 1): \(error.message)", atEnd: error.atEnd)
        }
        chunks += 1
    }
}

/// Reads one document of an answer.
enum ResponseDocument {
    /// Reads `{"results": [...]}` and returns whether it says more chunks follow.
    static func read<Sink: SeriesSink>(_ scanner: inout JSONScanner, into sink: inout Sink) throws(ResponseFailure) -> Bool {
        try scanner.expect(UInt8(ascii: "{"), "'{' at the start of a chunk")
        var partial = false
        var seen = Seen()
        var sawResults = false
        try scanner.members { (scanner, name) throws(ResponseFailure) in
            try seen.once(name, scanner)
            switch name {
            case "results":
                sawResults = true
                try scanner.expect(UInt8(ascii: "["), "an array of results")
                try scanner.elements { (scanner) throws(ResponseFailure) in
                    if try result(&scanner, into: &sink) { partial = true }
                }
            case "error":
                throw ResponseFailure(kind: .server, message: try message(&scanner))
            default:
                try scanner.skipValue(depth: 1)
            }
        }
        guard sawResults else { throw .malformed("a chunk without \"results\"") }
        return partial
    }

    /// Reads one result; returns whether it is partial.
    private static func result<Sink: SeriesSink>(_ scanner: inout JSONScanner, into sink: inout Sink) throws(ResponseFailure) -> Bool {
        try scanner.expect(UInt8(ascii: "{"), "a result object")
        var partial = false
        var seen = Seen()
        try scanner.members { (scanner, name) throws(ResponseFailure) in
            try seen.once(name, scanner)
            switch name {
            case "series":
                try scanner.expect(UInt8(ascii: "["), "an array of series")
                try scanner.elements { (scanner) throws(ResponseFailure) in
                    if try series(&scanner, into: &sink) { partial = true }
                }
            case "error":
                throw ResponseFailure(kind: .server, message: try message(&scanner))
            case "partial":
                partial = try flag(&scanner)
            default:
                // statement_id, messages (warnings), and anything a later server adds.
                try scanner.skipValue(depth: 3)
            }
        }
        return partial
    }

    /// Reads one series into `sink`; returns whether it is partial.
    private static func series<Sink: SeriesSink>(_ scanner: inout JSONScanner, into sink: inout Sink) throws(ResponseFailure) -> Bool {
        try scanner.expect(UInt8(ascii: "{"), "a series object")
        var name: String?
        var columns: [String]?
        var deferredValues: Int?
        var partial = false
        var seen = Seen()
        try scanner.members { (scanner, member) throws(ResponseFailure) in
            try seen.once(member, scanner)
            switch member {
            case "name":
                guard scanner.current == UInt8(ascii: "\"") else { throw scanner.failure("expected the series name as a string") }
                name = try scanner.string()
            case "columns":
                try scanner.expect(UInt8(ascii: "["), "an array of column names")
                var names: [String] = []
                try scanner.elements { (scanner) throws(ResponseFailure) in
                    guard scanner.current == UInt8(ascii: "\"") else { throw scanner.failure("expected a column name as a string") }
                    names.append(try scanner.string())
                }
                columns = names
            case "values":
                if let columns {
                    try sink.beginSeries(name: name, columns: columns)
                    try rows(&scanner, into: &sink)
                } else {
                    // InfluxDB writes columns first; JSON does not promise it, so come back later.
                    deferredValues = scanner.index
                    try scanner.skipValue(depth: 4)
                }
            case "partial":
                partial = try flag(&scanner)
            default:
                // tags, and anything a later server adds.
                try scanner.skipValue(depth: 4)
            }
        }
        if let deferredValues {
            guard let columns else { throw .malformed("a series with values but no columns") }
            let end = scanner.index
            scanner.index = deferredValues
            try sink.beginSeries(name: name, columns: columns)
            try rows(&scanner, into: &sink)
            scanner.index = end
        }
        return partial
    }

    private static func rows<Sink: SeriesSink>(_ scanner: inout JSONScanner, into sink: inout Sink) throws(ResponseFailure) {
        try scanner.expect(UInt8(ascii: "["), "an array of rows")
        if scanner.consume(UInt8(ascii: "]")) { return }
        while true {
            scanner.skipWhitespace()
            guard scanner.current == UInt8(ascii: "[") else { throw scanner.failure("expected a row (an array)") }
            try sink.row(&scanner)
            if scanner.consume(UInt8(ascii: ",")) { continue }
            try scanner.expect(UInt8(ascii: "]"), "',' or ']' after a row")
            return
        }
    }

    private static func flag(_ scanner: inout JSONScanner) throws(ResponseFailure) -> Bool {
        guard case .bool(let value) = try scanner.scalar() else { throw .malformed("\"partial\" is not a boolean") }
        return value
    }

    private static func message(_ scanner: inout JSONScanner) throws(ResponseFailure) -> String {
        guard scanner.current == UInt8(ascii: "\"") else { throw scanner.failure("expected the error message as a string") }
        return try scanner.string()
    }

    /// Refuses a member name met twice in one object (which one would count is anyone's guess).
    private struct Seen {
        var names: [String] = []
        mutating func once(_ name: String, _ scanner: JSONScanner) throws(ResponseFailure) {
            guard !names.contains(name) else { throw .malformed("the member \"\(name)\" appears twice (before byte \(scanner.index))") }
            names.append(name)
        }
    }
}
