/// The registry's content: every distinct schema under a global id (1, 2, ...), and for every subject the
/// ids of its versions (version n is the n-th entry).
///
/// As in Confluent's registry, a schema already known under another subject keeps its id when registered
/// under a new one; registering a subject's existing schema again adds no version.
struct RegistryStore: Sendable {
    private var texts: [String] = []
    private var idsByCanonicalForm: [String: UInt32] = [:]
    private var versionsBySubject: [String: [UInt32]] = [:]

    init() {}

    /// The content saved by ``snapshot``: schema texts in id order and each subject's version ids. Every
    /// text is checked again and every id must name one of them, so a damaged file is refused rather than
    /// served as schemas that differ from the ones producers registered.
    init(snapshot: RegistrySnapshot) throws(SchemaRegistryError) {
        for text in snapshot.schemas {
            let submission = try SchemaSubmission(text: text)
            texts.append(text)
            if idsByCanonicalForm[submission.canonical] == nil { idsByCanonicalForm[submission.canonical] = UInt32(texts.count) }
        }
        for (subject, ids) in snapshot.subjects {
            guard ids.allSatisfy({ $0 >= 1 && Int($0) <= texts.count }), Set(ids).count == ids.count else {
                throw .invalidSchema("subject \(subject) names schema ids that are not in the state (\(ids))")
            }
            versionsBySubject[subject] = ids
        }
    }

    /// Everything needed to serve the same ids and versions again after a restart.
    var snapshot: RegistrySnapshot { RegistrySnapshot(schemas: texts, subjects: versionsBySubject) }

    /// The id of `submission` under `subject`, registering it (and a new version) when it is new there;
    /// `changed` says whether anything was added.
    mutating func register(_ submission: SchemaSubmission, subject: String) -> (id: UInt32, changed: Bool) {
        let id: UInt32
        var changed = false
        if let existing = idsByCanonicalForm[submission.canonical] {
            id = existing
        } else {
            texts.append(submission.text)
            id = UInt32(texts.count)
            idsByCanonicalForm[submission.canonical] = id
            changed = true
        }
        if !versionsBySubject[subject, default: []].contains(id) {
            versionsBySubject[subject, default: []].append(id)
            changed = true
        }
        return (id, changed)
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
