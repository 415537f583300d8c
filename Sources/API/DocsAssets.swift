import Dispatch
import Foundation
import Hummingbird

/// The Swagger UI and Redoc files the interactive docs pages load, read once from the directory where
/// PyPI's `fastapi-offline` package installs them (`fastapi_offline/static`), so the pages work without
/// reaching a CDN. Nothing of them is in this repository.
public struct DocsAssets: Sendable {
    /// The files the pages use, with their media types.
    static let files: [(name: String, mediaType: String)] = [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("redoc.standalone.js", "text/javascript; charset=utf-8"),
        ("favicon.png", "image/png"),
    ]

    /// What to install when the files are missing, for the 503 page and the start-up warning.
    public static let installHint = """
        install the Python package fastapi-offline (pip install fastapi-offline; scripts/install-deps does) \
        or set CONSDB_DOCS_ASSETS to a directory holding \(files.map(\.name).joined(separator: ", "))
        """

    /// Where the files were read from.
    public let directory: String
    let contents: [String: ByteBuffer]

    /// Why the files could not be read.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let directory: String
        public let missing: [String]
        public var description: String {
            "docs assets missing in \(directory): \(missing.joined(separator: ", ")); \(DocsAssets.installHint)"
        }
    }

    /// Reads every file of ``files`` from `directory` (a few MB, once, at start).
    public static func load(directory: String) throws -> DocsAssets {
        var contents: [String: ByteBuffer] = [:]
        var missing: [String] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            if let data = FileManager.default.contents(atPath: path) {
                contents[file.name] = ByteBuffer(bytes: data)
            } else {
                missing.append(file.name)
            }
        }
        guard missing.isEmpty else { throw LoadError(directory: directory, missing: missing) }
        return DocsAssets(directory: directory, contents: contents)
    }

    /// The asset named `name` with its media type, if it is one of ``files``.
    func asset(_ name: String) -> (body: ByteBuffer, mediaType: String)? {
        guard let file = Self.files.first(where: { $0.name == name }), let body = contents[name] else { return nil }
        return (body, file.mediaType)
    }

    // MARK: - Finding the installed package

    /// The installed `fastapi_offline/static` directory, if any: asked of `python3` (which knows its own
    /// site-packages, virtual environments and user installs included), else looked for in the usual
    /// system locations.
    public static func search() async -> String? {
        if let found = await pythonPackageDirectory(), hasEveryFile(found) { return found }
        return commonDirectories().first(where: hasEveryFile)
    }

    static func hasEveryFile(_ directory: String) -> Bool {
        files.allSatisfy { FileManager.default.isReadableFile(atPath: (directory as NSString).appendingPathComponent($0.name)) }
    }

    /// `python3`'s answer, on a thread of its own (starting a process and waiting for it blocks).
    private static func pythonPackageDirectory() async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                // find_spec locates the package without importing it (importing would load FastAPI).
                process.arguments = [
                    "python3", "-c",
                    "import importlib.util as u; s = u.find_spec('fastapi_offline'); print(s.submodule_search_locations[0] if s else '')",
                ]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(returning: nil)
                    return
                }
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                continuation.resume(returning: process.terminationStatus == 0 && !text.isEmpty ? text + "/static" : nil)
            }
        }
    }

    private static func commonDirectories() -> [String] {
        var roots = ["/usr/lib/python3/dist-packages"]
        for base in ["/usr/local/lib", "/usr/lib"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
            for name in names.sorted() where name.hasPrefix("python3") {
                roots.append("\(base)/\(name)/site-packages")
                roots.append("\(base)/\(name)/dist-packages")
            }
        }
        return roots.map { $0 + "/fastapi_offline/static" }
    }
}
