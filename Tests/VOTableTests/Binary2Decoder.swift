import Foundation
import VOTable

/// A reader of BINARY2 streams written for the fixture's kinds, for tests that check the bytes without
/// astropy: it returns each row's null flags and each value's text (numbers by Swift's description,
/// arrays space-separated).
struct Binary2Decoder {
    var bytes: [UInt8]
    var index = 0

    init(document: [UInt8]) throws {
        let text = String(decoding: document, as: UTF8.self)
        guard let open = text.range(of: "<STREAM encoding=\"base64\">"), let close = text.range(of: "</STREAM>") else {
            throw Failure(message: "no STREAM")
        }
        let base64 = text[open.upperBound..<close.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(base64)) else { throw Failure(message: "bad base64") }
        bytes = [UInt8](data)
    }

    struct Failure: Error { var message: String }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard index + count <= bytes.count else { throw Failure(message: "stream ends inside a value") }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    mutating func uint(_ width: Int) throws -> UInt64 {
        try take(width).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func rows(_ kinds: [ValueKind]) throws -> [[String?]] {
        var rows: [[String?]] = []
        while index < bytes.count {
            let flags = Array(try take((kinds.count + 7) / 8))
            var row: [String?] = []
            for (column, kind) in kinds.enumerated() {
                let value = try self.value(kind)
                let isNull = flags[column / 8] & (0x80 >> UInt8(column % 8)) != 0
                row.append(isNull ? nil : value)
            }
            rows.append(row)
        }
        return rows
    }

    mutating func value(_ kind: ValueKind) throws -> String {
        func double() throws -> String { "\(Double(bitPattern: try uint(8)))" }
        func float() throws -> String { "\(Float(bitPattern: UInt32(try uint(4))))" }
        func list(_ count: Int, _ element: () throws -> String) rethrows -> String {
            try (0..<count).map { _ in try element() }.joined(separator: " ")
        }
        switch kind {
        case .boolean: return String(UnicodeScalar(try take(1).first!))
        case .short: return "\(Int16(bitPattern: UInt16(try uint(2))))"
        case .int: return "\(Int32(bitPattern: UInt32(try uint(4))))"
        case .long: return "\(Int64(bitPattern: try uint(8)))"
        case .float: return try float()
        case .double: return try double()
        case .text, .timestamp, .timestampUTC, .date, .time:
            let count = Int(try uint(4))
            return String(decoding: try take(count), as: UTF8.self)
        case .point: return try list(2, double)
        case .circle: return try list(3, double)
        case .box: return try list(4, double)
        case .polygon, .doubleArray: return try list(Int(try uint(4)), double)
        case .floatArray: return try list(Int(try uint(4)), float)
        case .bytes: return try list(Int(try uint(4))) { "\(try uint(1))" }
        case .shortArray: return try list(Int(try uint(4))) { "\(Int16(bitPattern: UInt16(try uint(2))))" }
        case .intArray: return try list(Int(try uint(4))) { "\(Int32(bitPattern: UInt32(try uint(4))))" }
        case .longArray: return try list(Int(try uint(4))) { "\(Int64(bitPattern: try uint(8)))" }
        }
    }
}
