/// The registry's content: every distinct schema under a global id (1, 2, ...), and for every subject the
/// ids of its versions (version n is the n-th entry).
///
/// As in Confluent's registry, a schema already known under another subject keeps its id when registered
/// under a new one; registering a subject's existing schema again adds no version.
struct RegistryStore: Sendable {
    private var texts: [String] = []
    private var idsByCanonicalForm: [String: UInt32] = [:]
    private var versionsBySubject: [String: [UInt32]] = [:]

    /// The id of `submission` under `subject`, registering it (and a new version) when it is new there.
    mutating func register(_ submission: SchemaSubmission, subject: String) -> UInt32 {
        let id: UInt32
        if let existing = idsByCanonicalForm[submission.canonical] {
            id = existing
        } else {
            texts.append(submission.text)
            id = UInt32(texts.count)
            idsByCanonicalForm[submission.canonical] = id
        }
        if !versionsBySubject[subject, default: []].contains(id) {
            versionsBySubject[subject, default: []].append(id)
        }
        return id
    }

    func schemaText(id: UInt32) -> String? {
        guard id >= 1, Int(id) <= texts.count else { return nil }
        return texts[Int(id) - 1]
    }

    /// Subject names, sorted so listings are stable.
    var subjects: [String] { versionsBySubject.keys.sorted() }

    func versions(of subject: String) throws(SchemaRegistryError) -> [Int] {
        guard let ids = versionsBySubject[subject] else { throw .subjectNotFound }
        return Array(1...ids.count)
    }

    func version(_ selector: VersionSelector, of subject: String) throws(SchemaRegistryError) -> (version: Int, id: UInt32, text: String) {
        guard let ids = versionsBySubject[subject], !ids.isEmpty else { throw .subjectNotFound }
        let version: Int
        switch selector {
        case .latest: version = ids.count
        case .number(let number): version = number
        }
        guard (1...ids.count).contains(version) else { throw .versionNotFound }
        let id = ids[version - 1]
        return (version, id, texts[Int(id) - 1])
    }
}

/// The `{version}` of `/subjects/{subject}/versions/{version}`: a number from 1, or `latest` (also `-1`).
enum VersionSelector: Sendable, Equatable {
    case latest
    case number(Int)

    init(_ text: String) throws(SchemaRegistryError) {
        if text == "latest" || text == "-1" {
            self = .latest
        } else if let number = Int32(text), number >= 1 {
            self = .number(Int(number))
        } else {
            throw .invalidVersion(String(text.prefix(64)))
        }
    }
}
