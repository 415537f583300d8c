/// Appends the rows of an answer to an ``InfluxRowTarget``, mapping columns to the target's fields by name.
///
/// Values: numbers as they are (integers included), `true` → 1, `false` → 0, `null` and strings → NaN
/// (a string field has no numeric summary; NaN keeps the row's other fields). A target field the
/// answer has no column for stays NaN. The `time` column is required and must be integer
/// nanoseconds (`epoch=ns`).
struct RowTargetSink<Target: InfluxRowTarget>: SeriesSink {
    /// Skip rows whose values are all null (empty `GROUP BY time()` buckets).
    let skipsEmptyRows: Bool
    private(set) var rows = 0
    private var current: NumericRow
    var target: Target

    init(target: Target, skipsEmptyRows: Bool) {
        self.skipsEmptyRows = skipsEmptyRows
        current = NumericRow(fieldNames: target.fieldNames)
        self.target = target
    }

    mutating func beginSeries(name: String?, columns: [String]) throws(ResponseFailure) {
        try current.beginSeries(name: name, columns: columns)
    }

    mutating func row(_ scanner: inout JSONScanner) throws(ResponseFailure) {
        let time = try current.read(&scanner)
        if skipsEmptyRows && !current.hasValue { return }
        let seconds = InfluxTime.seconds(nanoseconds: time)
        do {
            try current.values.withUnsafeBufferPointer { values in try target.append(time: seconds, values: values) }
        } catch {
            // Unreachable for the batch's buffers (the row has one value per field, the time is
            // finite), but data never traps.
            throw .malformed("the buffer refused a row: \(error)")
        }
        rows += 1
    }
}

/// One values row of an answer as the target's fields: which answer column fills which field, and the
/// row being read. Not generic, so the per-value loop is compiled once, for this type, whatever the target.
struct NumericRow {
    /// The row's values, one per target field (NaN for none).
    private(set) var values: [Double]
    /// Whether the row read last had a value other than null (and NaN).
    private(set) var hasValue = false
    /// Per answer column: the target field it fills, `timeColumn`, or `ignored`.
    private var targets: [Int] = []
    /// Target fields that repeat a name: (first field of the name, repeat), copied after each row.
    private let repeats: [(Int, Int)]
    private let firstFieldOfName: [String: Int]
    private static let timeColumn = -1
    private static let ignored = -2

    init(fieldNames: [String]) {
        var first: [String: Int] = [:]
        var repeats: [(Int, Int)] = []
        for (field, name) in fieldNames.enumerated() {
            if let earlier = first[name] { repeats.append((earlier, field)) } else { first[name] = field }
        }
        self.firstFieldOfName = first
        self.repeats = repeats
        values = Array(repeating: .nan, count: fieldNames.count)
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

    /// Reads one values row (the scanner is at its `[`) into ``values``; returns its time (nanoseconds).
    mutating func read(_ scanner: inout JSONScanner) throws(ResponseFailure) -> Int64 {
        scanner.index += 1  // the row's '['
        for field in values.indices { values[field] = .nan }
        var time: Int64 = 0
        hasValue = false
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
                values[target] = value
                if !value.isNaN { hasValue = true }
            }
        }
        if !scanner.consume(UInt8(ascii: "]")) {
            throw scanner.current == UInt8(ascii: ",")
                ? .malformed("a row with more values than its \(targets.count) columns (byte \(scanner.index))")
                : scanner.failure("expected ']' at the end of a row")
        }
        for (first, repeated) in repeats { values[repeated] = values[first] }
        return time
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
