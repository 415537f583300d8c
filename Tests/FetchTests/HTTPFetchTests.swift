import Fetch
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Counts requests per route, so a fixture can fail a given number of times before it succeeds.
actor RequestCounter {
    private var counts: [String: Int] = [:]
    func next(_ route: String) -> Int {
        counts[route, default: 0] += 1
        return counts[route]!
    }
}

/// A local HTTP fixture server with the behaviours the fetcher must handle.
func fixtureRouter() -> Router<BasicRequestContext> {
    let counter = RequestCounter()
    let router = Router()
    router.get("ok") { _, _ in "header: value\n" }
    router.get("missing") { _, _ -> Response in Response(status: .notFound) }
    router.get("forbidden") { _, _ -> Response in Response(status: .forbidden) }
    router.get("flaky") { _, _ -> Response in
        await counter.next("flaky") <= 2 ? Response(status: .serviceUnavailable) : Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "recovered")))
    }
    router.get("always-503") { _, _ -> Response in _ = await counter.next("always-503"); return Response(status: .serviceUnavailable) }
    router.get("appears") { _, _ -> Response in
        await counter.next("appears") <= 3 ? Response(status: .notFound) : Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "here now")))
    }
    router.get("slow") { _, _ -> String in
        try await Task.sleep(for: .seconds(3))
        return "late"
    }
    router.get("big") { _, _ -> Response in
        Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x61, count: 2 << 20)))
    }
    router.get("redirect") { _, _ -> Response in Response(status: .found, headers: [.location: "/ok"]) }
    router.get("echo-auth") { request, _ -> String in request.headers[.authorization] ?? "none" }
    return router
}

func withFixture(_ body: @Sendable (String) async throws -> Void) async throws {
    let app = Application(router: fixtureRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        try await body("http://127.0.0.1:\(client.port!)")
    }
}

@Suite("Fetch over HTTP against a local fixture server")
struct HTTPFetchTests {
    let fast = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20))

    @Test func getsABody() async throws {
        try await withFixture { base in
            let response = try await Fetcher(retry: .none).get(base + "/ok")
            #expect(response.status == 200)
            #expect(response.text == "header: value\n")
        }
    }

    @Test func followsRedirects() async throws {
        try await withFixture { base in
            let response = try await Fetcher(retry: .none).get(base + "/redirect")
            #expect(response.text == "header: value\n")
        }
    }

    @Test func notFoundIsNotRetried() async throws {
        try await withFixture { base in
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: fast).get(base + "/missing") }
            #expect(error?.kind == .httpStatus(404))
            #expect(error?.attempts == 1)
        }
    }

    @Test func serverErrorsAreRetriedUntilSuccess() async throws {
        try await withFixture { base in
            let response = try await Fetcher(retry: fast).get(base + "/flaky")
            #expect(response.text == "recovered")
        }
    }

    @Test func retriesStopAtTheLimit() async throws {
        try await withFixture { base in
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: fast).get(base + "/always-503") }
            #expect(error?.kind == .httpStatus(503))
            #expect(error?.attempts == 4)
        }
    }

    @Test func totalTimeoutIsEnforced() async throws {
        try await withFixture { base in
            var template = FetchRequest(url: "")
            template.totalTimeout = .milliseconds(200)
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: .none, template: template).get(base + "/slow") }
            #expect(error?.kind == .timedOut)
        }
    }

    @Test func oversizedBodiesAreRefused() async throws {
        try await withFixture { base in
            var template = FetchRequest(url: "")
            template.maxBodyBytes = 1 << 20
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: fast, template: template).get(base + "/big") }
            #expect(error?.kind == .tooLarge(limit: 1 << 20))
            #expect(error?.attempts == 1)
        }
    }

    @Test func connectionRefusedIsATransportErrorAfterRetries() async throws {
        let error = try await RefusingPort.with { port in
            await #expect(throws: FetchError.self) { try await Fetcher(retry: fast).get("http://127.0.0.1:\(port)/x") }
        }
        guard case .transport? = error?.kind else { Issue.record("expected a transport error, got \(String(describing: error))"); return }
        #expect(error?.attempts == 4)
    }

    @Test func waitsForAnObjectToAppear() async throws {
        try await withFixture { base in
            let response = try await Fetcher(retry: fast).getWhenAvailable(base + "/appears", timeout: .seconds(10), interval: .milliseconds(10))
            #expect(response.text == "here now")
        }
    }

    @Test func givesUpWaitingAfterTheTimeout() async throws {
        try await withFixture { base in
            let error = await #expect(throws: FetchError.self) {
                try await Fetcher(retry: fast).getWhenAvailable(base + "/forbidden", timeout: .milliseconds(100), interval: .milliseconds(10))
            }
            #expect(error?.kind == .notAvailable)
        }
    }

    @Test func sendsBasicAndBearerCredentials() async throws {
        try await withFixture { base in
            var basic = try Fetcher(retry: .none).request(for: base + "/echo-auth")
            basic.credentials = .basic(username: "user", password: "pa:ss")
            let basicResponse = try await Fetcher(retry: .none).perform(basic, retry: .none)
            #expect(basicResponse.text == "Basic " + Data("user:pa:ss".utf8).base64EncodedString())
            var bearer = basic
            bearer.credentials = .bearer("t0ken")
            let bearerResponse = try await Fetcher(retry: .none).perform(bearer, retry: .none)
            #expect(bearerResponse.text == "Bearer t0ken")
        }
    }

    @Test func signsS3RequestsWithSigV4() async throws {
        try await withFixture { base in
            let s3 = S3Settings(endpoint: base, region: "cp-1", accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
            // The fixture answers /echo-auth for any bucket-less path, so point the endpoint's "bucket" at it.
            let request = try Fetcher(s3: s3, retry: .none).request(for: "s3://echo-auth/key")
            #expect(request.url == base + "/echo-auth/key")
            guard case .awsSigV4(let key, _, let region, let service) = request.credentials else {
                Issue.record("not signed"); return
            }
            #expect(key == "AKIDEXAMPLE" && region == "cp-1" && service == "s3")
        }
    }

    @Test func rejectsOtherSchemesAndMissingS3Settings() async throws {
        let fetcher = Fetcher(retry: .none)
        for url in ["ftp://example/x", "gopher://x", "javascript:alert(1)", "", "s3://bucket-only"] {
            let error = #expect(throws: FetchError.self) { try fetcher.request(for: url) }
            #expect(error?.kind == .unsupportedURL || error?.kind == .configuration)
        }
        let missing = #expect(throws: FetchError.self) { try fetcher.request(for: "s3://bucket/key.yaml") }
        #expect(missing?.kind == .configuration)
    }
}

@Suite("Fetch from files")
struct FileFetchTests {
    @Test func readsFilesAndTreatsMissingOnesAsNotFound() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("header.yaml")
        try Data("PRIMARY: []\n".utf8).write(to: file)
        let fetcher = Fetcher(retry: .none)
        let response = try await fetcher.get("file://" + file.path)
        #expect(response.text == "PRIMARY: []\n")
        let error = await #expect(throws: FetchError.self) { try await fetcher.get("file://" + directory.appendingPathComponent("nope.yaml").path) }
        #expect(error?.kind == .httpStatus(404))
    }
}

@Suite("URL helpers")
struct URLHelperTests {
    @Test func rewritesTheSiteS3HostLikeTheReference() {
        let rewrite = URLRewrite()
        #expect(rewrite.apply("https://s3.cp.lsst.org/rubinobs-lfa-cp/ATHeaderService/header/2024/08/01/x.yaml")
            == "s3://rubinobs-lfa-cp/ATHeaderService/header/2024/08/01/x.yaml")
        #expect(URLRewrite(bucketPrefix: "dev-").apply("https://s3.ls.lsst.org/b/k") == "s3://dev-b/k")
        #expect(rewrite.apply("https://example.org/s3.cp.lsst.org/x") == "https://example.org/s3.cp.lsst.org/x")
        #expect(rewrite.apply("https://s3.cp.lsst.org.evil.com/b/k") == "https://s3.cp.lsst.org.evil.com/b/k")
        #expect(rewrite.apply("https://s3.a.b.lsst.org/b/k") == "https://s3.a.b.lsst.org/b/k")
    }

    @Test func redactsCredentials() {
        #expect(FetchURL.redacted("https://user:secret@host/path") == "https://***@host/path")
        #expect(FetchURL.redacted("https://host/p@th") == "https://host/p@th")
    }

    @Test func s3SettingsFromEnvironment() {
        #expect(S3Settings.fromEnvironment([:]) == nil)
        let settings = S3Settings.fromEnvironment(["S3_ENDPOINT_URL": "http://127.0.0.1:9000/", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"])
        #expect(settings?.endpoint == "http://127.0.0.1:9000")
        #expect(settings?.region == "us-east-1")
    }

    @Test func backOffGrowsAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.delay(beforeAttempt: 2) == .milliseconds(100))
        #expect(policy.delay(beforeAttempt: 3) == .milliseconds(200))
        #expect(policy.delay(beforeAttempt: 9) == .seconds(1))
    }
}
