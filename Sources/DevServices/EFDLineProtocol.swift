import Avro

/// A SAL telemetry record as the EFD stores it in InfluxDB (FACTS §10): one line of line protocol whose
/// measurement is the topic, whose time is `private_efdStamp` in nanoseconds, and whose fields are the
/// record's numbers and booleans, arrays flattened as `name0`, `name1`, … (Telegraf's default), integers
/// with the `i` suffix. Strings, bytes and nested records are left out (the summaries read numbers only), and
/// so are NaN and infinite values, which InfluxDB refuses. For the demo and for tests: the EFD's own writer
/// is Telegraf.
public enum EFDLineProtocol {
    /// The line, or nil when the record has no usable `private_efdStamp` or no field to write.
    public static func line(topic: String, record: AvroValue) -> String? {
        guard case .record(let fields) = record else { return nil }
        var time: Double?
        var parts: [String] = []
        func add(_ name: String, _ value: AvroValue) {
            switch value {
            case .int(let v): parts.append("\(escapeKey(name))=\(v)i")
            case .long(let v): parts.append("\(escapeKey(name))=\(v)i")
            case .boolean(let v): parts.append("\(escapeKey(name))=\(v)")
            case .float(let v) where v.isFinite: parts.append("\(escapeKey(name))=\(Double(v))")
            case .double(let v) where v.isFinite: parts.append("\(escapeKey(name))=\(v)")
            case .union(_, let inner): add(name, inner)
            case .array(let items): for (i, item) in items.enumerated() { add("\(name)\(i)", item) }
            default: break
            }
        }
        for (name, value) in fields {
            if name == "private_efdStamp", case .double(let t) = value { time = t }
            add(name, value)
        }
        guard let time, time.isFinite, abs(time) < 9e9, !parts.isEmpty else { return nil }
        let seconds = time.rounded(.down)
        let nanoseconds = Int64(seconds) * 1_000_000_000 + Int64(((time - seconds) * 1e9).rounded())
        return "\(escapeMeasurement(topic)) \(parts.joined(separator: ",")) \(nanoseconds)"
    }

    static func escapeMeasurement(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: " ", with: "\\ ")
    }

    static func escapeKey(_ text: String) -> String {
        escapeMeasurement(text).replacingOccurrences(of: "=", with: "\\=")
    }
}
