import Hummingbird
import Testing
@testable import TAP

/// The service's absolute URL, as documents and redirects name it.
@Suite struct ServiceURLTests {
    func request(authority: String?, headers: HTTPFields = [:]) -> Request {
        Request(head: HTTPRequest(method: .get, scheme: "http", authority: authority, path: "/consdb/tap/capabilities", headerFields: headers),
                body: RequestBody(buffer: ByteBuffer()))
    }

    @Test func theRequestsHostAndForwardedSchemeMakeTheBase() {
        let url = ServiceURL(publicURL: nil, basePath: "consdb/tap/")
        #expect(url.base(for: request(authority: "tap.example.org:8443")) == "http://tap.example.org:8443/consdb/tap")
        #expect(url.base(for: request(authority: "tap.example.org", headers: [.init("X-Forwarded-Proto")!: "https, http"]))
                == "https://tap.example.org/consdb/tap")
        #expect(url.base(for: request(authority: "[::1]:8080")) == "http://[::1]:8080/consdb/tap")
    }

    @Test(arguments: ["evil.example/<x>", "a\"b", "host path", String(repeating: "a", count: 300), ""])
    func aHostThatIsNotAHostIsNotEchoed(_ host: String) {
        let url = ServiceURL(publicURL: nil, basePath: "/consdb/tap")
        #expect(url.base(for: request(authority: host)) == "http://localhost/consdb/tap")
    }

    @Test func aConfiguredPublicURLWins() {
        let url = ServiceURL(publicURL: "https://usdf-rsp.example/api/consdbtap/", basePath: "/consdb/tap")
        #expect(url.base(for: request(authority: "10.0.0.5:8080")) == "https://usdf-rsp.example/api/consdbtap")
    }
}
