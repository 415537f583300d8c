import Foundation
import Testing

/// ARCHITECTURE.md's tables are the newcomer's map: its module table must name every folder in `Sources/`
/// with exactly the own-target dependencies `Package.swift` gives it, and its `Ingest` table every folder
/// there. A layout change that forgets the map fails here.
@Suite("ARCHITECTURE.md matches the layout")
struct ArchitectureMapTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func folders(_ path: String) throws -> Set<String> {
        let url = root.appendingPathComponent(path)
        return Set(try FileManager.default.contentsOfDirectory(atPath: url.path).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
        })
    }

    /// Rows of the markdown table that follows `heading`: the backticked names in each cell.
    static func table(after heading: String, in markdown: String) -> [[[String]]] {
        guard let start = markdown.range(of: heading) else { return [] }
        var rows: [[[String]]] = []
        var inTable = false
        for line in markdown[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("|") {
                inTable = true
                let cells = trimmed.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                rows.append(cells.map { cell in
                    cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
                })
            } else if inTable {
                break
            }
        }
        return rows.filter { !($0.first ?? []).isEmpty }
    }

    /// Own-target dependencies of each target `Package.swift` declares, read from its text: the quoted
    /// names in a target's `dependencies: [...]`, `.product(...)` entries (other packages) left out.
    static func packageTargets(_ manifest: String) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        let kinds = [".target(", ".executableTarget(", ".systemLibrary("]
        var index = manifest.startIndex
        while let found = kinds.compactMap({ manifest.range(of: $0, range: index..<manifest.endIndex) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            // The target's own parentheses.
            var depth = 1
            var end = found.upperBound
            while end < manifest.endIndex, depth > 0 {
                if manifest[end] == "(" { depth += 1 } else if manifest[end] == ")" { depth -= 1 }
                end = manifest.index(after: end)
            }
            let body = String(manifest[found.upperBound..<end])
            index = end
            guard let name = quoted(body).first else { continue }
            var dependencies: Set<String> = []
            if let list = body.range(of: "dependencies: [") {
                var inner = body[list.upperBound...]
                var bracket = 1
                var stop = inner.startIndex
                while stop < inner.endIndex, bracket > 0 {
                    if inner[stop] == "[" { bracket += 1 } else if inner[stop] == "]" { bracket -= 1 }
                    stop = inner.index(after: stop)
                }
                inner = inner[..<stop]
                let withoutProducts = inner.replacingOccurrences(of: #"\.product\([^)]*\)"#, with: "", options: .regularExpression)
                dependencies = Set(quoted(withoutProducts))
            }
            result[name] = dependencies
        }
        return result
    }

    static func quoted(_ text: String) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test func moduleTableNamesEverySourceFolderWithItsDependencies() throws {
        let map = try Self.text("ARCHITECTURE.md")
        let rows = Self.table(after: "## Modules", in: map)
        let documented = Dictionary(rows.map { ($0[0][0], Set($0.count > 2 ? $0[2] : [])) }, uniquingKeysWith: { first, _ in first })
        #expect(rows.count == documented.count, "a module is listed twice")
        let sources = try Self.folders("Sources")
        #expect(Set(documented.keys) == sources, "ARCHITECTURE.md lists \(documented.keys.sorted()), Sources/ holds \(sources.sorted())")

        let declared = Self.packageTargets(try Self.text("Package.swift"))
        for module in sources.sorted() {
            let uses = try #require(declared[module], "Package.swift declares no target \(module)")
            #expect(documented[module] == uses, "\(module): ARCHITECTURE.md says \((documented[module] ?? []).sorted()), Package.swift says \(uses.sorted())")
        }
    }

    @Test func ingestTableNamesEveryFolderAndNoFileSitsLoose() throws {
        let map = try Self.text("ARCHITECTURE.md")
        let documented = Set(Self.table(after: "## Inside `Ingest`", in: map).map { $0[0][0].trimmingCharacters(in: CharacterSet(charactersIn: "/")) })
        #expect(documented == (try Self.folders("Sources/Ingest")))
        let loose = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources/Ingest").path).filter { $0.hasSuffix(".swift") }
        #expect(loose.isEmpty, "files outside Ingest's folders: \(loose)")
    }

    /// The reader itself, on a manifest whose answer is known, so a parser that reads nothing cannot pass.
    @Test func manifestReaderSeesTargetsAndSkipsProducts() {
        let manifest = """
        targets: [
            .systemLibrary(name: "CZ", pkgConfig: "z"),
            .target(name: "A", dependencies: ["CZ", .product(name: "Logging", package: "swift-log")]),
            .target(
                name: "B",
                dependencies: [
                    "A",
                    .product(name: "Yams", package: "Yams"),
                ]
            ),
            .executableTarget(name: "tool", dependencies: ["A", "B"], path: "Tools/tool"),
        ]
        """
        #expect(Self.packageTargets(manifest) == ["CZ": [], "A": ["CZ"], "B": ["A"], "tool": ["A", "B"]])
    }
}
