import Fetch
import Testing

/// `HEADER_URL_PREFIXES`: which announced URLs may be fetched, compared in canonical form.
@Suite("URL prefix allow-list")
struct URLPrefixAllowListTests {
    func admitted(_ list: URLPrefixAllowList, _ url: String) -> String? {
        try? list.admit(url, rewrite: URLRewrite()).get()
    }

    func refusal(_ list: URLPrefixAllowList, _ url: String) -> String? {
        if case .failure(let refusal) = list.admit(url, rewrite: URLRewrite()) { return refusal.reason }
        return nil
    }

    @Test func theDefaultAdmitsS3AndTheSiteS3Form() throws {
        let list = URLPrefixAllowList.default
        #expect(admitted(list, "s3://rubinobs-lfa-cp/ATHeaderService/header/a.yaml") == "s3://rubinobs-lfa-cp/ATHeaderService/header/a.yaml")
        #expect(admitted(list, "https://s3.cp.lsst.org/rubinobs-lfa-cp/a.yaml") == "s3://rubinobs-lfa-cp/a.yaml")
        #expect(admitted(list, "HTTPS://S3.CP.LSST.ORG:443/rubinobs-lfa-cp/a.yaml") == "s3://rubinobs-lfa-cp/a.yaml")
        for url in ["file:///etc/hostname", "file:/etc/hostname", "http://127.0.0.1:5432/", "https://s3.cp.lsst.org.evil.example/b/k",
                    "https://evil.example/s3://x"] {
            #expect(refusal(list, url) != nil, "\(url)")
        }
        #expect(refusal(list, "file:///etc/hostname")?.contains("not under an allowed prefix (HEADER_URL_PREFIXES: s3://)") == true)
        #expect(refusal(list, "ftp://elsewhere/x.yaml")?.contains("scheme 'ftp'") == true)
    }

    @Test func filePrefixesHoldAgainstPathTricks() throws {
        let list = try URLPrefixAllowList.parse(" file:///data/headers/ , http://127.0.0.1:8000")
        #expect(list.prefixes == ["file:///data/headers/", "http://127.0.0.1:8000"])
        #expect(admitted(list, "file:///data/headers/a.yaml") == "file:///data/headers/a.yaml")
        #expect(admitted(list, "file:/data/headers/a.yaml") == "file:///data/headers/a.yaml")
        #expect(admitted(list, "file://localhost/data/headers/%61.yaml") == "file:///data/headers/a.yaml")
        #expect(admitted(list, "FILE:///data/headers/a%20b.yaml") == "file:///data/headers/a%20b.yaml")
        for url in ["file:///data/headers/../../etc/hostname", "file:///data/headers/%2e%2e/%2E%2E/etc/hostname",
                    "file:///data/headers/.%2e/secret", "file:///data/headers/a%2f..%2f..%2fetc", "file:///data/headers/./a.yaml",
                    "file:///data/headers-old/a.yaml", "file:///data/headers", "file://otherhost/data/headers/a.yaml",
                    "file:///data/headers/a\\..\\b", "file:///data/headers/a%00.yaml", "file:///data/headers/a.yaml#x",
                    "file:///data/headers/a b.yaml", "file:///data/headers/%zz"] {
            #expect(admitted(list, url) == nil, "\(url)")
        }
    }

    @Test func httpPrefixesMatchOnHostAndPortBoundaries() throws {
        let list = try URLPrefixAllowList.parse("http://127.0.0.1:8000")
        #expect(admitted(list, "http://127.0.0.1:8000/a.yaml") == "http://127.0.0.1:8000/a.yaml")
        #expect(admitted(list, "HTTP://127.0.0.1:8000") == "http://127.0.0.1:8000/")
        for url in ["http://127.0.0.1:80001/a.yaml", "http://127.0.0.1:800/a.yaml", "http://127.0.0.1/a.yaml",
                    "http://127.0.0.1:8000@evil.example/a.yaml", "http://evil.example@127.0.0.1:8000/a.yaml",
                    "http://127.0.0.1%3a8000/a.yaml", "https://127.0.0.1:8000/a.yaml"] {
            #expect(admitted(list, url) == nil, "\(url)")
        }
        #expect(refusal(list, "https://s3.cp.lsst.org@evil.example/b/k")?.contains("user information") == true)
        let site = try URLPrefixAllowList.parse("https://s3.cp.lsst.org/rubinobs-lfa-cp/")
        #expect(admitted(site, "https://s3.cp.lsst.org/rubinobs-lfa-cp/a.yaml") == "s3://rubinobs-lfa-cp/a.yaml")
        #expect(admitted(site, "https://s3.cp.lsst.org/other-bucket/a.yaml") == nil)
        let defaultPort = try URLPrefixAllowList.parse("https://headers.example:443/h/")
        #expect(admitted(defaultPort, "https://HEADERS.example/h/x.yaml") == "https://headers.example/h/x.yaml")
    }

    @Test func badPrefixesAreSettingErrors() {
        for text in ["", " , ", "ftp://x/", "file:///a/../b/", "http://user@host/"] {
            #expect(throws: URLRefusal.self, "\(text)") { try URLPrefixAllowList.parse(text) }
        }
    }
}
