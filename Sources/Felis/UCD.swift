import Foundation

/// IVOA Unified Content Descriptors (UCD1+), checked as `felis validate` checks `ivoa:ucd`.
///
/// A UCD is words separated by `;`; a word is atoms separated by `.`, each atom a letter or digit followed
/// by letters, digits, `_` or `-`. With the IVOA word list, the first word must be one that may stand first
/// (a primary word) and every later word one that may qualify it (a secondary word).
public enum UCD {
    /// The syntax alone, without the vocabulary.
    public static func isValidSyntax(_ ucd: String) -> Bool {
        let words = ucd.split(separator: ";", omittingEmptySubsequences: false)
        guard !words.isEmpty else { return false }
        return words.allSatisfy { isValidWord($0) }
    }

    static func isValidWord(_ word: Substring) -> Bool {
        word.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
            guard let first = atom.unicodeScalars.first, first.isASCIILetter || first.isASCIIDigit else { return false }
            return atom.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }
        }
    }

    /// Why `ucd` is not valid (nil when it is): its syntax, and with a vocabulary each word's place.
    public static func problem(in ucd: String, vocabulary: UCDVocabulary?) -> String? {
        guard isValidSyntax(ucd) else { return "'\(ucd)' is not UCD syntax (words of letters, digits, _ and - joined by . and ;)" }
        guard let vocabulary else { return nil }
        for (index, word) in ucd.split(separator: ";").enumerated() {
            let name = word.lowercased()
            if index == 0, !vocabulary.primary.contains(name) {
                return vocabulary.secondary.contains(name) ? "'\(word)' may not come first (it only qualifies a primary word)" : "unknown word '\(word)'"
            }
            if index > 0, !vocabulary.secondary.contains(name) {
                return vocabulary.primary.contains(name) ? "'\(word)' may only come first (not after ';')" : "unknown word '\(word)'"
            }
        }
        return nil
    }
}

/// The IVOA UCD1+ word list: which words may come first in a UCD and which may follow.
///
/// Read from the IVOA's list in its published text form, one `T | word | description` line per word, where
/// the type letter says where the word may stand (`P` first only, `S` after `;` only, `Q`, `E`, `V`, `C`
/// either). Astropy ships this file (`astropy/io/votable/data/ucd1p-words.txt`), which is where `felis
/// validate` reads it.
public struct UCDVocabulary: Sendable {
    /// Lower-cased words that may come first.
    public var primary: Set<String>
    /// Lower-cased words that may follow a `;`.
    public var secondary: Set<String>

    public init(primary: Set<String>, secondary: Set<String>) {
        self.primary = primary
        self.secondary = secondary
    }

    /// Parses the list's text; lines that are comments or not `T | word | ...` are skipped.
    public init(listText: String) {
        var primary = Set<String>(), secondary = Set<String>()
        for line in listText.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2, fields[0].count == 1, !fields[1].isEmpty else { continue }
            let word = fields[1].lowercased()
            if "QPEVC".contains(fields[0]) { primary.insert(word) }
            if "QSEVC".contains(fields[0]) { secondary.insert(word) }
        }
        self.init(primary: primary, secondary: secondary)
    }

    /// Reads the list from a file.
    public static func load(contentsOf url: URL) throws -> UCDVocabulary {
        UCDVocabulary(listText: try String(contentsOf: url, encoding: .utf8))
    }
}

/// The warnings `felis validate` would give about a schema's descriptors: units and UCDs it rejects.
/// They do not stop `schema apply` (the database does not use them), but a file that Rubin's own tools
/// reject should be fixed.
public enum DescriptorCheck {
    public static func warnings(_ schema: FelisSchema, vocabulary: UCDVocabulary?) -> [SchemaWarning] {
        var warnings: [SchemaWarning] = []
        for table in schema.tables {
            for column in table.columns {
                if let unit = column.unit, !unit.isEmpty, !UnitSyntax.isValid(unit) {
                    warnings.append(SchemaWarning(table: table.name, column: column.name, message: "unit '\(unit)' is not a unit astropy reads (felis validate rejects it)"))
                }
                if let ucd = column.ucd, !ucd.isEmpty, let problem = UCD.problem(in: ucd, vocabulary: vocabulary) {
                    warnings.append(SchemaWarning(table: table.name, column: column.name, message: "invalid IVOA UCD: \(problem) (felis validate rejects it)"))
                }
            }
        }
        return warnings
    }
}
