import Foundation
import Hummingbird
import JSON

/// The interactive API docs: Swagger UI at `{prefix}/docs` and Redoc at `{prefix}/redoc`, both rendering
/// `{prefix}/openapi.json`, with their scripts served from `{prefix}/docs/assets/` (see ``DocsAssets``).
///
/// Like the reference's FastAPI pages, they are not operations of the OpenAPI document. Without the
/// assets both pages answer 503 with a page saying what to install; the API itself is unaffected.
struct DocsRoutes {
    let prefix: String
    let assets: DocsAssets?

    /// The paths registered here, relative to the prefix (the OpenAPI test leaves them out).
    static let paths = ["docs", "redoc", "docs/assets/{file}"]

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.get("docs") { _, _ in
            page(title: "Swagger UI", head: #"<link rel="stylesheet" type="text/css" href="\#(htmlEscaped(assetsPath))/swagger-ui.css">"#, body: swaggerBody)
        }
        group.get("redoc") { _, _ in page(title: "ReDoc", head: "<style>body { margin: 0; padding: 0; }</style>", body: redocBody) }
        group.get("docs/assets/:file") { _, context in try asset(try context.path("file")) }
    }

    private var base: String { prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix }
    private var assetsPath: String { base + "/docs/assets" }
    private var openAPIPath: String { base + "/openapi.json" }

    private func asset(_ name: String) throws -> Response {
        guard let assets else { throw APIError(.serviceUnavailable, "The docs assets are not installed: " + DocsAssets.installHint) }
        guard let (body, mediaType) = assets.asset(name) else {
            throw APIError.unknown("docs asset", .string(name), valid: DocsAssets.files.map(\.name))
        }
        return Response(
            status: .ok,
            headers: [.contentType: mediaType, .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: body)
        )
    }

    private func page(title: String, head: String, body: () -> String) -> Response {
        let html: String
        let status: HTTPResponse.Status
        if assets != nil {
            html = document(title: "consdb - " + title, head: icon + "\n" + head, body: body())
            status = .ok
        } else {
            html = document(title: "consdb - API docs unavailable", head: "", body: """
                <h1>API docs unavailable</h1>
                <p>This server has no \(htmlEscaped(title)) files. To show these pages, \(htmlEscaped(DocsAssets.installHint)), \
                then restart <code>consdb serve</code>.</p>
                <p>The OpenAPI document is served at <a href="\(htmlEscaped(openAPIPath))">\(htmlEscaped(openAPIPath))</a>.</p>
                """)
            status = .serviceUnavailable
        }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private var icon: String {
        #"<link rel="icon" type="image/png" href="\#(htmlEscaped(assetsPath))/favicon.png">"#
    }

    private func swaggerBody() -> String {
        """
        <div id="swagger-ui"></div>
        <script src="\(htmlEscaped(assetsPath))/swagger-ui-bundle.js"></script>
        <script>
        window.ui = SwaggerUIBundle({
          url: \(Self.scriptString(openAPIPath)),
          dom_id: "#swagger-ui",
          layout: "BaseLayout",
          deepLinking: true,
          showExtensions: true,
          showCommonExtensions: true,
          validatorUrl: null,
          presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
        });
        </script>
        """
    }

    private func redocBody() -> String {
        """
        <noscript>Redoc needs JavaScript; the OpenAPI document is at <a href="\(htmlEscaped(openAPIPath))">\(htmlEscaped(openAPIPath))</a>.</noscript>
        <redoc spec-url="\(htmlEscaped(openAPIPath))"></redoc>
        <script src="\(htmlEscaped(assetsPath))/redoc.standalone.js"></script>
        """
    }

    private func document(title: String, head: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(htmlEscaped(title))</title>
        \(head)
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// A JavaScript string literal that cannot end the surrounding `<script>` element.
    static func scriptString(_ text: String) -> String {
        JSONValue.string(text).serialized.replacingOccurrences(of: "<", with: "\\u003c")
    }
}
