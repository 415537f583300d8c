import EFD

/// Appends the rows of an answer to a `TopicBuffer`, mapping columns to the buffer's fields by name.
///
/// Values: numbers as they are (integers included), `true` → 1, `false` → 0, `null` and strings → NaN
/// (a string field has no numeric summary; NaN keeps the row's other fields). A buffer field the
/// answer has no column for stays NaN. The `time` column is required and must be integer
/// nanoseconds (`epoch=ns`).
struct TopicBufferSink: SeriesSink {
    var buffer: TopicBuffer
    /// Skip rows whose values are all null (empty `GROUP BY time()` buckets).
    let skipsEmptyRows: Bool
    private(set) var rows = 0

    /// Per answer column: the buffer field it fills, `timeColumn`, or `ignored`.
    private var targets: [Int] = []
    /// Buffer fields that repeat a name: (first field of the name, repeat), copied after each row.
    private let repeats: [(Int, Int)]
    private let firstFieldOfName: [String: Int]
    private var row: [Double]
    private static let timeColumn = -1
    private static let ignored = -2

    init(buffer: TopicBuffer, skipsEmptyRows: Bool) {
        self.buffer = buffer
        self.skipsEmptyRows = skipsEmptyRows
        var first: [String: Int] = [:]
        var repeats: [(Int, Int)] = []
        for (field, name) in buffer.fieldNames.enumerated() {
            if let earlier = first[name] { repeats.append((earlier, field)) } else { first[name] = field }
        }
        self.firstFieldOfName = first
        self.repeats = repeats
        row = Array(repeating: .nan, count: buffer.fieldCount)
    }

    mutating func beginSeries(name: String?, columns: [String]) throws(ResponseFailure) {
        targets = Array(repeating: Self.ignored, count: columns.count)
        var seen = Set<String>()
        var sawTime = false
        for (index, column) in columns.enumerated() {
            guard seen.insert(column).inserted else {
                throw .malformed("series \(name ?? "?") has the column \"\(column)\" twice")
            }
            if column == "time" {
                targets[index] = Self.timeColumn
                sawTime = true
            } else if let field = firstFieldOfName[column] {
                targets[index] = field
            }
        }
        guard sawTime else { throw .malformed("series \(name ?? "?") has no time column") }
    }

    mutating func row(_ scanner: inout JSONScanner) throws(ResponseFailure) {
        scanner.index += 1  // the row's '['
        for field in row.indices { row[field] = .nan }
        var time: Int64 = 0
        var anyValue = false
        for (column, target) in targets.enumerated() {
            if column > 0 {
                guard scanner.consume(UInt8(ascii: ",")) else {
                    throw scanner.current == UInt8(ascii: "]")
                        ? .malformed("a row with \(column) values for \(targets.count) columns (byte \(scanner.index))")
                        : scanner.failure("expected ',' between values")
                }
            }
            scanner.skipWhitespace()
            if target == Self.timeColumn {
                guard scanner.current == UInt8(ascii: "-") || (scanner.current >= UInt8(ascii: "0") && scanner.current <= UInt8(ascii: "9")) else {
                    throw scanner.failure("expected the time as integer nanoseconds")
                }
                time = try scanner.int64()
                continue
            }
            let value: Double
            switch try scanner.scalar() {
            case .number(let number): value = number
            case .bool(let flag): value = flag ? 1 : 0
            case .string, .null: value = .nan
            }
            if target >= 0 {
                row[target] = value
                if !value.isNaN { anyValue = true }
            }
        }
        if !scanner.consume(UInt8(ascii: "]")) {
            throw scanner.current == UInt8(ascii: ",")
                ? .malformed("a row with more values than its \(targets.count) columns (byte \(scanner.index))")
                : scanner.failure("expected ']' at the end of a row")
        }
        if skipsEmptyRows && !anyValue { return }
        for (first, repeated) in repeats { row[repeated] = row[first] }
        let seconds = InfluxTime.seconds(nanoseconds: time)
        do {
            try row.withUnsafeBufferPointer { (values) throws(TopicBufferError) in try buffer.append(time: seconds, values: values) }
        } catch {
            // Unreachable (the row has one value per field, the time is finite), but data never traps.
            throw .malformed("the buffer refused a row: \(error)")
        }
        rows += 1
    }
}

/// Collects an answer as text, for the small metadata answers (`SHOW ...`): strings as they are,
/// numbers and booleans as written, null as nil.
struct TableSink: SeriesSink {
    struct Series {
        var name: String?
        var columns: [String]
        var rows: [[String?]]
    }
    var series: [Series] = []
    /// Rows accepted in all (metadata answers are small; this bounds a hostile one).
    let maximumRows: Int
    private var total = 0

    init(maximumRows: Int = 10_000_000) {
        self.maximumRows = maximumRows
    }

    mutating func beginSeries(name: String?, columns: [String]) throws(ResponseFailure) {
        series.append(Series(name: name, columns: columns, rows: []))
    }

    mutating func row(_ scanner: inout JSONScanner) throws(ResponseFailure) {
        let width = series[series.count - 1].columns.count
        total += 1
        guard total <= maximumRows else { throw ResponseFailure(kind: .tooLarge, message: "more than \(maximumRows) rows") }
        scanner.index += 1  // '['
        var values: [String?] = []
        values.reserveCapacity(width)
        for column in 0..<width {
            if column > 0 {
                guard scanner.consume(UInt8(ascii: ",")) else {
                    throw scanner.current == UInt8(ascii: "]")
                        ? .malformed("a row with \(column) values for \(width) columns (byte \(scanner.index))")
                        : scanner.failure("expected ',' between values")
                }
            }
            scanner.skipWhitespace()
            let start = scanner.index
            switch scanner.current {
            case UInt8(ascii: "\""):
                values.append(try scanner.string())
            default:
                switch try scanner.scalar() {
                case .null: values.append(nil)
                case .bool(let flag): values.append(flag ? "true" : "false")
                case .number, .string:
                    values.append(String(decoding: UnsafeBufferPointer(start: scanner.base + start, count: scanner.index - start), as: UTF8.self))
                }
            }
        }
        if !scanner.consume(UInt8(ascii: "]")) {
            throw scanner.current == UInt8(ascii: ",")
                ? .malformed("a row with more values than its \(width) columns (byte \(scanner.index))")
                : scanner.failure("expected ']' at the end of a row")
        }
        series[series.count - 1].rows.append(values)
    }
}
