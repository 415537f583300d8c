import Hummingbird
import Logging
import VOTable

/// The service's own resources: its root page, VOSI `capabilities` and `availability` (anonymous, as
/// TAP 1.1 §2 requires).
public struct TAPServiceRoutes: Sendable {
    let configuration: TAPConfiguration
    let url: ServiceURL
    /// Whether queries can run now, and why not.
    let availability: @Sendable () async -> (available: Bool, note: String?)
    let catalog: TAPCatalogCache
    let logger: Logger

    public init(configuration: TAPConfiguration, url: ServiceURL, catalog: TAPCatalogCache, logger: Logger,
                availability: @escaping @Sendable () async -> (available: Bool, note: String?)) {
        self.configuration = configuration
        self.url = url
        self.catalog = catalog
        self.logger = logger
        self.availability = availability
    }

    public func register(on group: RouterGroup<BasicRequestContext>) {
        group.get("capabilities") { request, _ in
            Self.xml(VOSICapabilities.document(base: url.base(for: request), configuration: configuration))
        }
        group.get("availability") { _, _ in
            let (available, note) = await availability()
            return Self.xml(VOSIAvailability.document(available: available, note: note))
        }
        group.get("tables") { request, _ in
            do {
                let detail = request.uri.queryParameters["detail"].map(String.init)
                guard detail == nil || detail == "min" || detail == "max" else {
                    return Self.text("Unsupported detail '\(detail ?? "")': use min or max", status: .badRequest)
                }
                return Self.xml(VOSITables.tableset(try await catalog.current().schema, withColumns: detail != "min"))
            } catch {
                return unavailable(error)
            }
        }
        group.get("tables/:table") { _, context in
            do {
                let name = context.parameters.get("table") ?? ""
                let snapshot = try await catalog.current().schema
                guard let table = snapshot.table(name) else {
                    return Self.text("No table '\(name)' is published; GET tables lists them", status: .notFound)
                }
                return Self.xml(VOSITables.table(table, keys: snapshot.keys(from: table.name)))
            } catch {
                return unavailable(error)
            }
        }
        group.get("examples") { _, _ in
            do {
                let document = TAPExamples.document(try await catalog.current().schema)
                return Response(status: .ok, headers: [.contentType: "application/xhtml+xml; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: document)))
            } catch {
                return unavailable(error)
            }
        }
        group.get { request, _ in Self.rootPage(base: url.base(for: request)) }
    }

    static func xml(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ message: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    /// TAP_SCHEMA could not be read: the database is down, or the schema was never applied.
    func unavailable(_ error: any Error) -> Response {
        logger.warning("TAP_SCHEMA unreadable", metadata: ["event": "tap.tables_unavailable", "error": "\(error)"])
        return Self.text("TAP_SCHEMA cannot be read now; try again later", status: .serviceUnavailable)
    }

    /// A page for people who open the base URL in a browser: what the service is and how to use it.
    static func rootPage(base: String) -> Response {
        let base = XMLText.escape(base)
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ConsDB TAP service</title></head>
            <body>
            <h1>ConsDB TAP service</h1>
            <p>An IVOA Table Access Protocol (TAP 1.1) service over the Consolidated Database: ADQL 2.1 queries,
            synchronous and asynchronous, answered in VOTable, CSV or TSV.</p>
            <p>TAP URL (TOPCAT, pyvo, the portal): <code>\(base)</code></p>
            <pre>import pyvo
            tap = pyvo.dal.TAPService("\(base)")
            tap.search("SELECT TOP 10 * FROM TAP_SCHEMA.tables").to_table()</pre>
            <ul>
            <li><a href="\(base)/capabilities">capabilities</a></li>
            <li><a href="\(base)/availability">availability</a></li>
            <li><a href="\(base)/tables">tables</a></li>
            <li><a href="\(base)/examples">examples</a></li>
            <li><a href="\(base)/async">async jobs</a></li>
            </ul>
            </body></html>

            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
