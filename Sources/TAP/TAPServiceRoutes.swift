import Hummingbird

/// The service's own resources: its root page, VOSI `capabilities` and `availability` (anonymous, as
/// TAP 1.1 §2 requires).
public struct TAPServiceRoutes: Sendable {
    let configuration: TAPConfiguration
    let url: ServiceURL
    /// Whether queries can run now, and why not.
    let availability: @Sendable () async -> (available: Bool, note: String?)

    public init(configuration: TAPConfiguration, url: ServiceURL,
                availability: @escaping @Sendable () async -> (available: Bool, note: String?)) {
        self.configuration = configuration
        self.url = url
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
        group.get { request, _ in Self.rootPage(base: url.base(for: request)) }
    }

    static func xml(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
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
            <li><a href="\(base)/async">async jobs</a></li>
            </ul>
            </body></html>

            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
