import Foundation

/// The registry's content as kept in a state file (`consdb dev registry --state-file`): schema texts in
/// id order (id 1 first) and the ids of each subject's versions, so a registry restarted on the file
/// serves every schema under the id producers were given before.
struct RegistrySnapshot: Codable, Sendable, Equatable {
    var schemas: [String]
    var subjects: [String: [UInt32]]

    /// Reads a state file; nil when there is none yet (a first start).
    static func load(from file: URL) throws -> RegistrySnapshot? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let data = try Data(contentsOf: file)
        do {
            return try JSONDecoder().decode(RegistrySnapshot.self, from: data)
        } catch {
            throw RegistryStateError("\(file.path) is not a registry state file: \(error)")
        }
    }

    /// Replaces the file atomically: a registry killed while saving leaves the previous content, never half of it.
    func save(to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: file, options: .atomic)
    }
}

/// A registry state file that cannot be read, or whose content is not a registry's.
public struct RegistryStateError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
