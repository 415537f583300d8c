@testable import API
import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
import TestSupport

/// One operation of the OpenAPI document.
struct DocumentedOperation: Hashable, CustomStringConvertible {
    var method: String
    var path: String
    var operationID: String
    var tag: String
    var description: String { "\(method.uppercased()) \(path) (\(operationID))" }

    static func all(prefix: String = "/consdb") throws -> [DocumentedOperation] {
        let document = try JSONValue.parse(OpenAPIDocument.json(prefix: prefix))
        guard case .object(let paths)? = document["paths"] else { return [] }
        var operations: [DocumentedOperation] = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for (method, operation) in methods {
                operations.append(DocumentedOperation(
                    method: method, path: path,
                    operationID: operation["operationId"]?.stringValue ?? "",
                    tag: operation["tags"]?.arrayValue?.first?.stringValue ?? "default"
                ))
            }
        }
        return operations
    }
}

/// The docs assets as `scripts/install-deps` installs them (PyPI fastapi-offline).
private func installedAssets() async throws -> String {
    try #require(await DocsAssets.search(), "fastapi-offline is not installed; scripts/install-deps installs it")
}

@Suite("interactive API docs pages")
struct DocsPagesTests {
    @Test("without the assets, the pages answer 503 saying what to install, and the API still works")
    func missingAssets() async throws {
        var setup = APISetup()
        setup.fixtures = false
        setup.allowServerErrors = true
        try await withAPI(setup) { api in
            for page in ["/consdb/docs", "/consdb/redoc"] {
                let reply = try await api.get(page)
                #expect(reply.status == 503)
                #expect(reply.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(reply.text.contains("fastapi-offline"))
                #expect(reply.text.contains("CONSDB_DOCS_ASSETS"))
                #expect(reply.text.contains("/consdb/openapi.json"))
            }
            let asset = try await api.get("/consdb/docs/assets/swagger-ui-bundle.js")
            #expect(asset.status == 503)
            #expect(try await api.get("/consdb/openapi.json").status == 200)
        }
    }

    @Test("a directory without the files is reported at start and the pages say what to install")
    func brokenAssetDirectory() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-no-assets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: DocsAssets.LoadError.self) { try DocsAssets.load(directory: empty) }
        var setup = APISetup()
        setup.fixtures = false
        setup.allowServerErrors = true
        setup.configuration.docsAssetsDirectory = empty
        try await withAPI(setup) { api in
            let reply = try await api.get("/consdb/docs")
            #expect(reply.status == 503)
        }
    }

    @Test("with the assets, the pages load them from this server and point at our OpenAPI document")
    func pagesAndAssets() async throws {
        let directory = try await installedAssets()
        var setup = APISetup()
        setup.fixtures = false
        setup.configuration.docsAssetsDirectory = directory
        try await withAPI(setup) { api in
            let docs = try await api.get("/consdb/docs")
            #expect(docs.status == 200)
            #expect(docs.headers[.contentType] == "text/html; charset=utf-8")
            #expect(docs.text.contains(#"src="/consdb/docs/assets/swagger-ui-bundle.js""#))
            #expect(docs.text.contains(#"href="/consdb/docs/assets/swagger-ui.css""#))
            #expect(docs.text.contains(#"url: "/consdb/openapi.json""#))
            #expect(!docs.text.contains("http"), "no page may load anything from another host")
            let redoc = try await api.get("/consdb/redoc")
            #expect(redoc.status == 200)
            #expect(redoc.text.contains(#"<redoc spec-url="/consdb/openapi.json"></redoc>"#))
            #expect(redoc.text.contains(#"src="/consdb/docs/assets/redoc.standalone.js""#))
            #expect(!redoc.text.contains("http"))

            for file in DocsAssets.files {
                let reply = try await api.client.execute(uri: "/consdb/docs/assets/" + file.name, method: .get, headers: [:], body: nil)
                #expect(reply.status == .ok, "\(file.name)")
                #expect(reply.headers[.contentType] == file.mediaType)
                let onDisk = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file.name))
                #expect(Data(reply.body.readableBytesView) == onDisk, "\(file.name) served as installed")
            }
            for name in ["nosuch.js", "..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "swagger-ui-bundle.js%00"] {
                let reply = try await api.get("/consdb/docs/assets/" + name)
                #expect(reply.status == 404, "\(name): \(reply)")
            }
        }
    }

    @Test("a URL prefix of the deployment is used in every link of the pages, escaped")
    func prefixedPages() async throws {
        let directory = try await installedAssets()
        var setup = APISetup()
        setup.fixtures = false
        setup.configuration.prefix = "/api/v1"
        setup.configuration.docsAssetsDirectory = directory
        let page = try await withAPI(setup) { api in try await api.get("/api/v1/docs") }
        #expect(page.status == 200, "\(page)")
        #expect(page.text.contains(#"url: "/api/v1/openapi.json""#))
        #expect(page.text.contains(#"src="/api/v1/docs/assets/swagger-ui-bundle.js""#))
        #expect(htmlEscaped(#"/a"<b>&'"#) == "/a&quot;&lt;b&gt;&amp;&#39;")
        #expect(DocsRoutes.scriptString(#"/a"</script>"#) == #""/a\"\u003c/script>""#)
    }

    // MARK: - In a real browser

    /// The page at `path` of a live server with the installed docs files, rendered by headless Chromium,
    /// as its final DOM.
    private func renderedDOM(_ path: String) async throws -> String {
        var setup = APISetup()
        setup.fixtures = false
        setup.testing = .live
        setup.configuration.docsAssetsDirectory = try await installedAssets()
        return try await withAPI(setup) { api in
            let port = try #require(api.client.port)
            let result = try await ChildProcess.run("chromium", [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--virtual-time-budget=10000", "--dump-dom", "http://127.0.0.1:\(port)\(path)",
            ])
            #expect(result.status == 0, "\(result)")
            return result.text
        }
    }

    @Test("Swagger UI renders in Chromium and lists every operation of the OpenAPI document")
    func swaggerUIInBrowser() async throws {
        let operations = try DocumentedOperation.all()
        let dom = try await renderedDOM("/consdb/docs")
        #expect(dom.contains("swagger-ui"), "\(dom.prefix(2000))")
        // Each operation is a block `<div class="opblock opblock-<method> ..." id="operations-<tag>-<operationId>">`.
        var rendered = Set<String>()
        for match in dom.matches(of: /class="opblock opblock-([a-z]+)[^"]*" id="operations-([^"]+)"/) {
            rendered.insert("\(match.1) \(match.2)")
        }
        for operation in operations {
            #expect(rendered.contains("\(operation.method) \(operation.tag)-\(operation.operationID)"), "not rendered: \(operation)")
            #expect(dom.contains(#"data-path="\#(operation.path)""#), "path not rendered: \(operation)")
        }
        #expect(rendered.count == operations.count, "\(rendered.sorted())")
    }

    @Test("Redoc renders in Chromium and lists every operation of the OpenAPI document")
    func redocInBrowser() async throws {
        let operations = try DocumentedOperation.all()
        let dom = try await renderedDOM("/consdb/redoc")
        // Each operation is a section `data-section-id="tag/<tag>/operation/<operationId>"`.
        for operation in operations {
            #expect(dom.contains(#"data-section-id="tag/\#(operation.tag)/operation/\#(operation.operationID)""#), "not rendered: \(operation)")
        }
    }
}
