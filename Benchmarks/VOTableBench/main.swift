// votable-bench: rows/s of the TAP result writers (VOTable TABLEDATA and BINARY2, CSV, TSV) on a
// ConsDB-like row of PostgreSQL text values, in memory, single thread, each batch's bytes dropped after
// it is written as a response body would send them; `json` is the `/consdb/query` row writer
// (QueryRoutes.writeRow over ValueCoding.json, mirrored here since both are internal to API), the rate
// the TAP formats are held to (BINARY2 at no less than 0.7 of it). Build in release:
//   swift run -c release votable-bench [--rows 1000000] [--batch 10000] [--repeats 3]
import Foundation
import JSON
import TimeScales
import VOTable

func argument(_ name: String, default fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let rowCount = Int(argument("--rows", default: "1000000"))!
let batchSize = Int(argument("--batch", default: "10000"))!
let repeats = Int(argument("--repeats", default: "3"))!
let formatNames = argument("--formats", default: "json,votable,votable/b2,csv,tsv").split(separator: ",").map(String.init)

// A visit-like row: ids, a timestamp, a few doubles, a short text, a boolean, a NULL, a point.
let fields: [ResultField] = [
    ResultField(name: "visit_id", kind: .long),
    ResultField(name: "day_obs", kind: .int),
    ResultField(name: "seq_num", kind: .int),
    ResultField(name: "obs_start", kind: .timestamp),
    ResultField(name: "exp_time", kind: .double),
    ResultField(name: "s_ra", kind: .double),
    ResultField(name: "s_dec", kind: .double),
    ResultField(name: "sky_rotation", kind: .double),
    ResultField(name: "band", kind: .text),
    ResultField(name: "physical_filter", kind: .text),
    ResultField(name: "science_program", kind: .text),
    ResultField(name: "can_see_sky", kind: .boolean),
    ResultField(name: "airmass", kind: .float),
    ResultField(name: "dimm_seeing", kind: .float),
]
var generator = SystemRandomNumberGenerator()
let batch: [[String?]] = (0..<batchSize).map { index in
    let seq = index % 1000
    return [
        String(2_024_112_700_000 + index), "20241127", String(seq),
        "2024-11-27 23:12:\(String(format: "%02d", seq % 60)).\(100_000 + seq * 7)",
        "30", String(Double.random(in: 0..<360, using: &generator)), String(Double.random(in: -90..<10, using: &generator)),
        String(Double.random(in: -180..<180, using: &generator)),
        "r", "r_57", "BLOCK-365", index % 3 == 0 ? "f" : "t",
        String(Float.random(in: 1..<2, using: &generator)), index % 10 == 0 ? nil : String(Float.random(in: 0.5..<2, using: &generator)),
    ]
}

// PostgreSQL type OIDs of the columns, for the JSON writer.
let typeOIDs: [UInt32] = [20, 23, 23, 1114, 701, 701, 701, 701, 25, 25, 25, 16, 700, 700]

/// The JSON value of a PostgreSQL text value, as ValueCoding.json makes it.
func json(_ text: String?, typeOID: UInt32) -> JSONValue {
    guard let text else { return .null }
    switch typeOID {
    case 16: return .bool(text == "t")
    case 20, 21, 23, 26: return .number(text)
    case 700, 701, 1700: return ["NaN", "Infinity", "-Infinity"].contains(text) ? .null : .number(text)
    case 1114, 1184: return .string(TimestampText.iso(fromPostgres: text))
    default: return .string(text)
    }
}

func jsonRate() -> (Double, Int) {
    var best = Double.infinity
    var bytes = 0
    for _ in 0..<repeats {
        bytes = 0
        let elapsed = clock.measure {
            var text = "{\"columns\":" + JSONValue.strings(fields.map(\.name)).serialized + ",\"data\":["
            var written = 0
            while written < rowCount {
                let take = min(batchSize, rowCount - written)
                for row in batch.prefix(take) {
                    if written > 0 { text += "," }
                    text += "["
                    for (index, value) in row.enumerated() {
                        if index > 0 { text += "," }
                        json(value, typeOID: typeOIDs[index]).write(into: &text)
                    }
                    text += "]"
                    written += 1
                }
                // The route copies the text into a ByteBuffer; an array of its bytes stands for that.
                let body = Array(text.utf8)
                bytes += body.count
                text = ""
            }
            bytes += 2
        }
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    return (best, bytes)
}

let clock = ContinuousClock()
print("votable-bench: \(rowCount) rows of \(fields.count) columns in batches of \(batchSize), best of \(repeats)")
for formatName in formatNames {
    if formatName == "json" {
        let (best, bytes) = jsonRate()
        print("json        " + String(format: "%10.0f rows/s  %7.1f MB/s  %.3f s  %d bytes", Double(rowCount) / best, Double(bytes) / best / 1e6, best, bytes))
        continue
    }
    guard let format = ResultFormat(responseFormat: formatName) else { fatalError("unknown format \(formatName)") }
    var best = Double.infinity
    var bytes = 0
    for _ in 0..<repeats {
        var writer = ResultStreamWriter(format: format, fields: fields)
        var out: [UInt8] = []
        out.reserveCapacity(4 << 20)
        bytes = 0
        let elapsed = clock.measure {
            writer.begin(into: &out)
            var written = 0
            while written < rowCount {
                let take = min(batchSize, rowCount - written)
                writer.append(take == batchSize ? batch : Array(batch.prefix(take)), into: &out)
                written += take
                bytes += out.count
                out.removeAll(keepingCapacity: true)
            }
            writer.finish(overflow: false, into: &out)
            bytes += out.count
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        best = min(best, seconds)
    }
    let rate = Double(rowCount) / best
    let name = format.shortName.padding(toLength: 12, withPad: " ", startingAt: 0)
    print(name + String(format: "%10.0f rows/s  %7.1f MB/s  %.3f s  %d bytes", rate, Double(bytes) / best / 1e6, best, bytes))
}
